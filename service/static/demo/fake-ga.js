// Stand-in for Google Analytics (gtag.js): sets _ga/_gid and records that it ran.
(function () {
  var id = Math.floor(Math.random() * 1e9) + '.' + Math.floor(Date.now() / 1000);
  document.cookie = '_ga=GA1.1.' + id + '; Max-Age=63072000; Path=/; SameSite=Lax';
  document.cookie = '_gid=GA1.1.' + id + '; Max-Age=86400; Path=/; SameSite=Lax';
  (window.__ran = window.__ran || []).push('ga');
  (window.dataLayer = window.dataLayer || []).push({ event: 'fake-ga-loaded' });
})();
