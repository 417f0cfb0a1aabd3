// Shows, live, what the widget allowed to run and which cookies exist.
(function () {
  function render() {
    var c = window.Lupa && window.Lupa.getConsent();
    var out = {
      consent: c,
      ran: window.__ran || [],
      cookies: document.cookie ? document.cookie.split('; ').map(function (x) { return x.split('=')[0]; }) : [],
    };
    document.getElementById('demo-state').textContent = JSON.stringify(out, null, 2);
  }
  document.addEventListener('lupa:ready', render);
  document.addEventListener('lupa:change', function () { setTimeout(render, 50); });
  document.addEventListener('DOMContentLoaded', render);
})();
