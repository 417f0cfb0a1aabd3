// Keeps <script type="text/plain" data-category="..."> inert until its category is granted,
// and removes the cookies of refused categories.
const SELECTOR = 'script[type="text/plain"][data-category]';

function activate(old) {
  const s = document.createElement('script');
  for (const { name, value } of old.attributes) {
    if (name !== 'type' && name !== 'data-type') s.setAttribute(name, value);
  }
  if (old.dataset.type) s.type = old.dataset.type;
  // Browsers hide the nonce attribute once CSP is applied; the property keeps it.
  if (old.nonce) s.nonce = old.nonce;
  s.async = old.hasAttribute('async'); // preserve document order unless the page asked otherwise
  s.text = old.text;
  s.setAttribute('data-lupa', 'ran');
  old.replaceWith(s);
}

/** Activates every blocked script whose category is granted. */
export function runGranted(granted, root = document) {
  for (const el of root.querySelectorAll ? root.querySelectorAll(SELECTOR) : []) {
    if (granted(el.dataset.category)) activate(el);
  }
}

/** Handles blocked scripts that the page adds later. */
export function watch(granted) {
  new MutationObserver((records) => {
    for (const r of records) {
      for (const node of r.addedNodes) {
        if (node.nodeType !== 1) continue;
        if (node.matches(SELECTOR)) {
          if (granted(node.dataset.category)) activate(node);
        } else runGranted(granted, node);
      }
    }
  }).observe(document.documentElement, { childList: true, subtree: true });
}

/** Deletes cookies named in a refused category (a trailing * matches a prefix, e.g. _ga_*). */
export function removeCookies(patterns) {
  if (!patterns.length) return;
  const names = document.cookie.split('; ').map((c) => c.slice(0, c.indexOf('=')));
  const host = location.hostname.split('.');
  const domains = [''];
  for (let i = 0; i < host.length - 1; i++) domains.push(`; Domain=.${host.slice(i).join('.')}`);
  for (const name of names) {
    const hit = patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
    if (!hit) continue;
    for (const d of domains) {
      document.cookie = `${name}=; Max-Age=0; Path=/${d}`;
    }
  }
}
