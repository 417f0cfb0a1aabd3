"""Transfers (issue 12, item 3): "no transfers outside the EU/EEA" is checked against the
countries of the vendors the notice itself declares; with transfers declared, those vendors'
countries must be among the declared ones."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.conftest import demo_notice
from tests.domain.promises.test_promises import promise, report

GA4 = "Google Analytics 4 (Google Ireland Limited / Google LLC)"  # IE, US in vendors.toml


def publish(app: Flask, transfers: dict[str, Any] | None, *, own_cookie_country: str = ""
            ) -> None:
    from service.domain import notices, sites
    from service.extensions import db

    data = demo_notice()
    if transfers is None:
        del data["transfers"]
    else:
        data["transfers"] = transfers
    for category in data["cookie_categories"]:
        # GA4 is the only vendor declared (not the demo's YouTube and Google Maps): the
        # evidence below is about it alone.
        category.pop("vendors", None)
        if category["key"] == "analytics":
            category["vendors"] = ["google_analytics_4"]
            if own_cookie_country:
                category["cookies"][0]["country"] = own_cookie_country
    with app.app_context():
        notices.publish_notice(sites.get_site("demo"), data, "test")
        db.session.commit()


def test_demo_notice_declares_the_transfers_of_its_vendors(client: Any, demo: dict) -> None:
    # The demo's marketing category lists YouTube and Google Maps (IE, US in vendors.toml);
    # its transfers name the US.
    transfers = promise(report(client, demo), "no_undeclared_transfers")
    assert transfers["status"] == "holds" and transfers["notice"] == "transfers"
    assert transfers["counts"] == {"vendor_countries_outside_eea": 2, "undeclared": 0}
    assert "YouTube" in transfers["summary"] and "Google Maps" in transfers["summary"]
    assert transfers["sentence"].startswith("Emme siirrä rekisterin tietoja EU:n")


def test_no_transfers_stated_but_a_vendor_in_the_us_is_broken(app: Flask, client: Any,
                                                                demo: dict) -> None:
    publish(app, {"outside_eea": False}, own_cookie_country="CH")
    body = report(client, demo)
    transfers = promise(body, "no_undeclared_transfers")
    assert transfers["status"] == "broken" and body["ok"] is False
    assert transfers["sentence"] == "Tietoja ei siirretä EU:n tai ETA:n ulkopuolelle."
    pairs = sorted((e["vendor"], e["country"]) for e in transfers["evidence"])
    assert ("CH" in [c for _, c in pairs]) and (GA4, "US") in pairs
    assert all(e["category"] == "analytics" for e in transfers["evidence"])
    assert transfers["counts"]["undeclared"] == 2


@pytest.mark.parametrize(("countries", "status"), [(["US"], "holds"), (["CH"], "broken")])
def test_declared_transfers_must_cover_the_vendors_countries(
        app: Flask, client: Any, demo: dict, countries: list[str], status: str) -> None:
    publish(app, {"outside_eea": True, "countries": [
        {"country": c, "safeguard": "standard_contractual_clauses"} for c in countries]})
    transfers = promise(report(client, demo), "no_undeclared_transfers")
    assert transfers["status"] == status
    if status == "broken":
        assert [(e["vendor"], e["country"]) for e in transfers["evidence"]] == [(GA4, "US")]


def test_conditional_or_absent_transfers_are_not_judged(app: Flask, client: Any,
                                                        demo: dict) -> None:
    publish(app, {"text": {"fi": "Tietoja ei siirretä, ellei ...", "sv": "...", "en": "..."}})
    transfers = promise(report(client, demo), "no_undeclared_transfers")
    assert transfers["status"] == "not_checkable" and GA4 in transfers["summary"]
    publish(app, None)
    assert promise(report(client, demo), "no_undeclared_transfers")["status"] == "not_applicable"
