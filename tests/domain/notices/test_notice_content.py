"""The demo notice data, the page labels and the notice page template, checked without the app.

Pins: both demo notice versions follow notice format 2 (docs/notice-format.md) in all
three languages; version 2 changes the cookie categories (so the widget asks again); the page
renders every section in every language; notice text is escaped, never trusted as HTML.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment, FileSystemLoader

from service.domain.notices.loading import load_notice
from service.web import notice_labels
from service.web.pages import notice_context

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "service" / "demo"
TEMPLATES = ROOT / "service" / "templates"
LANGS = ("fi", "sv", "en")

LEGAL_BASES = {"consent", "contract", "legitimate_interest", "legal_obligation"}
RIGHTS = [
    "access",
    "rectification",
    "erasure",
    "restriction",
    "objection",
    "portability",
    "prohibit_marketing",
    "complaint",
]
RETENTION_MONTHS = {
    "visitor_consent": 13,
    "marketing_evidence": 24,
    "checks": 24,
    "audit_payload": 72,
    "customer_records": 120,
    "recruitment": 12,
    "household_deduction": 24,
    "bookkeeping": 72,
}
MARKETING_PURPOSES = [
    "newsletter",
    "offers",
    "research",
    "third_party_disclosure",
    "list_publication",
    "distance_selling",
]
CHANNELS = ["email", "sms", "phone", "post"]
# Names of the real companies and people in /work/shared/seeds: the demo must not reuse them.
SEED_NAMES = [
    "Clenix",
    "Tamminen",
    "eNexus",
    "Pirhonen",
    "SiniService",
    "Heinonen",
    "Calion",
    "CleanRoom",
    "Loiste",
    "Määttä",
]


LABELS: dict[str, dict[str, str]] = notice_labels.LABELS


def _load(name: str) -> dict[str, Any]:
    with (DEMO / name).open("rb") as fh:
        return tomllib.load(fh)


@pytest.fixture(scope="module")
def v1() -> dict[str, Any]:
    return _load("notice.toml")


@pytest.fixture(scope="module")
def v2() -> dict[str, Any]:
    return _load("notice_v2.toml")


@pytest.fixture(params=["notice.toml", "notice_v2.toml"])
def notice(request: pytest.FixtureRequest) -> dict[str, Any]:
    return _load(request.param)


def localized_fields(n: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Every field the contract declares as a localized text L, with a readable path."""
    plain = ("register_name", "data_subjects", "data_content", "sources", "recipients")
    for key in plain:
        yield key, n.get(key)
    yield "security.text", n.get("security", {}).get("text")
    yield "transfers.text", n.get("transfers", {}).get("text")
    for i, p in enumerate(n.get("purposes", [])):
        yield f"purposes[{i}].text", p.get("text")
    for r in n.get("retention", []):
        yield f"retention[{r.get('key')}].text", r.get("text")
    for r in n.get("rights", []):
        yield f"rights[{r.get('key')}].text", r.get("text")
    for c in n.get("cookie_categories", []):
        yield f"cookie_categories[{c.get('key')}].title", c.get("title")
        yield f"cookie_categories[{c.get('key')}].description", c.get("description")
        for k in c.get("cookies", []):
            yield f"cookies[{k.get('name')}].duration", k.get("duration")
            yield f"cookies[{k.get('name')}].purpose", k.get("purpose")
    for m in n.get("marketing", {}).get("purposes", []):
        yield f"marketing.purposes[{m.get('key')}].title", m.get("title")
        yield f"marketing.purposes[{m.get('key')}].description", m.get("description")
    yield "banner.title", n.get("banner", {}).get("title")
    yield "banner.text", n.get("banner", {}).get("text")


def _language_dicts(value: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every nested table that has any language key, wherever it is."""
    if isinstance(value, dict):
        if set(value) & set(LANGS):
            yield path, value
        for k, v in value.items():
            yield from _language_dicts(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _language_dicts(v, f"{path}[{i}]")


# --- notice data ---------------------------------------------------------------------------


def test_every_localized_field_has_non_empty_fi_sv_en(notice: dict[str, Any]) -> None:
    fields = list(localized_fields(notice))
    assert len(fields) > 50
    for path, value in fields:
        assert isinstance(value, dict), f"{path} is not a localized text"
        assert set(value) == set(LANGS), f"{path} has languages {sorted(value)}"
        for lang in LANGS:
            assert isinstance(value[lang], str) and value[lang].strip(), f"{path}.{lang} is empty"


def test_no_localized_table_outside_the_contract_lacks_a_language(notice: dict[str, Any]) -> None:
    for path, value in _language_dicts(notice):
        assert set(value) == set(LANGS), f"{path} has languages {sorted(value)}"


def test_texts_are_plain_text_not_html(notice: dict[str, Any]) -> None:
    for path, value in _language_dicts(notice):
        for lang in LANGS:
            assert not re.search(r"</?[a-zA-Z][^>]*>", value[lang]), f"{path}.{lang} contains HTML"


def test_top_level_shape_follows_the_contract(notice: dict[str, Any]) -> None:
    assert notice["format"] == 2
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", notice["prepared"])  # a string, not a TOML date
    dt.date.fromisoformat(notice["prepared"])
    controller = notice["controller"]
    assert controller["name"] and controller["address"]
    assert re.fullmatch(r"\d{7}-\d", controller["business_id"])
    assert notice["contact"]["name"]
    # Only the cookie vendors process data outside the EU/EEA, and the notice says where.
    assert notice["transfers"]["outside_eea"] is True
    assert {c["country"] for c in notice["transfers"]["countries"]} == {"US"}
    assert notice["purposes"]
    assert {p["legal_basis"] for p in notice["purposes"]} <= LEGAL_BASES
    assert [r["key"] for r in notice["rights"]] == RIGHTS
    assert [p["key"] for p in notice["marketing"]["purposes"]] == MARKETING_PURPOSES
    assert notice["marketing"]["channels"] == CHANNELS


def test_business_id_has_a_valid_check_digit(notice: dict[str, Any]) -> None:
    digits, check = notice["controller"]["business_id"].split("-")
    remainder = sum(int(d) * w for d, w in zip(digits, (7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    assert remainder != 1
    assert int(check) == (0 if remainder == 0 else 11 - remainder)


def test_retention_has_the_purge_job_keys_with_their_months(notice: dict[str, Any]) -> None:
    months = {r["key"]: r["months"] for r in notice["retention"]}
    assert len(months) == len(notice["retention"]), "duplicate retention key"
    assert months == RETENTION_MONTHS
    assert all(type(r["months"]) is int for r in notice["retention"])


def test_each_category_has_its_purpose_type(notice: dict[str, Any]) -> None:
    categories = notice["cookie_categories"]
    assert [c["key"] for c in categories] == ["necessary", "preferences", "analytics", "marketing"]
    assert [c["type"] for c in categories] == ["necessary", "preferences", "analytics", "marketing"]
    loaded = load_notice(copy.deepcopy(notice), list(LANGS))
    assert [c["key"] for c in loaded["cookie_categories"] if c["required"]] == ["necessary"]


def test_cookies_are_listed_in_their_categories(notice: dict[str, Any]) -> None:
    names = {c["key"]: {k["name"] for k in c["cookies"]} for c in notice["cookie_categories"]}
    assert names["necessary"] == {"lupa_consent", "lupa_vid"}
    assert names["analytics"] == {"_ga", "_gid"}
    assert "_fbp" in names["marketing"]
    for category in notice["cookie_categories"]:
        for cookie in category["cookies"]:
            assert cookie["vendor"].strip()


def test_demo_controller_is_fictional(notice: dict[str, Any]) -> None:
    text = repr(notice)
    for name in SEED_NAMES:
        assert name.lower() not in text.lower(), f"seed name {name!r} in the demo notice"
    for address in (notice["controller"].get("email"), notice["contact"].get("email")):
        assert address is None or address.endswith(".example")


def test_v2_changes_cookie_categories(v1: dict[str, Any], v2: dict[str, Any]) -> None:
    assert v1["cookie_categories"] != v2["cookie_categories"]
    v1_marketing = {k["name"] for k in v1["cookie_categories"][3]["cookies"]}
    v2_marketing = {k["name"] for k in v2["cookie_categories"][3]["cookies"]}
    assert v2_marketing - v1_marketing == {"_gcl_au"}


def test_v2_is_otherwise_version_1(v1: dict[str, Any], v2: dict[str, Any]) -> None:
    changed = {k for k in v1.keys() | v2.keys() if v1.get(k) != v2.get(k)}
    # purposes mention the cookie vendors by name, prepared is the new version's date
    assert changed == {"cookie_categories", "purposes", "prepared"}
    assert v2["prepared"] > v1["prepared"]
    assert [p["legal_basis"] for p in v1["purposes"]] == [p["legal_basis"] for p in v2["purposes"]]


# --- labels ----------------------------------------------------------------------------------


def test_labels_have_the_same_non_empty_keys_in_every_language() -> None:
    assert set(LABELS) == set(LANGS)
    keys = set(LABELS["fi"])
    for lang in LANGS:
        assert set(LABELS[lang]) == keys, f"{lang}: {set(LABELS[lang]) ^ keys}"
        assert all(isinstance(v, str) and v.strip() for v in LABELS[lang].values())
    assert LABELS["fi"]["title"] == "Tietosuojaseloste"
    assert LABELS["sv"]["title"] == "Dataskyddsbeskrivning"
    assert LABELS["en"]["title"] == "Privacy notice"
    # The heading over the data subjects names categories of data subjects (GDPR 14(1)(d)).
    assert LABELS["fi"]["data_subjects"] == "Rekisteröityjen ryhmät"


def test_labels_name_every_basis_right_channel_and_retention_key(v2: dict[str, Any]) -> None:
    needed = (
        [f"legal_basis_{b}" for b in LEGAL_BASES]
        + [f"right_{r}" for r in RIGHTS]
        + [f"channel_{c}" for c in CHANNELS]
        + [f"marketing_purpose_{p}" for p in MARKETING_PURPOSES]
        + [f"retention_{k}" for k in RETENTION_MONTHS]
    )
    for lang in LANGS:
        missing = [k for k in needed if k not in LABELS[lang]]
        assert not missing, f"{lang} lacks {missing}"


# --- template --------------------------------------------------------------------------------


def _stub_url_for(endpoint: str, **values: Any) -> str:
    assert endpoint == "static"
    return f"/static/{values['filename']}"


@pytest.fixture(scope="module")
def env() -> Environment:
    environment = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True)
    environment.globals["url_for"] = _stub_url_for
    return environment


def loaded(notice: dict[str, Any]) -> dict[str, Any]:
    """The canonical data publishing stores (what the page renders)."""
    return load_notice(copy.deepcopy(notice), list(LANGS))


def render(env: Environment, notice: dict[str, Any], lang: str, version: int = 1) -> str:
    return env.get_template("notice.html").render(
        **notice_context(notice, lang),
        site={"slug": "demo", "name": "Kirkas demo"},
        version=version,
        content_hash="0123456789abcdef" * 4,
        published_at=dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC),
        languages=list(LANGS),
        versions=[1, 2],
    )


def _squeeze(html: str) -> str:
    return re.sub(r">\s+<", "><", html)


SECTION_LABELS = [
    "prepared",
    "controller",
    "contact",
    "register_name",
    "purposes",
    "data_subjects",
    "data_content",
    "sources",
    "recipients",
    "transfers",
    "security",
    "retention",
    "rights",
    "cookies",
    "marketing",
]


@pytest.mark.parametrize("lang", LANGS)
def test_page_renders_every_section_in_the_seed_order(
    env: Environment, v1: dict[str, Any], lang: str
) -> None:
    html = render(env, loaded(v1), lang)
    labels = LABELS[lang]
    assert f'<html lang="{lang}">' in html
    assert f"<h1>{labels['title']}" in html
    body = html.split('<main id="content"', 1)[1]
    positions = [body.find(f"</span> {labels[key]}</h2>") for key in SECTION_LABELS[1:]]
    assert -1 not in positions, dict(zip(SECTION_LABELS[1:], positions, strict=True))
    assert positions == sorted(positions)
    prepared = ">2026-11-01</time>" if lang == "en" else ">1.11.2026</time>"
    assert f"<dt>{labels['prepared']}</dt>" in html and prepared in html


@pytest.mark.parametrize("lang", LANGS)
def test_page_shows_notice_texts_in_the_page_language(
    env: Environment, v1: dict[str, Any], lang: str
) -> None:
    html = render(env, loaded(v1), lang)
    other = [o for o in LANGS if o != lang]
    for category in v1["cookie_categories"]:
        assert f">{category['title'][lang]}</h3>" in html
        assert category["title"][other[0]] not in html
    for right in v1["rights"]:
        assert f">{LABELS[lang]['right_' + right['key']]}</h3>" in html
    for name in ("lupa_consent", "lupa_vid", "_ga", "_gid", "_fbp"):
        assert f'<th scope="row"><code>{name}</code></th>' in html
    assert "_gcl_au" not in html
    assert '<th scope="col">' in html
    assert v1["controller"]["name"] in html


def test_page_header_has_version_hash_date_and_language_links(
    env: Environment, v1: dict[str, Any]
) -> None:
    html = render(env, loaded(v1), "sv", version=1)
    assert 'href="/static/notice.css"' in html
    for lang in LANGS:
        assert f'href="?lang={lang}&amp;version=1"' in html
    assert 'href="?lang=sv&amp;version=2"' in html  # the other published version
    assert '<a href="?lang=sv&amp;version=1" hreflang="sv" lang="sv" aria-current="page">' in html
    assert "<code>0123456789ab</code>" in html
    assert ">22.11.2026</time>" in html


def test_page_has_no_inline_script_or_style(env: Environment, v2: dict[str, Any]) -> None:
    html = render(env, loaded(v2), "en", version=2)
    assert "<script" not in html
    assert "<style" not in html
    assert " style=" not in html
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


def test_paragraphs_and_list_items_become_p_and_ul(env: Environment, v1: dict[str, Any]) -> None:
    notice = loaded(v1)
    notice["sources"]["en"] = "First paragraph\nsecond line.\n\nIntro:\n- one\n- two\n  \nLast."
    html = _squeeze(render(env, notice, "en")).replace("<br>\n", "<br>")
    assert (
        "<p>First paragraph<br>second line.</p><p>Intro:</p>"
        "<ul><li>one</li><li>two</li></ul><p>Last.</p>"
    ) in html


def test_notice_text_is_escaped(env: Environment, v1: dict[str, Any]) -> None:
    notice = loaded(v1)
    attack = '<script>alert("x")</script>'
    notice["data_content"]["fi"] = attack
    notice["cookie_categories"][1]["title"]["fi"] = attack
    notice["cookie_categories"][2]["cookies"][0]["name"] = attack
    notice["controller"]["name"] = attack
    notice["rights"][0]["text"]["fi"] = f"- {attack}"
    html = render(env, notice, "fi")
    assert "<script" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert html.count("&lt;script&gt;") >= 5


def test_missing_translation_falls_back_to_finnish(env: Environment, v1: dict[str, Any]) -> None:
    notice = loaded(v1)
    notice["security"]["text"]["sv"] = ""
    html = render(env, notice, "sv")
    first_fi_paragraph = v1["security"]["text"]["fi"].strip().split("\n")[0]
    assert first_fi_paragraph in html


def test_demo_notices_pass_the_service_notice_schema(notice: dict[str, Any]) -> None:
    data = loaded(notice)
    assert data["prepared"] == notice["prepared"]
    assert [c["key"] for c in data["cookie_categories"]] == [
        c["key"] for c in notice["cookie_categories"]
    ]
