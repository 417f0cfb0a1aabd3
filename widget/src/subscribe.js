// Lupa.subscribe(form), loaded only when a page uses it (the banner's first load stays small):
// an ordinary newsletter or contact form posts to the service's signup endpoint, which starts
// the double opt-in (a confirmation mail; nothing is granted until its link is confirmed). The
// visitor id from the banner goes with it, linking the permission to the cookie choices.
//
// <form data-lupa-subscribe data-purposes="newsletter" data-channels="email">
//   <input type="email" name="email" required> <button>Subscribe</button>
//   <p data-lupa-status role="status"></p>
// </form>
// Purposes and channels: checked inputs named "purpose" / "channel", else the data-purposes /
// data-channels attributes (space- or comma-separated; channels default to email). An input
// named "phone" is sent too. The form gets data-lupa-state="sending|sent|error" and a
// "lupa:subscribe" event ({ok, status, body}); a [data-lupa-status] element gets a message.

const TEXT = {
  fi: ['Kiitos! Vahvista tilaus sähköpostiisi tulleesta linkistä.', 'Tilaus ei onnistunut. Tarkista tiedot ja yritä uudelleen.'],
  sv: ['Tack! Bekräfta prenumerationen med länken i din e-post.', 'Prenumerationen misslyckades. Kontrollera uppgifterna och försök igen.'],
  en: ['Thank you! Confirm your subscription with the link in your email.', 'The subscription failed. Check your details and try again.'],
};

const words = (s) => (s || '').split(/[\s,]+/).filter(Boolean);

/** c: {url, noticeVersion, visitorId, lang} from the widget (null without a configuration). */
async function send(form, c) {
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
  const [sent, failed] = TEXT[c && c.lang] || TEXT.en;
  let result = { ok: false, status: 0, body: null };
  if (c) {
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
    try {
      const r = await fetch(c.url, {
        method: 'POST',
        credentials: 'omit',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      result = { ok: r.ok, status: r.status, body: await r.json().catch(() => null) };
    } catch {}
  }
  say(result.ok ? 'sent' : 'error', result.ok ? sent : failed);
  form.dispatchEvent(new CustomEvent('lupa:subscribe', { detail: result, bubbles: true }));
  return result;
}

window.__lupaSend = send;
