// Contextual consent for embeds, fetched by the widget only on a page that has one:
//
// <iframe data-lupa-src="https://www.youtube.com/embed/ID" data-category="marketing"
//         data-vendor="youtube" title="Our cleaning tips" width="560" height="315"></iframe>
//
// Until its category is granted the iframe stays empty (no src) and hidden, and a placeholder
// in the page's language says what it is, whose it is and what that vendor sets (the vendor's
// entry in the notice), with "Load this once" (this page view only, on the vendor's
// privacy-enhanced host where it has one) and "Allow <category>" (recorded like the banner's
// choice). A later refusal of the category puts the placeholder back. The iframe carries
// data-lupa-state="held|once|granted". No inline styles or scripts: classes from embeds.css.
/* global __EMB_CSS__, __EMB_CSS_SRI__ */
import { loc } from './i18n.js';
import { h } from './ui.js';

const TEXT = {
  fi: {
    held: 'Tämä upotettu sisältö ladataan vasta, kun annat siihen luvan.',
    vendor: 'Palveluntarjoaja',
    cookies: 'Evästeet, joita palveluntarjoaja voi asettaa',
    unlisted: 'Katso tietosuojaselosteesta, mitä palveluntarjoaja asettaa.',
    once: 'Lataa tämän kerran',
    allow: 'Salli',
    gpc: 'Selaimesi Global Privacy Control -signaali kieltää markkinoinnin; voit silti ladata sisällön tämän kerran.',
    notice: 'Tietosuojaseloste',
  },
  sv: {
    held: 'Det här inbäddade innehållet laddas först när du tillåter det.',
    vendor: 'Leverantör',
    cookies: 'Kakor som leverantören kan sätta',
    unlisted: 'Se dataskyddsbeskrivningen för vad leverantören sätter.',
    once: 'Ladda den här gången',
    allow: 'Tillåt',
    gpc: 'Din webbläsares Global Privacy Control-signal avvisar marknadsföring; du kan ändå ladda innehållet den här gången.',
    notice: 'Dataskyddsbeskrivning',
  },
  en: {
    held: 'This embedded content loads only once you allow it.',
    vendor: 'Provider',
    cookies: 'Cookies the provider may set',
    unlisted: 'See the privacy notice for what the provider sets.',
    once: 'Load this once',
    allow: 'Allow',
    gpc: "Your browser's Global Privacy Control signal refuses marketing; you can still load this once.",
    notice: 'Privacy notice',
  },
};

// Names for vendors a notice does not list (Lupa's vendor table ids).
const NAMES = { youtube: 'YouTube', vimeo: 'Vimeo', google_maps: 'Google Maps' };

// A vendor's privacy-enhanced player, used for "Load this once": YouTube's youtube-nocookie.com
// host, Vimeo's documented dnt=1 (the player then sets no tracking cookies).
const ENHANCED = {
  youtube: (u) => {
    if (/(^|\.)youtube\.com$/.test(u.hostname)) u.hostname = 'www.youtube-nocookie.com';
  },
  vimeo: (u) => u.searchParams.set('dnt', '1'),
};

const cssFile = new URL(__EMB_CSS__, document.currentScript.src).href;
// "Allow Marketing cookies" reads "Allow marketing cookies" (but "Allow YouTube videos").
const lowerFirst = (s) => (/^\S[^\s\p{Lu}]*(\s|$)/u.test(s) ? s.charAt(0).toLowerCase() + s.slice(1) : s);
let serial = 0;

/** Only http(s) sources are ever put into an iframe (never javascript: or data:). */
function source(text) {
  try {
    const u = new URL(text, location.href);
    return /^https?:$/.test(u.protocol) ? u : null;
  } catch {
    return null;
  }
}

/**
 * From the widget: its configuration, the page's language, granted(key), allow(key) (records
 * the category as granted, keeping the rest of the choice) and the service's origin.
 */
function start(config, lang, granted, allow, api) {
  const t = TEXT[lang] || TEXT.en;
  const notice = `${new URL(config.links.notice, api).href}?lang=${lang}`;
  const gpc = navigator.globalPrivacyControl === true;
  const embeds = [];
  if (!document.querySelector('link[data-lupa-embeds-css]')) {
    const link = h('link', { rel: 'stylesheet', href: cssFile, integrity: __EMB_CSS_SRI__, crossorigin: 'anonymous', 'data-lupa-embeds-css': true });
    const nonce = document.querySelector('script[data-site]');
    if (nonce && nonce.nonce) link.nonce = nonce.nonce;
    document.head.append(link);
  }

  function placeholder(e) {
    const cat = config.notice.categories.find((c) => c.key === e.cat);
    const vendor = cat && (cat.vendors || []).find((v) => v.id === e.vendor);
    const name = vendor ? vendor.name : NAMES[e.vendor] || e.vendor || e.url.hostname;
    const cookies = vendor && vendor.cookies.map((c) => c.name);
    const id = `lupa-e${++serial}`;
    const marketingRefused = gpc && cat && (cat.type || cat.key) === 'marketing';
    const button = (cls, label, run) => {
      const b = h('button', { type: 'button', class: `lupa-b ${cls}`, 'aria-describedby': id }, label);
      b.addEventListener('click', run);
      return b;
    };
    return h(
      'div',
      { class: 'lupa lupa-ph', role: 'group', 'aria-labelledby': id, lang, 'data-lupa-placeholder': e.vendor || '' },
      h('p', { id, class: 'lupa-ph-t' }, e.frame.title || name),
      h('p', null, t.held),
      h(
        'dl',
        null,
        h('div', null, h('dt', null, `${t.vendor}:`), h('dd', null, name)),
        cookies && cookies.length
          ? h('div', null, h('dt', null, `${t.cookies}:`), h('dd', null, cookies.join(', ')))
          : null,
      ),
      !cookies && h('p', null, t.unlisted),
      marketingRefused && h('p', { class: 'lupa-gpc' }, t.gpc),
      h(
        'div',
        { class: 'lupa-btns' },
        button('lupa-p', t.once, () => show(e, 'once', true)),
        cat && !cat.required && !marketingRefused &&
          button('lupa-s', `${t.allow} ${lowerFirst(loc(cat.title, lang))}`, () => {
            allow(e.cat);
            if (e.state === 'granted') e.frame.focus();
          }),
      ),
      h('p', { class: 'lupa-links' }, h('a', { href: notice, target: '_blank', rel: 'noopener' }, t.notice)),
    );
  }

  /** Loads the iframe: its own source when granted, the privacy-enhanced one for "once". */
  function show(e, state, focus) {
    const url = new URL(e.url);
    if (state === 'once' && ENHANCED[e.vendor]) ENHANCED[e.vendor](url);
    if (e.ph) e.ph.remove();
    e.frame.classList.remove('lupa-off');
    e.frame.src = url.href;
    e.frame.dataset.lupaState = e.state = state;
    if (focus) e.frame.focus();
  }

  /** Puts the placeholder (back): a fresh, empty iframe replaces one that had loaded, so the
   * vendor's document is gone, not hidden; one never loaded is kept as it is (page scripts may
   * hold it). */
  function hold(e) {
    if (e.frame.hasAttribute('src')) {
      const fresh = e.frame.cloneNode(false);
      fresh.removeAttribute('src');
      e.frame.replaceWith(fresh);
      e.frame = fresh;
    }
    e.frame.classList.add('lupa-off');
    e.frame.dataset.lupaState = e.state = 'held';
    e.frame.before(e.ph);
  }

  function adopt(frame) {
    if (frame.dataset.lupaState) return;
    const url = source(frame.dataset.lupaSrc);
    frame.dataset.lupaState = 'held';
    if (!url) return;
    const e = { frame, url, cat: frame.dataset.category || 'marketing', vendor: frame.dataset.vendor, state: null };
    embeds.push(e);
    if (granted(e.cat)) show(e, 'granted');
    else {
      e.ph = placeholder(e);
      hold(e);
    }
  }

  /** After a change of choice: a granted category loads, a refused one is held again. */
  function sync() {
    for (const e of embeds) {
      if (granted(e.cat)) {
        if (e.state === 'held') show(e, 'granted');
      } else if (e.state === 'granted') {
        e.ph ||= placeholder(e);
        hold(e);
      }
    }
  }

  for (const f of document.querySelectorAll('iframe[data-lupa-src]')) adopt(f);
  window.Lupa.onChange(sync);
  // Embeds added to the page later are held too.
  new MutationObserver(() => {
    for (const f of document.querySelectorAll('iframe[data-lupa-src]:not([data-lupa-state])')) adopt(f);
  }).observe(document.body, { childList: true, subtree: true });
}

window.__lupaEmbeds = start;
