"""The promise report's marketing promises (issue 4's tables): holds and broken histories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import bearer
from tests.domain.audit.test_tamper import sql
from tests.domain.promises.test_promises import promise, record, report

pytest.importorskip("service.domain.marketing")


# --- marketing (issue 4's tables) -----------------------------------------------------------


def subject(client: Any, demo: dict, email: str) -> str:
    resp = client.post("/api/v1/sites/demo/subjects", json={"email": email},
                       headers=bearer(demo["keys"]["admin"]))
    assert resp.status_code in (200, 201), resp.get_json()
    return str(resp.get_json()["id"])


def permission(client: Any, demo: dict, sid: str, purpose: str, channel: str, state: str,
               **evidence: Any) -> None:
    resp = client.put(f"/api/v1/sites/demo/subjects/{sid}/permissions/{purpose}/{channel}",
                      json={"state": state, "evidence": {"source": "web_form", "notice_version": 1,
                                                         **evidence}},
                      headers=bearer(demo["keys"]["admin"]))
    assert resp.status_code == 200, resp.get_json()


def check(client: Any, demo: dict, email: str) -> str:
    resp = client.post("/api/v1/sites/demo/checks", json={
        "purpose": "newsletter", "channel": "email", "recipients": [email]},
        headers=bearer(demo["keys"]["sender"]))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    return str(body["results"][0]["reason"])


def test_marketing_promises_hold_for_honest_grants_and_checks(client: Any, demo: dict) -> None:
    sid = subject(client, demo, "anna@example.fi")
    permission(client, demo, sid, "newsletter", "email", "granted",
               confirmed_at="2026-01-01T00:00:00Z")
    assert check(client, demo, "anna@example.fi") == "None"
    permission(client, demo, sid, "newsletter", "*", "prohibited")
    assert check(client, demo, "anna@example.fi") == "prohibited"
    body = report(client, demo)
    grants = promise(body, "marketing_grants_have_evidence")
    assert grants["status"] == "holds" and grants["counts"]["grants"] == 1
    contact = promise(body, "no_contact_after_objection")
    assert contact["status"] == "holds" and contact["counts"]["may_contact_answers"] == 1


def test_email_grant_without_double_opt_in_is_broken(client: Any, demo: dict) -> None:
    sid = subject(client, demo, "ville@example.fi")
    permission(client, demo, sid, "newsletter", "email", "granted")
    grants = promise(report(client, demo), "marketing_grants_have_evidence")
    assert grants["status"] == "broken"
    assert grants["counts"]["email_without_double_opt_in"] == 1
    assert "ville" not in str(grants)  # evidence is pseudonymous


def test_grant_without_evidence_is_broken(app: Flask, client: Any, demo: dict) -> None:
    sid = subject(client, demo, "sms@example.fi")
    permission(client, demo, sid, "offers", "sms", "granted")
    sql(app, "UPDATE marketing_events SET source = NULL")
    grants = promise(report(client, demo), "marketing_grants_have_evidence")
    assert grants["status"] == "broken" and grants["counts"]["without_evidence"] == 1


def test_may_contact_after_prohibition_is_broken(app: Flask, client: Any, demo: dict) -> None:
    """A check that said "allowed" although the prohibition was acknowledged before it (as a
    stale cache would): written directly, since the service itself refuses to do it."""
    sid = subject(client, demo, "kielto@example.fi")
    permission(client, demo, sid, "newsletter", "email", "granted",
               confirmed_at="2026-01-01T00:00:00Z")
    assert check(client, demo, "kielto@example.fi") == "None"
    permission(client, demo, sid, "*", "*", "prohibited")
    assert check(client, demo, "kielto@example.fi") == "prohibited"
    later = datetime.now(UTC) + timedelta(seconds=1)
    sql(app, "UPDATE marketing_check_answers SET outcome = 0")
    sql(app, "UPDATE marketing_checks SET created_at = :t WHERE id = (SELECT max(id) FROM "
             "marketing_checks)", t=later.replace(tzinfo=None) if not _pg(app) else later)
    contact = promise(report(client, demo), "no_contact_after_objection")
    assert contact["status"] == "broken" and contact["counts"]["after_objection"] == 1
    assert contact["evidence"][0]["objection"] == "prohibited"


def _pg(app: Flask) -> bool:
    from service.extensions import db

    with app.app_context():
        return bool(db.engine.dialect.name == "postgresql")


def test_report_ignores_other_sites(client: Any, demo: dict, app: Flask) -> None:
    record(client, 2, site="other")
    with app.app_context():
        from service.extensions import db

        n = db.session.execute(sa.text("SELECT count(*) FROM consent_events")).scalar_one()
    assert n == 2
    assert promise(report(client, demo), "consent_before_tracking")["counts"]["events"] == 0
