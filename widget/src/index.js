// Lupa consent widget. Embed: <script src="https://HOST/widget.js" data-site="SLUG" defer></script>
// Optional attributes: data-lang="fi|sv|en", data-reopen (floating settings button),
// data-api="https://HOST" (service origin when the file is served from elsewhere),
// data-cookie-domain=".example.com" (share the choice across subdomains).
import { consentDefault, consentUpdate } from './gcm.js';
import { removeCookies, runGranted, watch } from './blocker.js';
import { STRINGS, pickLanguage } from './i18n.js';
import { COOKIE, loadState, makeOutbox, newVisitorId, readCookie, saveState } from './store.js';
import { buildBanner, buildDialog, h, trapFocus } from './ui.js';

/* global __CSS_FILE__, __CSS_SRI__, __SUB_FILE__, __SUB_SRI__, __EMB_FILE__, __EMB_SRI__ */
const script = document.currentScript || document.querySelector('script[data-site]');
const opts = script.dataset;
const slug = opts.site;
const api = opts.api || new URL(script.src, location.href).origin;
const cacheKey = `lupa_cfg:${slug}`;
const siteApi = `${api}/api/v1/sites/${encodeURIComponent(slug)}`;
const gpc = navigator.globalPrivacyControl === true;

let config = null;
let state = null; // stored decision for the current categories, or null (undecided)
let visitorId = null;
let root, banner, dialog, fab, opener, uiCtx;
const listeners = [];

// Consent Mode default must precede every tag, so it runs as soon as this file does.
consentDefault();
const cssReady = loadCss();
// Always revalidated (ETag, usually a 304): a notice that changed its categories must make the
// very next page view ask again, whatever max-age the service or a CDN allows.
const configReady = fetch(`${siteApi}/config`, {
  credentials: 'omit',
  cache: 'no-cache',
})
  .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
  .then((c) => {
    try {
      localStorage.setItem(cacheKey, JSON.stringify(c));
    } catch {}
    return c;
  })
  .catch(() => {
    // Service unreachable: the last configuration seen lets the visitor decide anyway.
    try {
      return JSON.parse(localStorage.getItem(cacheKey));
    } catch {
      return null;
    }
  });

// Without the page's cookie (first visit, or Safari's 7-day cap on script cookies), ask the
// service for the choice its own HTTP cookie names; in parallel with the config.
const restoreReady = readCookie(COOKIE)
  ? null
  : fetch(`${siteApi}/consents/current`, { credentials: 'include', cache: 'no-store' })
      .then((r) => (r.ok ? r.json() : null))
      .catch(() => null);

const domReady = new Promise((ok) =>
  document.readyState === 'loading' ? document.addEventListener('DOMContentLoaded', ok) : ok(),
);
// Newsletter forms are taken over as soon as they exist, not once the banner is up: a visitor
// quick to press Enter must not post the form away from the page.
domReady.then(() => {
  for (const form of document.querySelectorAll('form[data-lupa-subscribe]')) subscribe(form);
});

function loadCss() {
  if (document.querySelector('link[data-lupa-css]')) return Promise.resolve();
  const link = h('link', {
    rel: 'stylesheet',
    href: new URL(__CSS_FILE__, script.src).href,
    integrity: __CSS_SRI__,
    crossorigin: 'anonymous',
    'data-lupa-css': true,
  });
  if (script.nonce) link.nonce = script.nonce;
  const ready = new Promise((ok) => {
    link.onload = link.onerror = ok;
  });
  document.head.append(link);
  return ready;
}

const categories = () => config.notice.categories;
const hashKey = () => config.notice.categories_hash.slice(0, 16);
// A category's purpose type (necessary, preferences, analytics, marketing) drives Consent Mode
// and GPC, never its key: a category "statistics" of type analytics is analytics.
const typeOf = (cat) => cat.type || cat.key;
const gpcRefuses = (cat) => gpc && typeOf(cat) === 'marketing';
const hasMarketing = () => categories().some((c) => typeOf(c) === 'marketing');
const isGranted = (key) => {
  const cat = categories().find((c) => c.key === key);
  if (!cat) return key === 'necessary';
  return cat.required || (!!state && state.c.includes(key) && !gpcRefuses(cat));
};
const typeGranted = (type) => categories().some((c) => typeOf(c) === type && isGranted(c.key));

function getConsent() {
  if (!config) return null;
  const cats = {};
  for (const c of categories()) cats[c.key] = isGranted(c.key);
  return {
    decided: !!state && state.d,
    method: state ? state.m : null,
    visitorId: state ? state.v : null,
    noticeVersion: config.notice.version,
    categories: cats,
  };
}

/** Puts the current choice into effect: Consent Mode, blocked scripts, refused cookies. */
function apply() {
  consentUpdate(typeGranted);
  runGranted(isGranted);
  removeCookies(
    categories()
      .filter((c) => !isGranted(c.key))
      .flatMap((c) => (c.cookies || []).map((k) => k.name)),
  );
}

let outbox;
function record(method, granted, auto) {
  const hadGrant = !!state && categories().some((c) => !c.required && state.c.includes(c.key));
  if (method === 'reject_all' && hadGrant) method = 'withdraw';
  // When GPC overrides a grant of marketing, the record says so (and "accept all" would be untrue).
  if (categories().some((c) => gpcRefuses(c) && granted.includes(c.key))) method = 'gpc';
  const keys = categories()
    .filter((c) => c.required || (granted.includes(c.key) && !gpcRefuses(c)))
    .map((c) => c.key);
  visitorId = visitorId || newVisitorId();
  // d: the visitor answered (an automatic GPC refusal alone still leaves the banner up).
  state = { v: visitorId, n: config.notice.version, h: hashKey(), m: method, c: keys, d: auto ? !!state && state.d : true };
  saveState(state, opts.cookieDomain);
  apply();
  const choices = {};
  for (const c of categories()) choices[c.key] = keys.includes(c.key);
  outbox.push(new URL(config.links.consents, api).href, {
    visitor_id: state.v,
    notice_version: state.n,
    choices,
    method,
  });
  const detail = getConsent();
  for (const fn of listeners) {
    try {
      fn(detail);
    } catch (e) {
      console.error(e);
    }
  }
  emit('change', detail);
}

const emit = (name, detail) => document.dispatchEvent(new CustomEvent(`lupa:${name}`, { detail }));

function act(action) {
  const all = categories().map((c) => c.key);
  if (action === 'settings') return show();
  if (action === 'close') return dialog && dialog.close();
  if (action === 'accept') record('accept_all', all);
  else if (action === 'reject') record('reject_all', []);
  else if (action === 'save') {
    const on = [...ensureDialog().querySelectorAll('input:checked')].map((i) => i.name);
    record('custom', on);
  }
  banner.hidden = true;
  if (dialog && dialog.open) dialog.close();
  syncFab();
  emit('hide');
}

function syncFab() {
  if (fab) fab.hidden = !banner.hidden || (!!dialog && dialog.open);
}

const language = (c = config) => pickLanguage(opts.lang, document.documentElement.lang, c.site);

/** A script of the widget's own build, beside this one, pinned by its SRI hash. */
const load = (file, sri) =>
  new Promise((ok, fail) => {
    const s = h('script', { src: new URL(file, script.src).href, integrity: sri, crossorigin: 'anonymous' });
    if (script.nonce) s.nonce = script.nonce;
    s.onload = ok;
    s.onerror = fail;
    document.head.append(s);
  });

// Lupa.subscribe(form): wired here, sent by subscribe.js, which is fetched on first use.
let sender;
const loadSender = () =>
  (sender ||= load(__SUB_FILE__, __SUB_SRI__).then(
    () => window.__lupaSend,
    (e) => {
      sender = null;
      throw e;
    },
  ));
function subscribe(form) {
  const go = () =>
    configReady.then((c) =>
      loadSender().then((send) =>
        send(form, c && { url: new URL(c.links.signups, api).href, noticeVersion: c.notice.version, visitorId: (state && state.v) || visitorId, lang: language(c) }),
      ),
    );
  if (!form.__lupa) {
    form.__lupa = go;
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      go().catch(() => (form.dataset.lupaState = 'error'));
    });
  }
  return go;
}

function render() {
  const lang = language();
  const t = STRINGS[lang];
  const noticeUrl = `${new URL(config.links.notice, api).href}?lang=${lang}`;
  const ctx = { t, lang, notice: config.notice, noticeUrl, gpc: gpc && hasMarketing() };
  banner = buildBanner(ctx);
  uiCtx = ctx;
  root = h('div', { class: 'lupa', id: 'lupa' }, banner);
  if ('reopen' in opts) {
    fab = h('button', { type: 'button', class: 'lupa-b lupa-fab', 'data-lupa-action': 'settings', lang, hidden: true }, t.title);
    root.append(fab);
  }
  root.addEventListener('click', (e) => {
    const b = e.target.closest('[data-lupa-action]');
    if (b) act(b.dataset.lupaAction);
  });
  document.body.prepend(root);
}

/** The settings dialog, built on first use: the banner shows sooner without it. */
function ensureDialog() {
  if (!dialog) {
    dialog = buildDialog(uiCtx);
    trapFocus(dialog);
    dialog.addEventListener('close', () => {
      syncFab();
      if (opener && opener.isConnected && opener.offsetParent !== null) opener.focus();
      else if (fab && !fab.hidden) fab.focus();
      opener = null;
    });
    banner.after(dialog);
  }
  return dialog;
}

/** Opens the settings dialog with the current choice (nothing pre-ticked when undecided). */
function show() {
  if (!root) return;
  ensureDialog();
  for (const input of dialog.querySelectorAll('input')) input.checked = isGranted(input.name);
  if (!dialog.open) {
    opener = document.activeElement;
    dialog.showModal();
    syncFab();
    emit('show', { dialog: true });
  }
}

async function start() {
  config = await configReady;
  if (!config) return;
  outbox = makeOutbox(`lupa_queue:${slug}`, (res) => {
    // The service may assign the visitor id; keep the one it stored.
    if (res && state && res.visitor_id && res.visitor_id !== state.v) {
      state.v = visitorId = res.visitor_id;
      saveState(state, opts.cookieDomain);
    }
  });
  let saved = loadState();
  const restored = !saved && (await restoreReady);
  // Only a choice about the current version is restored (its categories are the ones shown).
  if (restored && restored.notice_version === config.notice.version) {
    const c = Object.keys(restored.choices).filter((k) => restored.choices[k]);
    saved = { v: restored.visitor_id, n: restored.notice_version, h: hashKey(), m: restored.method, c, d: true };
    saveState(saved, opts.cookieDomain);
  }
  visitorId = saved && saved.v;
  // A stored choice counts only for the categories it was given for; otherwise ask again.
  state = saved && saved.h === hashKey() ? saved : null;
  const undecided = !state || !state.d;
  await domReady;
  if (state) apply();
  else consentUpdate(typeGranted);
  watch(isGranted);
  // Iframes that wait for consent (data-lupa-src): their code is fetched only on such a page.
  if (document.querySelector('iframe[data-lupa-src]')) {
    // Granting from a placeholder keeps the rest of the choice (and an open banner open).
    load(__EMB_FILE__, __EMB_SRI__).then(() =>
      window.__lupaEmbeds(config, language(), isGranted, (key) => record('custom', [...(state ? state.c : []), key], 1), api),
    );
  }
  const marketingKeys = categories().filter(gpcRefuses).map((c) => c.key);
  if (marketingKeys.length && (!state || marketingKeys.some((k) => state.c.includes(k)))) {
    // GPC is a refusal given without asking: record it as such, keeping any other choice.
    record('gpc', state ? state.c : [], true);
  }
  outbox.flush();
  // Necessary cookies only: nothing to ask, so no banner (the configuration says so).
  if (config.notice.consent_required === false) {
    emit('ready', getConsent());
    return;
  }
  await cssReady;
  render();
  document.addEventListener('click', (e) => {
    if (e.target.closest('[data-lupa-open]')) {
      e.preventDefault();
      show();
    }
  });
  if (undecided) {
    banner.hidden = false;
    emit('show', { dialog: false });
  } else syncFab();
  emit('ready', getConsent());
}

window.Lupa = {
  show,
  getConsent,
  onChange(fn) {
    listeners.push(fn);
    return () => listeners.splice(listeners.indexOf(fn) >>> 0, 1);
  },
  withdraw: () => config && act('reject'),
  subscribe,
};

start();
