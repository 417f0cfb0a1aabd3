"""The five real notices (shared/seeds/, anonymised in examples/notices/) publish on a
Finnish-only site, `lupa notice check` accepts them, and each Finnish page shows every section
of the original with its retention periods, rights and prohibitions.

The expected phrases are the seeds' own words (as transcribed, with the fictional names), and
the warnings are the list in examples/notices/README.md.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples" / "notices"

SEEDS: dict[str, dict[str, Any]] = {
    "000": {
        "file": "000-puhtix.toml",
        "phrases": [
            # title, legal reference, date
            "Rekisteri- ja tietoturvaseloste",
            "Henkilötietolain (10 ja 24 §) ja EU:n yleisen tietosuoja-asetuksen (GDPR)mukainen",
            "Laatimispäivä 22.5.2018",
            # 1. Rekisterinpitäjä, 2. Rekisteriasioista vastaava, 3. Rekisterin nimi
            "Rekisterinpitäjä Nimi Puhtix Oy Y-tunnus 3012345-8",
            "https://www.puhtix.example",
            "Puhtix Oy, Sanna Esimerkki", "050 000 1111", "sanna.esimerkki@puhtix.example",
            "Rekisterin nimi Puhtix asiakasrekisteri",
            # 4. Henkilötietojen käsittelyn tarkoitus
            "Henkilöllä ja Puhtixilla on solmittu asiakassuhde, josta on tehty sopimus.",
            "Asiakaskirjeet ja tiedotteet sekä uutiskirjeet.",
            "Oikeusperuste: Sopimus",
            # 5. Rekisterin tietosisältö ja säilytysaika
            "Asiakastiedot kotitaloudet",
            "Perheen lasten tietoja emme käsittele rekisterissämme, mutta kotieläimet kirjaamme",
            "Asiakastiedot yritys Lisänä edellä mainittuihin y-tunnus.",
            "tuotteidemme ja palveluidemme toimittaminen ja kehittäminen esimerkiksi",
            "Ilman näitä tarvittavia henkilötietoja, emme voi tuottaa palvelua.",
            # 6. Säännönmukaiset tietolähteet, 7. luovutukset
            "Ne tiedot, jotka henkilö/perhe/yritys itse antaa itsestään",
            "Tietoja ei kerätä muualta.",
            "Tietoja ei luovuteta ulkopuolisille, vain Puhtixin työntekijät näkevät tiedot",
            # 8. Manuaalinen aineisto, 9. Tietokantoihin tallennetut tiedot, 11. suojaus
            "Manuaalinen aineisto Kaikki tulostettu henkilötietoja sisältävä aineisto",
            "johon on pääsy vain teknisellä ylläpitohenkilöstöllä",
            "Tietokantapalvelin on suojattu palomuurein ja se on asianmukaisesti salattu.",
            "Vaitiolo säilyy myös työsuhteen päättymisen jälkeen.",
            # retention: until the reason ends, 1 year (recruitment), 2 years, 6 years
            "Asiakastiedot Niin kauan kuin on tarpeen Säilytämme tietoja, kunnes peruste",
            "Rekrytoinnin yhteydessä saadut tiedot 1 vuosi",
            "Rekrytoinnin yhteydessä säilytämme tietoja vuoden, ellei niitä pyydetä poistamaan.",
            "Kotitalousvähennystodistuksen tiedot 2 vuotta",
            "Laskutustiedot 6 vuotta Kirjanpitolainsäädännön mukaisesti.",
            # 10. Evästeistä: Google Analytics and Facebook Pixel
            "(Google Analytics ja Facebook Pixel)",
            "Tilastoista ei voi yksilöidä yksittäistä käyttäjää, vaan tiedot tallennetaan",
            "Kävijätilastot (Google Analytics)", "_ga", "Facebook Pixel", "_fbp",
            # 12. Tarkastusoikeus
            "Tarkastusoikeus Rekisteröitynä sinulla on oikeus tarkastaa itseäsi koskevat",
            "vaatia virheellisen tiedon oikaisua tai poistamista",
            # newsletters on the customer relationship
            "Asiakaskirjeet ja tiedotteet Peruste: Asiakassuhde (kieltoon asti)",
            "Uutiskirjeet Peruste: Asiakassuhde (kieltoon asti)",
            # the closing line
            "22.5.2018 Järvenpäässä Sanna Esimerkki, Puhtix Oy",
        ],
        "prohibitions": [],
        "warnings": ["dpo", "transfers", "profiling", "rights", "rights", "rights", "rights",
                     "rights", "rights", "marketing.channels"],
    },
    "001": {
        "file": "001-esiivo.toml",
        "phrases": [
            "Laatimispäivä 20.2.2020",
            "Rekisterinpitäjä Nimi eSiivo Oy",
            "Yhteyshenkilö rekisteriä koskevissa asioissa Nimi Pekka Malli",
            "pekka.malli@esiivo.example",
            "Rekisterin nimi Asiakasrekisteri",
            # Oikeusperuste ja henkilötietojen käsittelyn tarkoitus; Oikeutetun edun peruste
            "Rekisterin käyttötarkoitus on yrityksen asiakasrekisterin ylläpitäminen",
            "Käsittely perustuu sopimukseen.",
            "Oikeusperuste: Sopimus",
            "Oikeutetun edun peruste: Asiakassuhde",
            # Kyseessä olevat henkilötietoryhmät, Vastaanottajat, Suostumus
            "Asiakkaat; Yritykset, yksityiset, Jh, muut yleishyödylliset organisaatiot.",
            "Rekisterinpitäjän henkilöstö sekä ulkoituskumppanit (taloushallinto)",
            "Suostumus Käsittelyperuste on sopimuksellinen, suostumusta ei tarvita.",
            # Rekisterin tietosisältö, tietolähteet, luovutukset, siirto
            "Henkilörekisteri sisältää seuraavia tietoja: Henkilön etu- ja sukunimi",
            "Tiedot aikaisemmista tilauksista",
            "Nimi- ja yhteystietojen päivityksiä saadaan myös päivityspalveluja",
            "Tietojen siirto EU:n tai ETA:n ulkopuolelle Henkilötietoja ei siirretä Euroopan "
            "Unionin ulkopuolelle, ellei se ole yrityksen tai sen yhteistyökumppanin teknisen",
            "paitsi luottihakemukseen, perintään tai laskutukseen liittyvissä asioissa",
            # Rekisterin suojauksen periaatteet A ja B
            "lukituissa ja paloturvallisissa säilytystiloissa",
            "oma henkilökohtainen käyttäjätunnus ja salasana",
            "Järjestelmä on suojattu palomuurilla",
            # Henkilötietojen säilyttämisaika
            "Henkilötiedot 10 vuotta asiakassuhteen päättymisestä "
            "10 vuotta asiakkuuden päättymisestä lukien.",
            # Evästeet
            "Eväste on pieni, käyttäjän tietokoneelle lähetettävä",
            "vierailijan IP-osoite", "Sinun oikeutesi",
            "GOOGLE ANALYTICS", "(Google Analytics Demographics)",
            "https://www.google.com/settings/ads", "Chrome-selaimen lisäosalla",
            # rights, with the seed's headings
            "Tarkastusoikeus, eli oikeus saada pääsy henkilötietoihin.",
            "Tarkastuspyyntö on allekirjoitettava.",
            "kieltää tietojensa käsittely ja luovuttaminen suoramainontaa, etämyyntiä ja "
            "suoramarkkinointia sekä markkina- ja mielipidetutkimusta varten",
            "Oikeus siirtää tiedot järjestelmästä toiseen",
            "Oikeus vaatia tiedon korjaamista", "Korjaaminen toteutetaan viivytyksettä.",
            "Rajoittamisoikeus", "Vastustamisoikeus",
            "Oikeus tehdä valitus valvontaviranomaiselle",
            "Tietosuojavaltuutetun toimisto PL 800, Ratapihantie 9, 00521 Helsinki",
            "Muut henkilötietojen käsittelyyn liittyvät oikeudet",
            "oikeus tulla kokonaan unohdetuksi",
            # list publication unless prohibited
            "Julkaiseminen luettelona", "ellei asiakas sitä erityisesti kiellä",
            "postitustarroja suoramainoksiin", "Peruste: Ellei sitä ole kielletty",
        ],
        "prohibitions": ["suoramarkkinoinnin", "etämyynnin", "markkina- ja mielipidetutkimukset",
                         "osoitetietojesi luovuttamisen muille yrityksille",
                         "tietojesi julkaisemisen luettelona"],
        "warnings": ["dpo", "requirement", "profiling", "rights", "marketing.channels"],
    },
    "002": {
        "file": "002-lumiservice.toml",
        "phrases": [
            "Laatimispäivä 7.12.2020",
            "Rekisterinpitäjä Nimi LumiService Oy Osoite Esimerkkipolku 1",
            "info@lumiservice.example", "040 000 2222",
            "Nimi Tiina Testinen",
            "Rekisterin nimi Asiakasrekisteri",
            "Rekisterin käyttötarkoitus on organisaation asiakasrekisterin ylläpitäminen",
            "Tietoja käsitellään ainoastaan rekisterinpitäjäorganisaation asiakassuhteen",
            "Oikeusperuste: Sopimus",
            "Oikeutetun edun peruste: Käsittelyn oikeusperusteena on sopimus",
            "Kyseessä olevat henkilötietoryhmät Nimi, edustettu organisaatio, yhteystiedot, "
            "laskutustiedot",
            "Rekisterinpitäjän henkilöstö sekä ulkoituskumppanit (taloushallinto)",
            "www-osoite", "IP numero", "Tiedot aikaisemmista tilauksista",
            "Tietoja voidaan saada myös alihankkijoilta",
            "Tietojen siirto EU:n tai ETA:n ulkopuolelle Henkilötietoja ei siirretä Euroopan "
            "Unionin ulkopuolelle, ellei se ole organisaation tai sen yhteistyökumppanin",
            "Tietoja ei luovuteta rekisterinpitäjän ulkopuolelle",
            "viranomaisten määräyksiä sekä hyvää tietojenkäsittelytapaa.",
            "Henkilötiedot 10 vuotta asiakassuhteen päättymisestä "
            "10 vuotta asiakkuuden päättymisestä lukien.",
            "sivujen katseluaajat", "GOOGLE ANALYTICS", "(Google Analytics Demographics)",
            "Tarkastusoikeus, eli oikeus saada pääsy henkilötietoihin.",
            "ottamalla yhteys rekisterinpitäjän asiakaspalvelupisteeseen",
            "Oikeus siirtää tiedot järjestelmästä toiseen",
            "Oikeus vaatia tiedon korjaamista", "Rajoittamisoikeus", "Vastustamisoikeus",
            "Oikeus tehdä valitus valvontaviranomaiselle",
            "Muut henkilötietojen käsittelyyn liittyvät oikeudet",
            "Julkaiseminen luettelona", "Organisaatiolla on oikeus julkaista",
            "Peruste: Ellei sitä ole kielletty",
        ],
        "prohibitions": ["suoramarkkinoinnin", "etämyynnin", "markkina- ja mielipidetutkimukset",
                         "osoitetietojesi luovuttamisen muille yrityksille",
                         "tietojesi julkaisemisen luettelona"],
        "warnings": ["dpo", "requirement", "profiling", "rights", "marketing.channels"],
    },
    "003": {
        "file": "003-purespace.toml",
        "phrases": [
            "Rekisterinpitäjä Nimi Kaleva Facility Innovations Oy / PureSpace KFI",
            "PL 99, 33101 Tampere", "asiakaspalvelu@purespace.example",
            "asiakassuhteen ja asiakaspalvelun hoitaminen",
            "asiakkaan ja rekisterinpitäjän oikeuksien ja velvollisuuksien toteuttaminen",
            "sidosryhmien henkilötietojen käsittely",
            "uutiskirjeiden, sähköisten tiedotteiden ja sähköisen suoramarkkinoinnin",
            "Oikeusperuste: Asiakassuhde",
            "Rekisteri voi sisältää seuraavan ryhmittelyn mukaiset tiedot asiakkaista:",
            "Matkapuhelinnumero", "Asiakasnumero",
            "Suoraan rekisteröidyltä itseltään",
            "Julkisista tai yleisesti saatavilla olevista lähteistä",
            "paitsi Suomen viranomaistoimien niin edellyttäessä.",
            "Rekisterinpitäjä ei tee tietojen luovutuksia EU:n tai ETA:n ulkopuolelle, ilman "
            "asiakkaan toimesta tehtyä erillistä kirjallista pyyntöä.",
            "Rekisteriä ylläpidetään Google:n tietoverkossa",
            "Henkilötiedot Niin kauan kuin on tarpeen Rekisterinpitäjä käsittelee ja säilyttää",
            "kun suhde asiakas-, liike-, yhteistyö- tai sopimussuhde rekisterinpitäjään on",
            "Rekisteröidyn tarkastusoikeus", "ja saada niistä kopiot.",
            "Tiedon korjaaminen", "oma-aloitteisesti tai rekisteröidyn vaatimuksesta.",
            "Tietojen poistaminen Tietoja voidaan poistaa asiakkaan vaatimuksesta tai "
            "asiakassuhteen loppumisen vuoksi.",
            "Kielto-oikeus Asiakkaalla on oikeus kieltää tietojensa käsittely suoramainontaa "
            "ja muuta markkinointia varten. Asiakas voi tehdä kiellon kirjallisesti milloin "
            "tahansa asiakassuhteen aikana.",
            "Uutiskirjeet Peruste: Asiakassuhde (kieltoon asti)",
            "Sähköiset tiedotteet Peruste: Asiakassuhde (kieltoon asti)",
            "Sähköinen suoramarkkinointi Peruste: Asiakassuhde (kieltoon asti)",
        ],
        "prohibitions": ["suoramarkkinoinnin"],
        "warnings": ["dpo", "requirement", "profiling", "rights", "rights", "rights", "rights",
                     "marketing.channels"],
    },
    "004": {
        "file": "004-hohde.toml",
        "phrases": [
            "Päivitetty 1.9.2019",
            "Asiakkaiden henkilötietoja kerätään asiakasrekisteriin eri palveluiden yhteydessä.",
            "Henkilötietolaki (523/1999) 10 § ja 24 §.",
            "Rekisterinpitäjä Nimi Siivouspalvelu Hohde Oy Osoite Esimerkkitie 5 B 7, 90100 Oulu",
            "Nimi Kerttu Kuvitteellinen Puhelin 044 000 3333",
            "Rekisterin nimi Siivouspalvelu Hohde Oy asiakasrekisteri",
            "Rekisteri koostuu useammasta alarekisteristä.",
            "Rekisteriä käytetään asiakassuhteen hoitoon, asiakasyhteydenpitoon ja "
            "markkinointiin.",
            "mikäli asiakas on antanut suoramarkkinointiin nimenomaisen luvan.",
            "Rekisterin nimi- ja osoitetietoja ei luovuteta kolmannen osapuolen "
            "suoramarkkinointitarkoituksiin.",
            "Oikeusperuste: Suostumus",
            "tuote- ja palvelutarjonnan suunnitteluun",
            "sukunimi, etunimet, katuosoite, postinumero, postitoimipaikka",
            "Mahdollinen kielto luovuttaa asiakkaan osoite- tai muita tietojaan muille "
            "yrityksille suoramarkkinointia varten.",
            "Asiakas osallistuu arvontaan tai jättää yhteydenottopyynnön.",
            "Suoramarkkinointikielto / suoramarkkinointiluvan poistopyyntö tallennetaan",
            "Sähköiseen suoramarkkinointiin (kuten sähköposti, tekstiviestit) pyydetään "
            "asiakkaalta erikseen suostumus",
            "Konekielinen aineisto:", "sijaitsevat suljetuissa konesaleissa",
            "tiedot varmistetaan säännönmukaisesti kopioimalla",
            # the seed states no retention period: the page says so in words
            "Säilytysaikaa ei ole ilmoitettu.",
            "Siivouspalvelu Hohde Oy:n oma suoramarkkinointi",
            "Peruste: Suostumus (ennakkolupa)",
            "Yhteydenottokanavat Sähköposti Tekstiviesti",
        ],
        "prohibitions": ["suoramarkkinoinnin", "osoitetietojesi luovuttamisen muille yrityksille"],
        "warnings": ["dpo", "recipients", "transfers", "requirement", "profiling", "retention",
                     "rights", "rights", "rights", "rights", "rights", "rights", "rights",
                     "rights"],
    },
}


def page_text(page: str) -> str:
    """The page as a reader sees it: tags as spaces, entities decoded, whitespace collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def _finnish_site(app: Flask) -> None:
    from service.domain import sites
    from service.extensions import db

    with app.app_context():
        sites.create_site("seed", "Seed Oy", ["https://seed.example"], "test", ["fi"])
        db.session.commit()


def _publish(app: Flask, runner: Any, seed: str) -> Any:
    _finnish_site(app)
    result = runner.invoke(args=["notice", "publish", "--site", "seed",
                                 str(EXAMPLES / SEEDS[seed]["file"])])
    assert result.exit_code == 0, result.output
    return result


def test_every_example_is_tested() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.toml")) == sorted(
        s["file"] for s in SEEDS.values())


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_seed_publishes_on_a_finnish_only_site_with_its_listed_warnings(
        app: Flask, runner: Any, seed: str) -> None:
    result = _publish(app, runner, seed)
    assert "error:" not in result.output
    assert "published seed notice version 1" in result.output
    warned = [line.split(": ")[2] for line in result.output.splitlines()
              if line.startswith("warning: ")]
    assert warned == SEEDS[seed]["warnings"]


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_seed_check_exits_0(runner: Any, seed: str) -> None:
    result = runner.invoke(args=["notice", "check", str(EXAMPLES / SEEDS[seed]["file"])])
    assert result.exit_code == 0, result.output
    assert "ok:" in result.output and "error:" not in result.output


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_seed_finnish_page_shows_every_section_of_the_original(
        app: Flask, client: FlaskClient, runner: Any, seed: str) -> None:
    _publish(app, runner, seed)
    response = client.get("/sites/seed/notice?lang=fi")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    text = page_text(page)
    missing = [phrase for phrase in SEEDS[seed]["phrases"] if phrase not in text]
    assert missing == []
    prohibitions = re.search(r'<ul class="prohibitions">(.*?)</ul>', page, re.S)
    shown = page_text(prohibitions.group(1)).split(" ") if prohibitions else []
    expected = " ".join(SEEDS[seed]["prohibitions"]).split(" ")
    assert shown == (expected if SEEDS[seed]["prohibitions"] else [])
    # Finnish only: no other language is offered, and no placeholder texts.
    assert 'hreflang="sv"' not in page and 'hreflang="en"' not in page
    # and no language switcher offering Finnish alone
    assert 'class="languages"' not in page and "hreflang" not in page
    assert client.get("/sites/seed/notice?lang=sv").status_code == 422
