"""The promise report: for each promise, a history where it holds and one where it is broken."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from tests.conftest import bearer, new_visitor
from tests.domain.audit.test_tamper import edit_payload, record, site_id, sql

REPORT = "/api/v1/sites/demo/reports/promises"


def report(client: Any, demo: dict, query: str = "") -> dict[str, Any]:
    resp = client.get(REPORT + query, headers=bearer(demo["keys"]["auditor"]))
    assert resp.status_code == 200, resp.get_json()
    body: dict[str, Any] = resp.get_json()
    return body


def promise(body: dict[str, Any], key: str) -> dict[str, Any]:
    return next(p for p in body["promises"] if p["key"] == key)


def add_event(app: Flask, *, version: int = 1, choices: dict[str, bool] | None = None,
              method: str = "custom", at: datetime | None = None, audited: bool = False) -> int:
    """A consent event written behind the domain's back (a bug, a script, an import)."""
    from service.domain import audit, sites
    from service.extensions import db
    from service.models import ConsentEvent

    with app.app_context():
        site = sites.get_site("demo")
        event = ConsentEvent(site_id=site.id, visitor_id=new_visitor(), notice_version=version,
                             choices=choices or {"necessary": True, "analytics": True},
                             method=method, created_at=at or datetime.now(UTC))
        db.session.add(event)
        db.session.flush()
        if audited:
            audit.append(site, "visitor", "consent.recorded",
                         {"event": event.id, "notice_version": version, "choices": event.choices,
                          "method": method, "gpc": False}, subject=f"visitor:{event.visitor_id}")
        db.session.commit()
        return int(event.id)


def test_report_holds_for_an_honest_history(client: Any, demo: dict) -> None:
    record(client, 4)
    client.post("/api/v1/sites/demo/consents", json={
        "visitor_id": new_visitor(), "notice_version": 1, "method": "reject_all",
        "choices": {"analytics": False, "marketing": False, "preferences": False}})
    body = report(client, demo)
    assert body["ok"] is True and body["site"] == "demo" and body["notice_version"] == 1
    consent = promise(body, "consent_before_tracking")
    assert consent["status"] == "holds"
    assert consent["counts"]["events"] == 5 and consent["counts"]["refusals"] == 3
    assert promise(body, "chain_verifies")["status"] == "holds"
    assert promise(body, "consent_retention")["status"] == "holds"
    assert promise(body, "consent_retention")["counts"]["months"] == 13
    assert body["summary"]["broken"] == 0
    # the demo notice's own rules over data Lupa does not hold are never "holds"
    assert {p["status"] for p in body["promises"]} <= {"holds", "not_applicable",
                                                      "kept_outside_lupa"}
    assert promise(body, "retention.bookkeeping")["status"] == "kept_outside_lupa"


@pytest.mark.parametrize(("kwargs", "counter"), [
    ({"version": 9, "audited": True}, "no_notice"),
    ({"at": datetime(2000, 1, 1, tzinfo=UTC), "audited": True}, "notice_not_yet_published"),
    ({"method": "reject_all", "audited": True}, "grant_without_choice"),
    ({"method": "gpc", "choices": {"necessary": True, "marketing": True}, "audited": True},
     "grant_without_choice"),
    ({"choices": {"necessary": True, "fingerprinting": True}, "audited": True},
     "unknown_category"),
    ({}, "no_audit_entry"),
])
def test_consent_promise_broken(app: Flask, client: Any, demo: dict, kwargs: dict,
                                counter: str) -> None:
    record(client, 2)
    event = add_event(app, **kwargs)
    body = report(client, demo)
    consent = promise(body, "consent_before_tracking")
    assert consent["status"] == "broken" and body["ok"] is False
    assert consent["counts"][counter] == 1
    assert any(e["event"] == event for e in consent["evidence"])


def test_choice_changed_after_it_was_logged_breaks_the_promise(app: Flask, client: Any,
                                                                demo: dict) -> None:
    record(client, 3)
    sql(app, "UPDATE consent_events SET method='accept_all' WHERE id = (SELECT min(id) FROM "
             "consent_events)")
    consent = promise(report(client, demo), "consent_before_tracking")
    assert consent["status"] == "broken" and consent["counts"]["audit_disagrees"] == 1


def test_period_limits_what_is_examined(app: Flask, client: Any, demo: dict) -> None:
    add_event(app, at=datetime.now(UTC) - timedelta(days=40))  # unaudited, outside the period
    record(client, 2)
    since = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    consent = promise(report(client, demo, f"?since={since}"), "consent_before_tracking")
    assert consent["status"] == "holds" and consent["counts"]["events"] == 2
    assert promise(report(client, demo), "consent_before_tracking")["status"] == "broken"


def test_retention_broken_until_purged(app: Flask, client: Any, runner: Any, demo: dict) -> None:
    old = datetime.now(UTC) - timedelta(days=14 * 31)
    add_event(app, at=old, audited=True)
    kept = promise(report(client, demo), "consent_retention")
    assert kept["status"] == "broken" and kept["counts"]["overdue"] == 1
    res = runner.invoke(args=["retention", "purge", "--site", "demo"])
    assert res.exit_code == 0, res.output
    body = report(client, demo)
    assert promise(body, "consent_retention")["status"] == "holds"
    assert promise(body, "chain_verifies")["status"] == "holds"


def test_tampered_chain_breaks_the_report(app: Flask, client: Any, demo: dict) -> None:
    record(client, 12)
    edit_payload(app, site_id(app))
    body = report(client, demo)
    chain = promise(body, "chain_verifies")
    assert chain["status"] == "broken" and body["ok"] is False
    assert any(e["kind"] == "hash" for e in chain["evidence"])


def test_report_needs_an_auditor_key_of_the_site(client: Any, demo: dict) -> None:
    assert client.get(REPORT).status_code == 401
    for key in (demo["keys"]["admin"], demo["keys"]["sender"], demo["other_keys"]["auditor"]):
        resp = client.get(REPORT, headers=bearer(key))
        assert resp.status_code == 403 and resp.mimetype == "application/problem+json"


@pytest.mark.parametrize("query", ["?since=yesterday", "?until=2026-01-01",
                                   "?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z"])
def test_bad_period_is_a_problem(client: Any, demo: dict, query: str) -> None:
    resp = client.get(REPORT + query, headers=bearer(demo["keys"]["auditor"]))
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json"


def test_cli_report_json_and_html(app: Flask, client: Any, runner: Any, demo: dict,
                                  tmp_path: Any) -> None:
    import json

    record(client, 2)
    res = runner.invoke(args=["report", "promises", "--site", "demo", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["ok"] is True
    out = tmp_path / "report.html"
    res = runner.invoke(args=["report", "promises", "--site", "demo", "--format", "html",
                              "-o", str(out)])
    assert res.exit_code == 0, res.output
    page = out.read_text()
    assert "<html" in page and "consent_before_tracking" in page and "holds" in page
    add_event(app)
    res = runner.invoke(args=["report", "promises", "--site", "demo"])
    assert res.exit_code == 1  # a broken promise makes the command fail, for cron and CI
