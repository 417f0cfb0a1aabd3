// Stand-in for the Facebook Pixel: sets _fbp and records that it ran.
(function () {
  var id = 'fb.1.' + Date.now() + '.' + Math.floor(Math.random() * 1e9);
  document.cookie = '_fbp=' + id + '; Max-Age=7776000; Path=/; SameSite=Lax';
  (window.__ran = window.__ran || []).push('pixel');
  (window.dataLayer = window.dataLayer || []).push({ event: 'fake-pixel-loaded' });
})();
