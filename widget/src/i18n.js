// UI strings of the widget itself; the banner and category texts come from the site's notice.
export const STRINGS = {
  fi: {
    accept: 'Hyväksy kaikki',
    reject: 'Hylkää kaikki',
    settings: 'Asetukset',
    save: 'Tallenna valinnat',
    title: 'Evästeasetukset',
    intro: 'Valitse, mitä evästeitä sallit. Voit muuttaa valintaasi milloin tahansa.',
    close: 'Sulje',
    notice: 'Tietosuojaseloste',
    always: 'Aina käytössä',
    cookies: 'Evästeet',
    gpc: 'Selaimesi lähettää Global Privacy Control -signaalin, joten markkinointievästeet on hylätty.',
  },
  sv: {
    accept: 'Godkänn alla',
    reject: 'Avvisa alla',
    settings: 'Inställningar',
    save: 'Spara val',
    title: 'Cookieinställningar',
    intro: 'Välj vilka kakor du tillåter. Du kan ändra ditt val när som helst.',
    close: 'Stäng',
    notice: 'Dataskyddsbeskrivning',
    always: 'Alltid på',
    cookies: 'Kakor',
    gpc: 'Din webbläsare skickar en Global Privacy Control-signal, så kakor för marknadsföring har avvisats.',
  },
  en: {
    accept: 'Accept all',
    reject: 'Reject all',
    settings: 'Settings',
    save: 'Save choices',
    title: 'Cookie settings',
    intro: 'Choose which cookies you allow. You can change your choice at any time.',
    close: 'Close',
    notice: 'Privacy notice',
    always: 'Always on',
    cookies: 'Cookies',
    gpc: 'Your browser sends a Global Privacy Control signal, so marketing cookies are refused.',
  },
};

/** Pick fi/sv/en: explicit override, then the page's lang, then the site's default. */
export function pickLanguage(override, pageLang, site) {
  const offered = (site && site.languages) || ['fi', 'sv', 'en'];
  for (const cand of [override, pageLang]) {
    const code = (cand || '').slice(0, 2).toLowerCase();
    if (STRINGS[code] && offered.includes(code)) return code;
  }
  const def = site && site.default_language;
  return STRINGS[def] ? def : 'en';
}

/** A localized text {fi, sv, en} in the chosen language, falling back to any present. */
export const loc = (text, lang) =>
  text == null ? '' : typeof text === 'string' ? text : text[lang] || text.en || text.fi || '';
