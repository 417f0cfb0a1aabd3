// Google Consent Mode v2: every signal denied by default, then updated from the categories.
// The values are category types (docs/notice-format.md); update() asks whether any category of
// that type is granted.
const SIGNALS = {
  analytics_storage: 'analytics',
  ad_storage: 'marketing',
  ad_user_data: 'marketing',
  ad_personalization: 'marketing',
  functionality_storage: 'preferences',
  personalization_storage: 'preferences',
};

function gtag() {
  if (typeof window.gtag === 'function') return window.gtag;
  window.dataLayer = window.dataLayer || [];
  // Google's tag reads Arguments objects from the dataLayer, so this must not be an arrow.
  return (window.gtag = function () {
    window.dataLayer.push(arguments);
  });
}

export function consentDefault() {
  const v = { security_storage: 'granted', wait_for_update: 500 };
  for (const k in SIGNALS) v[k] = 'denied';
  gtag()('consent', 'default', v);
}

export function consentUpdate(granted) {
  const v = {};
  for (const k in SIGNALS) v[k] = granted(SIGNALS[k]) ? 'granted' : 'denied';
  gtag()('consent', 'update', v);
}
