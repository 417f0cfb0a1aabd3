"""The console's words in fi, sv and en: one row per label, (en, fi, sv). `{name}` fields are
filled by `t(key, name=...)` in the templates."""

from __future__ import annotations

from typing import Any

LANGS = ("en", "fi", "sv")

LABELS: dict[str, tuple[str, str, str]] = {
    "console": ("Console", "Hallintapaneeli", "Konsol"),
    "language": ("Language", "Kieli", "Språk"),
    "sites": ("Sites", "Sivustot", "Webbplatser"),
    "switch_site": ("Signed-in sites", "Kirjautuneet sivustot", "Inloggade webbplatser"),
    "add_site": ("Sign in to another site", "Kirjaudu toiselle sivustolle",
                 "Logga in på en annan webbplats"),
    "sign_in": ("Sign in", "Kirjaudu", "Logga in"),
    "sign_out": ("Sign out", "Kirjaudu ulos", "Logga ut"),
    "sign_in_title": ("Sign in to the console of {name}", "Kirjaudu sivuston {name} hallintaan",
                      "Logga in i konsolen för {name}"),
    "sign_in_help": ("Use an admin API key of this site.",
                     "Käytä tämän sivuston ylläpitäjän (admin) API-avainta.",
                     "Använd en administratörsnyckel (admin) för den här webbplatsen."),
    "admin_key": ("Admin key", "Ylläpitäjän avain", "Administratörsnyckel"),
    "bad_key": ("That is not an admin key of this site.",
                "Tämä ei ole tämän sivuston ylläpitäjän avain.",
                "Det är inte en administratörsnyckel för den här webbplatsen."),
    "expired": ("The form expired; please try again.", "Lomake vanheni; yritä uudelleen.",
                "Formuläret har gått ut; försök igen."),
    "settings": ("Settings", "Asetukset", "Inställningar"),
    "keys": ("Keys", "Avaimet", "Nycklar"),
    "requests": ("Requests", "Pyynnöt", "Begäranden"),
    "name": ("Name", "Nimi", "Namn"),
    "save": ("Save", "Tallenna", "Spara"),
    "saved": ("Saved.", "Tallennettu.", "Sparat."),
    "no_change": ("Nothing changed.", "Mikään ei muuttunut.", "Inget ändrades."),
    "languages": ("Languages (the first is the default)", "Kielet (ensimmäinen on oletus)",
                  "Språk (det första är standard)"),
    "lang_order": ("Order", "Järjestys", "Ordning"),
    "not_used": ("not used", "ei käytössä", "används inte"),
    "origins": ("Allowed origins", "Sallitut alkuperät (origin)", "Tillåtna ursprung (origin)"),
    "origins_help": ("Pages at these origins may load the banner and record choices.",
                     "Näiden alkuperien sivut voivat ladata bannerin ja tallentaa valintoja.",
                     "Sidor på dessa ursprung får ladda bannern och spara val."),
    "no_origins": ("No origins: the banner appears nowhere yet.",
                   "Ei alkuperiä: banneri ei vielä näy missään.",
                   "Inga ursprung: bannern visas ännu ingenstans."),
    "origin": ("Origin", "Alkuperä", "Ursprung"),
    "add": ("Add", "Lisää", "Lägg till"),
    "remove": ("Remove", "Poista", "Ta bort"),
    "test": ("Test", "Testaa", "Testa"),
    "test_origin": ("Test an origin", "Testaa alkuperä", "Testa ett ursprung"),
    "test_help": ("Loads the widget configuration as a page at that origin would and says "
                  "what the browser would be told.",
                  "Lataa widgetin asetukset kuten sivu tuosta alkuperästä ja kertoo, mitä "
                  "selain saisi vastaukseksi.",
                  "Laddar widgetens konfiguration som en sida på det ursprunget skulle göra och "
                  "berättar vad webbläsaren skulle få veta."),
    "test_ok": ("Allowed: a page at {origin} gets the configuration (notice version {version}) "
                "and the banner appears.",
                "Sallittu: sivu osoitteessa {origin} saa asetukset (selosteen versio {version}) "
                "ja banneri näkyy.",
                "Tillåtet: en sida på {origin} får konfigurationen (meddelandets version "
                "{version}) och bannern visas."),
    "test_refused": ("Refused: the configuration answers {origin} without permission for that "
                     "origin, so the browser blocks it and the banner does not appear. Add the "
                     "origin to allow it.",
                     "Estetty: asetukset vastaavat alkuperälle {origin} ilman lupaa, joten selain "
                     "estää ne eikä banneri näy. Lisää alkuperä sallitaksesi sen.",
                     "Nekat: konfigurationen svarar {origin} utan tillstånd för det ursprunget, "
                     "så webbläsaren blockerar den och bannern visas inte. Lägg till ursprunget "
                     "för att tillåta det."),
    "test_no_notice": ("The configuration is not available ({status}): the site has no "
                       "published notice yet, so no banner appears anywhere.",
                       "Asetukset eivät ole saatavilla ({status}): sivustolla ei ole vielä "
                       "julkaistua selostetta, joten banneri ei näy missään.",
                       "Konfigurationen är inte tillgänglig ({status}): webbplatsen har inget "
                       "publicerat meddelande ännu, så bannern visas ingenstans."),
    "test_invalid": ("Not an origin: write scheme://host[:port], for example "
                     "https://www.example.fi.",
                     "Ei alkuperä: kirjoita muodossa scheme://host[:port], esimerkiksi "
                     "https://www.example.fi.",
                     "Inte ett ursprung: skriv scheme://host[:port], till exempel "
                     "https://www.example.fi."),
    "role": ("Role", "Rooli", "Roll"),
    "label": ("Label", "Nimike", "Etikett"),
    "key_id": ("Key", "Avain", "Nyckel"),
    "created": ("Created", "Luotu", "Skapad"),
    "created_by": ("Created by", "Luonut", "Skapad av"),
    "last_used": ("Last used", "Viimeksi käytetty", "Senast använd"),
    "revoked": ("Revoked", "Mitätöity", "Återkallad"),
    "never": ("never", "ei koskaan", "aldrig"),
    "active": ("active", "voimassa", "aktiv"),
    "this_key": ("(this session)", "(tämä istunto)", "(denna session)"),
    "create_key": ("Create a key", "Luo avain", "Skapa en nyckel"),
    "create": ("Create", "Luo", "Skapa"),
    "new_key": ("New {role} key {key_id}. Copy it now: it is not shown again.",
                "Uusi {role}-avain {key_id}. Kopioi se nyt: sitä ei näytetä uudelleen.",
                "Ny {role}-nyckel {key_id}. Kopiera den nu: den visas inte igen."),
    "revoke": ("Revoke", "Mitätöi", "Återkalla"),
    "revoke_confirm": ("Yes, revoke key {key_id}", "Kyllä, mitätöi avain {key_id}",
                       "Ja, återkalla nyckel {key_id}"),
    "revoke_needs_confirm": ("Tick the confirmation to revoke a key.",
                             "Vahvista rastilla ennen avaimen mitätöintiä.",
                             "Kryssa i bekräftelsen för att återkalla en nyckel."),
    "key_revoked": ("Key {key_id} revoked.", "Avain {key_id} mitätöity.",
                    "Nyckel {key_id} återkallad."),
    "role_admin": ("admin", "ylläpitäjä (admin)", "administratör (admin)"),
    "role_sender": ("sender", "lähettäjä (sender)", "avsändare (sender)"),
    "role_auditor": ("auditor", "tarkastaja (auditor)", "granskare (auditor)"),
    "inbox": ("Data-subject requests", "Rekisteröityjen pyynnöt", "Registrerades begäranden"),
    "inbox_help": ("Each request is answered within one month of receipt (GDPR art. 12(3)).",
                   "Jokaiseen pyyntöön vastataan kuukauden kuluessa sen saapumisesta "
                   "(tietosuoja-asetus 12(3) art.).",
                   "Varje begäran besvaras inom en månad från mottagandet "
                   "(dataskyddsförordningen art. 12.3)."),
    "no_requests": ("No requests.", "Ei pyyntöjä.", "Inga begäranden."),
    "received": ("Received", "Saapunut", "Mottagen"),
    "due": ("Due", "Määräpäivä", "Förfallodag"),
    "days_left": ("Days left", "Päiviä jäljellä", "Dagar kvar"),
    "kind": ("Kind", "Laji", "Typ"),
    "status": ("Status", "Tila", "Status"),
    "channel": ("Came by", "Tullut", "Inkommen via"),
    "note": ("Note", "Muistiinpano", "Anteckning"),
    "action": ("Action", "Toimenpide", "Åtgärd"),
    "late": ("late", "myöhässä", "försenad"),
    "late_by": ("late by {days} d", "myöhässä {days} pv", "försenad {days} d"),
    "status_received": ("open", "avoin", "öppen"),
    "status_completed": ("completed", "valmis", "klar"),
    "kind_access": ("access (export)", "pääsy (vienti)", "tillgång (export)"),
    "kind_rectification": ("rectification", "oikaisu", "rättelse"),
    "kind_restriction": ("restriction", "käsittelyn rajoitus", "begränsning"),
    "kind_restriction_lifted": ("restriction lifted", "rajoitus poistettu", "begränsning hävd"),
    "kind_erasure": ("erasure", "poisto", "radering"),
    "channel_email": ("e-mail", "sähköposti", "e-post"),
    "channel_letter": ("letter", "kirje", "brev"),
    "channel_phone": ("phone", "puhelin", "telefon"),
    "channel_in_person": ("in person", "henkilökohtaisesti", "personligen"),
    "channel_admin": ("API", "API", "API"),
    "channel_signed_link": ("signed link", "allekirjoitettu linkki", "signerad länk"),
    "record": ("Record a request that came by mail or letter",
               "Kirjaa sähköpostilla tai kirjeellä tullut pyyntö",
               "Registrera en begäran som kom per e-post eller brev"),
    "identifier": ("Identifier of the person", "Henkilön tunniste", "Personens identifierare"),
    "identifier_kind": ("Identifier kind", "Tunnisteen laji", "Identifierarens typ"),
    "id_email": ("e-mail address", "sähköpostiosoite", "e-postadress"),
    "id_phone": ("phone number", "puhelinnumero", "telefonnummer"),
    "id_customer_number": ("customer number", "asiakasnumero", "kundnummer"),
    "received_on": ("Received on", "Saapumispäivä", "Mottagningsdag"),
    "recorded": ("Request recorded; due {due}.", "Pyyntö kirjattu; määräpäivä {due}.",
                 "Begäran registrerad; förfallodag {due}."),
    "complete": ("Complete", "Suorita", "Slutför"),
    "export_download": ("Export and download", "Vie ja lataa", "Exportera och ladda ned"),
    "erase_confirm": ("Yes, erase this person's data for good",
                      "Kyllä, poista henkilön tiedot pysyvästi",
                      "Ja, radera personens uppgifter för gott"),
    "erase_needs_confirm": ("Tick the confirmation to erase.", "Vahvista poisto rastilla.",
                            "Kryssa i bekräftelsen för att radera."),
    "corrected": ("Corrected values", "Korjatut tiedot", "Rättade uppgifter"),
    "completed_note": ("Request completed.", "Pyyntö suoritettu.", "Begäran slutförd."),
    "statistics": ("Statistics", "Tilastot", "Statistik"),
    "period": ("Period", "Jakso", "Period"),
    "last_days": ("last {days} days", "viimeiset {days} päivää", "senaste {days} dagarna"),
    "choices": ("Visitors' choices", "Kävijöiden valinnat", "Besökarnas val"),
    "choices_total": ("{count} choices in the last {days} days.",
                      "{count} valintaa viimeisten {days} päivän aikana.",
                      "{count} val under de senaste {days} dagarna."),
    "chart_choices": ("Choices per day by how they were made, last {days} days",
                      "Valinnat päivittäin tavan mukaan, viimeiset {days} päivää",
                      "Val per dag efter hur de gjordes, senaste {days} dagarna"),
    "method_accept_all": ("Accept all", "Hyväksy kaikki", "Godkänn alla"),
    "method_reject_all": ("Reject all", "Hylkää kaikki", "Avvisa alla"),
    "method_custom": ("Custom", "Omat valinnat", "Egna val"),
    "method_gpc": ("GPC signal", "GPC-signaali", "GPC-signal"),
    "method_withdraw": ("Withdrawal", "Peruutus", "Återkallelse"),
    "day": ("Day", "Päivä", "Dag"),
    "all": ("All", "Kaikki", "Alla"),
    "share": ("Share", "Osuus", "Andel"),
    "category": ("Category", "Luokka", "Kategori"),
    "granted": ("Choices granting it", "Sallineet valinnat", "Val som tillåter den"),
    "categories_caption": ("Optional categories granted in the period",
                           "Jakson aikana sallitut valinnaiset luokat",
                           "Valfria kategorier tillåtna under perioden"),
    "shown_not_recorded": ("How often the banner was shown is not recorded: Lupa stores "
                           "answers only, never page views, so there is no shown-vs-answered "
                           "figure.",
                           "Bannerin näyttökertoja ei tallenneta: Lupa tallentaa vain "
                           "vastaukset, ei sivujen katseluja, joten näytetty vs. vastattu "
                           "-lukua ei ole.",
                           "Hur ofta bannern visades registreras inte: Lupa sparar bara svar, "
                           "aldrig sidvisningar, så det finns ingen siffra för visad mot "
                           "besvarad."),
    "shown_recorded": ("", "", ""),
    "marketing": ("Direct marketing", "Suoramarkkinointi", "Direktmarknadsföring"),
    "marketing_caption": ("Grants and withdrawals per purpose and channel, last {days} days",
                          "Luvat ja peruutukset tarkoituksittain ja kanavittain, viimeiset "
                          "{days} päivää",
                          "Samtycken och återkallelser per ändamål och kanal, senaste {days} "
                          "dagarna"),
    "purpose": ("Purpose", "Tarkoitus", "Ändamål"),
    "channel_col": ("Channel", "Kanava", "Kanal"),
    "grants": ("Grants", "Luvat", "Samtycken"),
    "withdrawals": ("Withdrawals", "Peruutukset", "Återkallelser"),
    "no_marketing": ("No grants or withdrawals in the period.",
                     "Ei lupia eikä peruutuksia jakson aikana.",
                     "Inga samtycken eller återkallelser under perioden."),
    "optouts": ("Opt-out import", "Kieltojen tuonti", "Import av avregistreringar"),
    "optouts_help": ("Upload a CSV of people who unsubscribed elsewhere (e.g. an e-mail "
                     "service's export): the e-mail or phone column is found by its header, "
                     "else the first column is read. All rows or none: one invalid row and "
                     "nothing is imported.",
                     "Lataa CSV-tiedosto muualla tilauksensa peruneista (esim. "
                     "sähköpostipalvelun vienti): sähköposti- tai puhelinsarake tunnistetaan "
                     "otsikosta, muuten luetaan ensimmäinen sarake. Kaikki rivit tai ei "
                     "yhtään: yksikin virheellinen rivi, eikä mitään tuoda.",
                     "Ladda upp en CSV med personer som avregistrerat sig på annat håll (t.ex. "
                     "en e-posttjänsts export): e-post- eller telefonkolumnen hittas via "
                     "rubriken, annars läses den första kolumnen. Alla rader eller ingen: en "
                     "ogiltig rad och inget importeras."),
    "file": ("CSV file", "CSV-tiedosto", "CSV-fil"),
    "all_purposes": ("all purposes", "kaikki tarkoitukset", "alla ändamål"),
    "all_channels": ("all channels", "kaikki kanavat", "alla kanaler"),
    "optout_state": ("Record as", "Kirjaa", "Registrera som"),
    "state_withdrawn": ("withdrawal of permission", "luvan peruutus", "återkallat samtycke"),
    "state_prohibited": ("prohibition (may never be contacted)",
                         "kielto (ei saa koskaan ottaa yhteyttä)",
                         "förbud (får aldrig kontaktas)"),
    "id_type": ("Identifiers are", "Tunnisteet ovat", "Identifierarna är"),
    "id_auto": ("as the channel implies", "kanavan mukaiset", "enligt kanalen"),
    "import": ("Import", "Tuo", "Importera"),
    "import_result": ("Imported: {rows} rows, {changed} changed, {created_subjects} new "
                      "people recorded.",
                      "Tuotu: {rows} riviä, {changed} muuttui, {created_subjects} uutta "
                      "henkilöä kirjattu.",
                      "Importerat: {rows} rader, {changed} ändrade, {created_subjects} nya "
                      "personer registrerade."),
    "bad_rows": ("Invalid rows", "Virheelliset rivit", "Ogiltiga rader"),
    "notice": ("Notice", "Seloste", "Meddelande"),
    "notice_current": ("Published version {version} ({date}).",
                       "Julkaistu versio {version} ({date}).",
                       "Publicerad version {version} ({date})."),
    "notice_view": ("Open the published notice page", "Avaa julkaistu selostesivu",
                    "Öppna den publicerade sidan"),
    "notice_none": ("No notice is published yet.", "Selostetta ei ole vielä julkaistu.",
                    "Inget meddelande är publicerat ännu."),
    "notice_toml": ("The notice (TOML, docs/notice-format.md)",
                    "Seloste (TOML, docs/notice-format.md)",
                    "Meddelandet (TOML, docs/notice-format.md)"),
    "check": ("Check and compare", "Tarkista ja vertaa", "Kontrollera och jämför"),
    "preview": ("Preview the notice page", "Esikatsele selostesivua",
                "Förhandsgranska sidan"),
    "publish": ("Publish", "Julkaise", "Publicera"),
    "notice_check": ("Check", "Tarkistus", "Kontroll"),
    "asks_again": ("Publishing this makes the banner ask every visitor again (what consent "
                   "is asked for changes).",
                   "Julkaisu saa bannerin kysymään jokaiselta kävijältä uudelleen (kysytty "
                   "suostumus muuttuu).",
                   "Publicering gör att bannern frågar varje besökare igen (det som samtycke "
                   "begärs för ändras)."),
    "asks_not_again": ("The banner will not ask again: only wording or other sections change.",
                       "Banneri ei kysy uudelleen: vain sanamuoto tai muut osiot muuttuvat.",
                       "Bannern frågar inte igen: bara formuleringar eller andra avsnitt "
                       "ändras."),
    "asks_mark": ("asks again", "kysyy uudelleen", "frågar igen"),
    "warnings": ("Warnings (what GDPR art. 13/14 expects)", "Varoitukset (tietosuoja-asetuksen "
                 "13/14 art.)", "Varningar (dataskyddsförordningen art. 13/14)"),
    "diff_caption": ("Changes from the published version", "Muutokset julkaistuun versioon",
                     "Ändringar mot den publicerade versionen"),
    "field": ("Field", "Kenttä", "Fält"),
    "published": ("Published", "Julkaistu", "Publicerad"),
    "draft": ("Draft", "Luonnos", "Utkast"),
    "no_changes": ("No changes.", "Ei muutoksia.", "Inga ändringar."),
    "notice_published": ("Version {version} published.", "Versio {version} julkaistu.",
                         "Version {version} publicerad."),
    "unchanged_notice": ("Nothing to publish: version {version} has the same content.",
                         "Ei julkaistavaa: versiossa {version} on sama sisältö.",
                         "Inget att publicera: version {version} har samma innehåll."),
    "error": ("Not saved: {detail}", "Ei tallennettu: {detail}", "Inte sparat: {detail}"),
}


def lang_of(value: Any) -> str | None:
    return value if value in LANGS else None


def translate(lang: str, key: str, **fields: Any) -> str:
    row = LABELS[key]
    text = row[LANGS.index(lang)] if lang in LANGS else row[0]
    return text.format(**fields) if fields else text
