// The visitor's choice in a first-party cookie, and the queue of writes not yet delivered.
export const COOKIE = 'lupa_consent';
const MONTHS_13 = 34214400; // seconds; the longest consent lifetime regulators accept

export function readCookie(name) {
  for (const part of document.cookie.split('; ')) {
    const i = part.indexOf('=');
    if (part.slice(0, i) === name) return part.slice(i + 1);
  }
  return null;
}

export function writeCookie(name, value, maxAge, domain) {
  document.cookie =
    `${name}=${value}; Max-Age=${maxAge}; Path=/; SameSite=Lax` +
    (domain ? `; Domain=${domain}` : '') +
    (location.protocol === 'https:' ? '; Secure' : '');
}

/** Stored: {v: visitor id, n: notice version, h: categories hash prefix, m: method, c: granted, d: decided}. */
export function loadState() {
  const raw = readCookie(COOKIE);
  if (!raw) return null;
  const p = new URLSearchParams(raw);
  if (!p.get('v') || !p.get('h')) return null;
  return {
    v: p.get('v'),
    n: +p.get('n'),
    h: p.get('h'),
    m: p.get('m'),
    c: (p.get('c') || '').split(',').filter(Boolean),
    d: p.get('d') === '1',
  };
}

export function saveState(s, domain) {
  const q = new URLSearchParams({ v: s.v, n: s.n, h: s.h, m: s.m, c: s.c.join(','), d: s.d ? 1 : 0 });
  writeCookie(COOKIE, q.toString(), MONTHS_13, domain);
}

export function newVisitorId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 15) | 64;
  b[8] = (b[8] & 63) | 128;
  const x = [...b].map((n) => n.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

// Fallback when localStorage is unavailable: the queue then lives as long as the page.
let memory = [];

function readQueue(key) {
  try {
    return JSON.parse(localStorage.getItem(key)) || [];
  } catch {
    return memory;
  }
}

function writeQueue(key, items) {
  memory = items;
  try {
    if (items.length) localStorage.setItem(key, JSON.stringify(items));
    else localStorage.removeItem(key);
  } catch {
    // storage disabled: the in-memory copy above is used instead
  }
}

/**
 * Delivers queued writes in order. A network error or 5xx/408/429 keeps the rest queued for the
 * next attempt; any other 4xx means the service will never accept it, so it is dropped.
 */
export function makeOutbox(key, onDelivered) {
  let busy = false;
  let timer = 0;
  let delay = 2000;
  const flush = async () => {
    if (busy) return;
    busy = true;
    clearTimeout(timer);
    try {
      for (let items = readQueue(key); items.length; items = readQueue(key)) {
        const item = items[0];
        let res;
        try {
          res = await fetch(item.url, {
            method: 'POST',
            credentials: 'include', // the service keeps the visitor id in its own cookie too
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(item.body),
            keepalive: true,
          });
        } catch {
          res = null;
        }
        if (!res || res.status >= 500 || res.status === 408 || res.status === 429) {
          timer = setTimeout(flush, delay);
          delay = Math.min(delay * 2, 60000);
          return;
        }
        delay = 2000;
        // Remove by identity: another tab may have changed the queue meanwhile.
        writeQueue(key, readQueue(key).filter((x) => x.id !== item.id));
        if (res.ok) onDelivered(await res.json().catch(() => null));
        else console.warn('[lupa] choice refused', res.status);
      }
    } finally {
      busy = false;
    }
  };
  addEventListener('online', flush);
  return {
    push(url, body) {
      const items = readQueue(key);
      items.push({ id: `${Date.now()}-${items.length}-${Math.random()}`, url, body });
      writeQueue(key, items);
      return flush();
    },
    flush,
    pending: () => readQueue(key).length,
  };
}
