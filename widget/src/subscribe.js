// Lupa.subscribe(form): an ordinary newsletter or contact form posts to the service's signup
// endpoint, which starts the double opt-in (a confirmation mail; nothing is granted until the
// link in it is confirmed). The visitor id from the banner goes with it, so the marketing
// permission is linked to the visitor's cookie choices.
//
// <form data-lupa-subscribe data-purposes="newsletter" data-channels="email">
//   <input type="email" name="email" required> <button>Subscribe</button>
//   <p data-lupa-status role="status"></p>
// </form>
// Purposes and channels: checked inputs named "purpose" / "channel", else the data-purposes /
// data-channels attributes (space- or comma-separated; channels default to email). An input
// named "phone" is sent too. The form gets data-lupa-state="sending|sent|error" and a
// "lupa:subscribe" event ({ok, status, body}); a [data-lupa-status] element gets a message.

const words = (s) => (s || '').split(/[\s,]+/).filter(Boolean);

/** ctx(): {url, noticeVersion, visitorId, lang, t} once the configuration is known, else null. */
export function makeSubscribe(ctx) {
  async function send(form) {
    const c = ctx();
    const data = new FormData(form);
    const pick = (name, attr, fallback) => {
      const checked = data.getAll(name).filter(Boolean);
      return checked.length ? checked : words(form.dataset[attr] || fallback);
    };
    const say = (state, text) => {
      form.dataset.lupaState = state;
      const status = form.querySelector('[data-lupa-status]');
      if (status) status.textContent = text || '';
    };
    if (!c) {
      say('error', '');
      return { ok: false, status: 0, body: null };
    }
    const body = {
      email: (data.get('email') || '').trim(),
      purposes: pick('purpose', 'purposes', ''),
      channels: pick('channel', 'channels', 'email'),
      notice_version: c.noticeVersion,
      language: c.lang,
    };
    const phone = (data.get('phone') || '').trim();
    if (phone) body.phone = phone;
    if (c.visitorId) body.visitor_id = c.visitorId;
    say('sending', '');
    let result;
    try {
      const r = await fetch(c.url, {
        method: 'POST',
        credentials: 'omit',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      result = { ok: r.ok, status: r.status, body: await r.json().catch(() => null) };
    } catch {
      result = { ok: false, status: 0, body: null };
    }
    say(result.ok ? 'sent' : 'error', result.ok ? c.t.subscribed : c.t.subscribeFailed);
    form.dispatchEvent(new CustomEvent('lupa:subscribe', { detail: result, bubbles: true }));
    return result;
  }

  /** Wires the form (once); returns a function that sends it now and resolves to the result. */
  return function subscribe(form) {
    if (!form.__lupa) {
      form.__lupa = () => send(form);
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        form.__lupa();
      });
    }
    return form.__lupa;
  };
}
