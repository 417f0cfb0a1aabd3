"""Notice format 2 (docs/notice-format.md): each rule, with the expected values taken from the
document, and bad notices getting clear errors (1-based paths, the expected format)."""

from __future__ import annotations

import copy
import tomllib
from typing import Any

import pytest

from service.domain.notices import format_1_to_2, gaps, toml_out
from service.domain.notices.loading import load_notice
from service.errors import InvalidInput
from tests.conftest import demo_notice

MINIMAL: dict[str, Any] = {"format": 2, "register_name": {"fi": "Asiakasrekisteri"},
                           "controller": {"name": "Esimerkki Oy"}}


def notice(**extra: Any) -> dict[str, Any]:
    return {**copy.deepcopy(MINIMAL), **extra}


def errors_of(raw: Any, languages: list[str] | None = None) -> dict[str, list[str]]:
    with pytest.raises(InvalidInput) as info:
        load_notice(raw, languages if languages is not None else ["fi"])
    return dict(info.value.errors or {})


def test_only_name_and_controller_are_required_and_the_rest_are_warnings() -> None:
    data = load_notice(notice(), ["fi"])
    articles = {g.article for g in gaps(data)}
    for article in ("GDPR art. 13(1)(a)", "GDPR art. 13(1)(c)", "GDPR art. 13(1)(e)",
                    "GDPR art. 13(1)(f)", "GDPR art. 13(2)(a)", "GDPR art. 13(2)(b)",
                    "GDPR art. 13(2)(d)", "GDPR art. 13(2)(e)", "GDPR art. 13(2)(f)",
                    "GDPR art. 14(2)(f)"):
        assert article in articles
    assert set(errors_of({"format": 2})) == {"register_name", "controller"}


def test_only_the_sites_languages_are_required() -> None:
    assert load_notice(notice(), ["fi"])["register_name"] == {"fi": "Asiakasrekisteri"}
    assert "register_name.sv" in errors_of(notice(), ["fi", "sv"])
    assert "register_name.de" in errors_of(notice(register_name={"fi": "x", "de": "y"}))


def test_error_positions_are_one_based_and_say_the_format() -> None:
    rules = [{"key": "visitor_consent", "months": 13}, {"key": "checks", "months": "24"}]
    assert "retention[2].months" in errors_of(notice(retention=rules))
    messages = errors_of(notice(prepared="20.2.2020"))["prepared"]
    assert "YYYY-MM-DD" in messages[0]


def test_raw_html_is_refused_naming_the_field() -> None:
    errs = errors_of(notice(data_content={"fi": "<p>Nimi</p>"}))
    assert list(errs) == ["data_content.fi"]
    assert "HTML" in errs["data_content.fi"][0]
    assert load_notice(notice(sources={"fi": "Katso <https://a.fi> ja 1 < 2"}), ["fi"])


def test_at_forms_of_email_are_normalised_and_bad_ones_refused() -> None:
    data = load_notice(notice(contact={"email": "eija.t(at)firma.fi"}), ["fi"])
    assert data["contact"]["email"] == "eija.t@firma.fi"
    assert "controller.email" in errors_of(notice(controller={"name": "x", "email": "no-at"}))


def test_unknown_keys_are_errors() -> None:
    assert "banner_text" in errors_of(notice(banner_text={"fi": "x"}))


def test_duplicate_right_keys_are_errors_but_other_may_repeat() -> None:
    text = {"fi": "x"}
    dup = [{"key": "access", "text": text}, {"key": "access", "text": text}]
    assert "rights[2].key" in errors_of(notice(rights=dup))
    others = [{"key": "other", "title": text, "text": text}] * 2
    assert len(load_notice(notice(rights=others), ["fi"])["rights"]) == 2
    assert "rights[1].title" in errors_of(notice(rights=[{"key": "other", "text": text}]))


def test_retention_rule_shapes() -> None:
    just = {"fi": "Kunnes peruste poistuu."}
    ok = load_notice(notice(retention=[
        {"key": "bookkeeping", "years": 6, "starts": "end_of_accounting_year"},
        {"key": "other_data", "as_long_as_needed": True, "justification": just},
        {"key": "checks", "months": 24},
    ]), ["fi"])
    assert ok["retention"][2]["starts"] == "collection"  # the default
    assert "starts" not in ok["retention"][1]
    assert "retention[1]" in errors_of(notice(retention=[{"key": "a1", "months": 1, "years": 1}]))
    assert "retention[1].justification" in errors_of(
        notice(retention=[{"key": "a1", "as_long_as_needed": True}]))
    # Lupa counts visitor_consent from collection: another start would be a false promise.
    assert "retention[1].starts" in errors_of(notice(retention=[
        {"key": "visitor_consent", "months": 13, "starts": "end_of_customer_relationship"}]))
    assert "retention[1]" in errors_of(notice(retention=[
        {"key": "checks", "as_long_as_needed": True, "justification": just}]))
    assert "retention[2].key" in errors_of(notice(retention=[{"key": "a1", "months": 1}] * 2))


def test_categories_types_vendors_and_lupas_own_cookies() -> None:
    data = load_notice(notice(cookie_categories=[
        {"key": "statistics", "type": "analytics", "title": {"fi": "Tilastot"},
         "vendors": ["google_analytics_4"]}]), ["fi"])
    necessary, stats = data["cookie_categories"]
    assert (necessary["key"], necessary["type"], necessary["required"]) == (
        "necessary", "necessary", True)
    assert [c["name"] for c in necessary["cookies"]] == ["lupa_consent", "lupa_vid"]
    assert stats["required"] is False
    assert {c["name"] for c in stats["vendors"][0]["cookies"]} >= {"_ga", "_ga_*"}
    assert "US" in stats["vendors"][0]["countries"]
    errs = errors_of(notice(cookie_categories=[
        {"key": "stats", "type": "analytics", "title": {"fi": "x"}, "vendors": ["nope"]}]))
    assert "cookie_categories[1].vendors[1]" in errs
    assert "cookie_categories[1].type" in errors_of(notice(cookie_categories=[
        {"key": "stats", "type": "statistics", "title": {"fi": "x"}}]))
    assert load_notice(copy.deepcopy(data), ["fi"]) == data  # the stored form is its own input


def test_marketing_basis_and_prohibitions() -> None:
    purpose = {"key": "newsletter", "title": {"fi": "U"}}
    data = load_notice(notice(marketing={"purposes": [purpose]}), ["fi"])
    assert data["marketing"]["purposes"][0]["basis"] == "consent"
    assert data["marketing"]["prohibitions"] == []
    assert load_notice(notice(), ["fi"])["marketing"] == {
        "purposes": [], "channels": [], "prohibitions": []}
    assert "marketing.purposes[1].basis" in errors_of(notice(marketing={"purposes": [
        {"key": "n1", "title": {"fi": "U"}, "basis": "soft_opt_in"}]}))
    assert "marketing.prohibitions[1]" in errors_of(notice(marketing={"prohibitions": ["spam"]}))
    assert "marketing.prohibitions[2]" in errors_of(
        notice(marketing={"prohibitions": ["list_publication", "list_publication"]}))


def test_transfers_must_not_contradict_themselves() -> None:
    us = {"country": "US", "safeguard": "standard_contractual_clauses"}
    assert "transfers.countries" in errors_of(
        notice(transfers={"outside_eea": False, "countries": [us]}))
    assert "transfers.countries[1].country" in errors_of(notice(transfers={
        "outside_eea": True, "countries": [{"country": "SE", "safeguard": "other"}]}))


def test_format_1_converts_and_the_toml_reads_back() -> None:
    old = demo_notice()
    old.pop("format")
    old["security"] = old.pop("security")["text"]
    old["transfers_outside_eea"] = {"transfers": False, "text": old.pop("transfers")["text"]}
    for cat in old["cookie_categories"]:
        cat["required"] = cat.pop("type") == "necessary"
        cat.pop("vendors", None)  # format 1 had no vendor table
    old["retention"] = [{k: v for k, v in r.items() if k != "starts"} for r in old["retention"]]
    new = format_1_to_2(old)
    assert new["format"] == 2 and new["transfers"]["outside_eea"] is False
    assert [c["type"] for c in new["cookie_categories"]] == [
        "necessary", "preferences", "analytics", "marketing"]
    assert tomllib.loads(toml_out.dumps(new)) == new
    assert load_notice(old, ["fi", "sv", "en"])["format"] == 2
