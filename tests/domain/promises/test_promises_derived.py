"""The promise list derived from the notice in force (issue 12, item 3): one promise per
retention rule and per cookie category of type analytics or marketing, each with the place in
the notice it checks and the notice's own sentence; rules over data Lupa does not hold are
`kept_outside_lupa`, "as long as needed" rules `not_checkable`, never `holds`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.domain.audit.test_tamper import record, sql
from tests.domain.promises.test_promises import add_event, promise, report

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "notices"
LUPA_HELD = ["consent_retention", "evidence_retention", "retention.checks",
             "retention.audit_payload"]


def test_demo_notice_gives_one_promise_per_retention_rule_in_its_order(client: Any,
                                                                       demo: dict) -> None:
    body = report(client, demo)
    retention = [p for p in body["promises"] if p["notice"].startswith("retention.")]
    assert [p["notice"] for p in retention] == [
        "retention.visitor_consent", "retention.marketing_evidence", "retention.checks",
        "retention.audit_payload", "retention.customer_records", "retention.recruitment",
        "retention.household_deduction", "retention.bookkeeping"]
    assert [p["key"] for p in retention[:4]] == LUPA_HELD
    assert [p["status"] for p in retention] == ["holds"] * 4 + ["kept_outside_lupa"] * 4
    assert promise(body, "retention.checks")["counts"] == {"months": 24, "overdue": 0}
    assert promise(body, "retention.audit_payload")["counts"] == {"months": 72, "overdue": 0}
    bookkeeping = promise(body, "retention.bookkeeping")
    assert bookkeeping["sentence"] == (
        "Kirjanpitoaineisto, kuten laskut ja tositteet, säilytetään kirjanpitolain mukaisesti "
        "6 vuotta sen vuoden lopusta, jonka aikana tilikausi päättyi.")
    assert bookkeeping["counts"] == {} and bookkeeping["evidence"] == []
    assert body["summary"]["kept_outside_lupa"] == 4 and body["ok"] is True


def test_one_consent_promise_per_analytics_and_marketing_category(app: Flask, client: Any,
                                                                  demo: dict) -> None:
    body = report(client, demo)
    keys = [p["key"] for p in body["promises"] if p["notice"].startswith("cookie_categories")]
    # demo categories: necessary, preferences, analytics, marketing (types alike)
    assert keys == ["consent_before_tracking", "consent_before_tracking.analytics",
                    "consent_before_tracking.marketing", "cookies_observed_live"]
    assert promise(body, "consent_before_tracking.analytics")["status"] == "not_applicable"
    assert promise(body, "consent_before_tracking.analytics")["sentence"].startswith(
        "Analytiikkaevästeet")
    record(client, 2)
    event = add_event(app, method="reject_all", audited=True,
                      choices={"necessary": True, "analytics": True, "marketing": False})
    body = report(client, demo)
    analytics = promise(body, "consent_before_tracking.analytics")
    assert analytics["status"] == "broken" and analytics["counts"]["grants_with_problems"] == 1
    assert analytics["evidence"][0]["event"] == event
    marketing = promise(body, "consent_before_tracking.marketing")
    assert marketing["status"] == "holds" and marketing["counts"]["refusals"] >= 1


def test_lupa_held_rule_broken_when_its_data_is_overdue(app: Flask, client: Any,
                                                        demo: dict) -> None:
    record(client, 2)
    old = datetime.now(UTC) - timedelta(days=73 * 31)
    sql(app, "UPDATE audit_entries SET created_at = :t", t=old)
    payload = promise(report(client, demo), "retention.audit_payload")
    assert payload["status"] == "broken" and payload["counts"]["overdue"] >= 2


# each example notice: its own retention rules and cookie categories, by their keys
SEEDS: dict[str, dict[str, Any]] = {
    "000-puhtix.toml": {
        "retention": {"retention.customer_data": "not_checkable",
                      "retention.recruitment": "kept_outside_lupa",
                      "retention.household_deduction": "kept_outside_lupa",
                      "retention.bookkeeping": "kept_outside_lupa"},
        "categories": ["statistics", "facebook_pixel"],
        "transfers": "not_applicable",  # no transfers section, though GA4 and Meta are in US
    },
    # 001-003: conditional transfer wording, no `outside_eea`
    "001-esiivo.toml": {"retention": {"retention.customer_data": "kept_outside_lupa"},
                        "categories": ["statistics"], "transfers": "not_checkable"},
    "002-lumiservice.toml": {"retention": {"retention.customer_data": "kept_outside_lupa"},
                             "categories": ["statistics"], "transfers": "not_checkable"},
    "003-purespace.toml": {"retention": {"retention.customer_data": "not_checkable"},
                           "categories": [], "transfers": "not_checkable"},
    "004-hohde.toml": {"retention": {}, "categories": [], "transfers": "not_applicable"},
}


PROHIBITIONS = {"000-puhtix.toml": [],
                "001-esiivo.toml": ["direct_marketing", "distance_selling", "market_research",
                                    "address_disclosure", "list_publication"],
                "003-purespace.toml": ["direct_marketing"],
                "004-hohde.toml": ["direct_marketing", "address_disclosure"]}
PROHIBITIONS["002-lumiservice.toml"] = PROHIBITIONS["001-esiivo.toml"]
# each seed's marketing purposes, as the original notices state them
PURPOSES = {"000-puhtix.toml": ["customer_letters", "newsletter"],
            "001-esiivo.toml": ["list_publication"],
            "002-lumiservice.toml": ["list_publication"],
            "003-purespace.toml": ["newsletter", "bulletins", "direct_marketing"],
            "004-hohde.toml": ["direct_marketing"]}


def seed_report(app: Flask, runner: Any, file: str) -> dict[str, Any]:
    from service.domain import promises, sites
    from service.extensions import db

    with app.app_context():
        sites.create_site("seed", "Seed Oy", ["https://seed.example"], "test", ["fi"])
        db.session.commit()
    res = runner.invoke(args=["notice", "publish", "--site", "seed", str(EXAMPLES / file)])
    assert res.exit_code == 0, res.output
    with app.app_context():
        return promises.promise_report(sites.get_site("seed"))


def test_every_example_notice_is_here() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.toml")) == sorted(SEEDS)


@pytest.mark.parametrize("file", sorted(SEEDS))
def test_example_notice_report_lists_its_own_promises(app: Flask, runner: Any,
                                                      file: str) -> None:
    body = seed_report(app, runner, file)
    expected = SEEDS[file]
    got = {p["key"]: p["status"] for p in body["promises"]
           if p["notice"].startswith("retention.")}
    assert got == expected["retention"]
    assert [p["notice"] for p in body["promises"]
            if p["notice"].startswith("cookie_categories.")] == [
        f"cookie_categories.{k}" for k in expected["categories"]]
    transfers = promise(body, "no_undeclared_transfers")
    assert transfers["status"] == expected["transfers"]
    assert [p["notice"] for p in body["promises"] if p["key"].startswith("prohibition.")] == [
        f"marketing.prohibitions.{k}" for k in PROHIBITIONS[file]]
    marketing = [p for p in body["promises"] if p["key"].startswith("marketing.")]
    assert [p["notice"] for p in marketing] == [
        f"marketing.purposes.{k}" for k in PURPOSES[file]]
    assert all(p["sentence"] and p["status"] == "not_applicable" for p in marketing)
    # the seeds say who has access in their words on electronic data: stated, not checkable
    access = promise(body, "access_by_role")
    assert (access["status"], access["notice"]) == ("not_checkable", "security.electronic")
    assert all(p["sentence"] for p in body["promises"] if p["notice"].startswith("retention."))
    assert body["ok"] is True and "holds" not in got.values()
