// The banner (first layer), the settings dialog and the reopen button. No inline styles:
// everything is classes from widget.css, and visibility is the `hidden` attribute.
import { loc } from './i18n.js';

export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const k in attrs || {}) {
    const v = attrs[k];
    if (v !== false && v != null) el.setAttribute(k, v === true ? '' : v);
  }
  el.append(...kids.flat().filter((x) => x != null && x !== false));
  return el;
}

/** Plain notice text to DOM: blank lines separate paragraphs, "- " lines are list items. */
function prose(text) {
  return text
    .split(/\n\s*\n/)
    .filter((b) => b.trim())
    .map((block) => {
      const lines = block.split('\n');
      return lines.every((l) => l.startsWith('- '))
        ? h('ul', null, lines.map((l) => h('li', null, l.slice(2))))
        : h('p', null, block);
    });
}

const button = (cls, label, action, extra) =>
  h('button', { type: 'button', class: `lupa-b ${cls}`, 'data-lupa-action': action, ...extra }, label);

/** The three first-layer/dialog buttons; Accept and Reject share one style on purpose. */
const choiceButtons = (t, third) =>
  h(
    'div',
    { class: 'lupa-btns' },
    button('lupa-p', t.accept, 'accept'),
    button('lupa-p', t.reject, 'reject'),
    third,
  );

export function buildBanner({ t, lang, notice, noticeUrl, gpc }) {
  return h(
    'section',
    { class: 'lupa-banner', 'data-lupa-banner': true, 'aria-labelledby': 'lupa-bt', lang, hidden: true },
    h(
      'div',
      { class: 'lupa-in' },
      h('h2', { id: 'lupa-bt', class: 'lupa-h' }, loc(notice.banner && notice.banner.title, lang) || t.title),
      h('div', { class: 'lupa-txt' }, prose(loc(notice.banner && notice.banner.text, lang))),
      gpc && h('p', { class: 'lupa-gpc', 'data-lupa-gpc': true }, t.gpc),
      h('p', { class: 'lupa-links' }, h('a', { href: noticeUrl, target: '_blank', rel: 'noopener' }, t.notice)),
      choiceButtons(t, button('lupa-s', t.settings, 'settings')),
    ),
  );
}

function categoryRow(cat, { t, lang, gpc }) {
  const id = `lupa-c-${cat.key}`;
  const locked = cat.required || (gpc && (cat.type || cat.key) === 'marketing');
  const cookies = cat.cookies || [];
  return h(
    'li',
    { class: 'lupa-cat' },
    h(
      'div',
      { class: 'lupa-row' },
      h('label', { for: id, class: 'lupa-ct' }, loc(cat.title, lang)),
      h('input', {
        type: 'checkbox',
        role: 'switch',
        id,
        class: 'lupa-sw',
        name: cat.key,
        checked: !!cat.required,
        disabled: locked,
        'aria-describedby': `lupa-d-${cat.key}` + (cat.required ? ' lupa-always' : ''),
      }),
    ),
    cat.required && h('p', { id: 'lupa-always', class: 'lupa-note' }, t.always),
    gpc && (cat.type || cat.key) === 'marketing' && h('p', { class: 'lupa-note lupa-gpc' }, t.gpc),
    h('div', { id: `lupa-d-${cat.key}`, class: 'lupa-txt' }, prose(loc(cat.description, lang))),
    cookies.length > 0 &&
      h(
        'details',
        null,
        h('summary', null, `${t.cookies} (${cookies.length})`),
        h(
          'ul',
          { class: 'lupa-ck' },
          cookies.map((c) =>
            h(
              'li',
              null,
              h('code', null, c.name),
              ` · ${[c.vendor, loc(c.duration, lang), loc(c.purpose, lang)].filter(Boolean).join(' · ')}`,
            ),
          ),
        ),
      ),
  );
}

export function buildDialog(ctx) {
  const { t, lang, notice, noticeUrl } = ctx;
  return h(
    'dialog',
    { class: 'lupa-dlg', 'aria-labelledby': 'lupa-dt', 'aria-modal': 'true', lang },
    h(
      'div',
      { class: 'lupa-dh' },
      h('h2', { id: 'lupa-dt', class: 'lupa-h' }, t.title),
      button('lupa-x', '×', 'close', { 'aria-label': t.close }),
    ),
    h('p', null, t.intro),
    h('ul', { class: 'lupa-cats' }, notice.categories.map((c) => categoryRow(c, ctx))),
    h('p', { class: 'lupa-links' }, h('a', { href: noticeUrl, target: '_blank', rel: 'noopener' }, t.notice)),
    choiceButtons(t, button('lupa-s', t.save, 'save')),
  );
}

/** Keeps Tab and Shift+Tab inside the open dialog. */
export function trapFocus(dlg) {
  dlg.addEventListener('keydown', (e) => {
    if (e.key !== 'Tab') return;
    const items = [...dlg.querySelectorAll('button,a[href],input:not([disabled]),summary')].filter(
      (el) => el.offsetParent !== null,
    );
    const first = items[0];
    const last = items[items.length - 1];
    if (e.shiftKey && document.activeElement === first) {
      last.focus();
      e.preventDefault();
    } else if (!e.shiftKey && document.activeElement === last) {
      first.focus();
      e.preventDefault();
    }
  });
}
