"""`lupa scan --suggest`: the draft cookie section keeps what was seen, adds what was found but
not declared (a known vendor by its id, an unknown cookie with its observed lifetime), drops
what was never seen, and is a valid part of a notice."""

from __future__ import annotations

import copy
import tomllib
from typing import Any

import pytest

from service.domain.notices import as_format_2, toml_out
from service.domain.notices.loading import load_notice
from service.domain.scan.suggest import draft, lifetime
from tests.conftest import demo_notice
from tests.domain.scan.records import record, visit


@pytest.fixture(scope="module")
def notice() -> dict[str, Any]:
    return as_format_2(load_notice(demo_notice(), ["fi", "sv", "en"]))


def category(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(c for c in data["cookie_categories"] if c["key"] == key)


@pytest.mark.parametrize(("expires", "spec"), [
    ("session", "session"), ("2026-12-01T00:30:00Z", "30min"), ("2026-12-02T00:00:00Z", "24h"),
    ("2027-03-01T00:00:00Z", "90d"), ("2027-12-01T00:00:00Z", "1y"),
    ("2028-01-01T00:00:00Z", "13mo"), ("2028-12-01T00:00:00Z", "2y")])
def test_lifetime_from_the_expiry_seen(expires, spec):
    assert lifetime(expires, "2026-12-01T00:00:00Z") == spec


def test_the_draft_adds_the_undeclared_and_drops_the_stale(notice):
    rec = record(
        visit("none", ("PHPSESSID",)),
        visit("reject", ("lupa_consent", "lupa_vid", "PHPSESSID")),
        # kirkas_lang never set: stale; Hotjar's cookie: a known vendor; ab_test: unknown.
        visit("accept", ("_ga", "_gid", "_fbp", "lupa_consent", "lupa_vid", "PHPSESSID",
                         "_hjSessionUser_1", "ab_test"), hosts=("tracker.example",)),
        visit("only:marketing", ("_fbp", "ab_test", "lupa_consent")),
    )
    data, notes = draft(rec, notice, ["fi", "en"])
    assert "dropped (declared, never seen): cookie kirkas_lang" in notes
    assert any(n.startswith("third-party host tracker.example") for n in notes)
    assert [c["name"] for c in category(data, "preferences")["cookies"]] == []
    assert "hotjar" in category(data, "analytics")["vendors"]
    necessary = [c["name"] for c in category(data, "necessary")["cookies"]]
    assert necessary == ["lupa_consent", "lupa_vid", "PHPSESSID"]  # set without consent
    ab = next(c for c in category(data, "marketing")["cookies"] if c["name"] == "ab_test")
    assert ab["duration"] == {"fi": "90 päivää", "en": "90 days"}
    assert set(ab["purpose"]) == {"fi", "en"}
    # Pasted into the notice in place of its cookie section, it publishes (after review).
    text = toml_out.dumps(data)
    merged = copy.deepcopy(demo_notice())
    merged["cookie_categories"] = tomllib.loads(text)["cookie_categories"]
    for lang in ("sv",):  # the draft speaks the site's languages; the demo has sv too
        for cat in merged["cookie_categories"]:
            for cookie in cat.get("cookies") or []:
                for field in ("duration", "purpose"):
                    if field in cookie:
                        cookie[field].setdefault(lang, cookie[field]["en"])
    load_notice(merged, ["fi", "sv", "en"])
