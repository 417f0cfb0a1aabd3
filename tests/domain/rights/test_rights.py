"""Data-subject requests: access export, rectification, restriction, erasure by crypto-shredding;
each dated, audited without personal data, and checked by the promise report."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from tests.conftest import bearer
from tests.domain.audit.test_tamper import sql
from tests.domain.promises.test_promises import promise, report

pytest.importorskip("service.domain.marketing")

SITE = "/api/v1/sites/demo"


def admin(demo: dict) -> dict[str, str]:
    return bearer(demo["keys"]["admin"])


def new_subject(client: Any, demo: dict, email: str = "anna@example.fi",
                number: str = "C-1001") -> str:
    resp = client.post(f"{SITE}/subjects", json={"email": email, "customer_number": number},
                       headers=admin(demo))
    assert resp.status_code == 201, resp.get_json()
    return str(resp.get_json()["id"])


def grant(client: Any, demo: dict, sid: str, purpose: str = "newsletter",
          channel: str = "email") -> None:
    resp = client.put(f"{SITE}/subjects/{sid}/permissions/{purpose}/{channel}", json={
        "state": "granted", "evidence": {"source": "web_form", "notice_version": 1,
                                         "confirmed_at": "2026-01-01T00:00:00Z"}},
        headers=admin(demo))
    assert resp.status_code == 200, resp.get_json()


def ask(client: Any, demo: dict, sid: str, **body: Any) -> Any:
    return client.post(f"{SITE}/subjects/{sid}/requests", json=body, headers=admin(demo))


def may_contact(client: Any, demo: dict, email: str) -> Any:
    resp = client.post(f"{SITE}/checks", json={"purpose": "newsletter", "channel": "email",
                                              "recipients": [email]},
                       headers=bearer(demo["keys"]["sender"]))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()["results"][0]


def audit_text(app: Flask) -> str:
    return "\n".join(f"{r[0]} {r[1]} {r[2]}" for r in sql(
        app, "SELECT action, subject, payload FROM audit_entries ORDER BY id"))


def test_access_exports_everything_held_as_portable_json(client: Any, demo: dict,
                                                        app: Flask) -> None:
    sid = new_subject(client, demo)
    grant(client, demo, sid)
    may_contact(client, demo, "anna@example.fi")
    resp = ask(client, demo, sid, kind="access")
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    export = body["export"]
    assert export["format"] == "lupa.subject-export"
    assert export["identifiers"] == {"email": "anna@example.fi", "customer_number": "C-1001"}
    assert any(p["may_contact"] for p in export["permissions"])
    assert export["permission_history"][0]["change"] == "granted"
    assert export["answers_given_to_senders"][0]["may_contact"] is True
    assert {e["action"] for e in export["audit_entries"]} >= {"subject.created",
                                                              "marketing.granted"}
    assert body["request"]["status"] == "completed" and body["request"]["kind"] == "access"
    json.dumps(export)  # portable: plain JSON all the way down
    assert "anna@example.fi" not in audit_text(app)
    assert "rights.access" in audit_text(app)


def test_rectification_replaces_the_identifier(client: Any, demo: dict, app: Flask) -> None:
    from service.domain import marketing, sites

    sid = new_subject(client, demo)
    with app.app_context():
        before = marketing.current_generation(sites.get_site("demo").id)
    resp = ask(client, demo, sid, kind="rectification",
               identifiers={"email": "Anna.Uusi@Example.fi"})
    assert resp.status_code == 201, resp.get_json()
    found = client.post(f"{SITE}/subjects", json={"email": "anna.uusi@example.fi"},
                        headers=admin(demo))
    assert found.status_code == 200 and found.get_json()["id"] == sid
    with app.app_context():  # answers cached (or snapshotted) for the old email are retired
        assert marketing.current_generation(sites.get_site("demo").id) > before
    old = client.post(f"{SITE}/subjects", json={"email": "anna@example.fi"}, headers=admin(demo))
    assert old.status_code == 201 and old.get_json()["id"] != sid
    assert "uusi" not in audit_text(app).lower()


def test_rectification_to_another_subjects_identifier_is_a_conflict(client: Any,
                                                                    demo: dict) -> None:
    sid = new_subject(client, demo)
    new_subject(client, demo, "ville@example.fi", "C-1002")
    before = client.get(f"{SITE}/subjects/{sid}/requests", headers=admin(demo)).get_json()
    resp = ask(client, demo, sid, kind="rectification", identifiers={"email": "ville@example.fi"})
    assert resp.status_code == 409 and resp.mimetype == "application/problem+json"
    after = client.get(f"{SITE}/subjects/{sid}/requests", headers=admin(demo)).get_json()
    assert after == before  # nothing recorded, nothing changed


def test_restriction_makes_checks_answer_restricted_until_lifted(client: Any,
                                                                 demo: dict) -> None:
    sid = new_subject(client, demo)
    grant(client, demo, sid)
    assert may_contact(client, demo, "anna@example.fi")["may_contact"] is True
    assert ask(client, demo, sid, kind="restriction").status_code == 201
    answer = may_contact(client, demo, "anna@example.fi")
    assert answer["may_contact"] is False and answer["reason"] == "restricted"
    assert ask(client, demo, sid, kind="restriction_lifted").status_code == 201
    assert may_contact(client, demo, "anna@example.fi")["may_contact"] is True


def test_erasure_shreds_identifiers_and_the_chain_still_verifies(
    client: Any, demo: dict, app: Flask, runner: Any
) -> None:
    sid = new_subject(client, demo)
    grant(client, demo, sid)
    assert may_contact(client, demo, "anna@example.fi")["may_contact"] is True
    resp = ask(client, demo, sid, kind="erasure")
    assert resp.status_code == 201, resp.get_json()
    outcome = resp.get_json()["request"]["outcome"]
    assert outcome["key_destroyed"] and outcome["identifiers_removed"] == 2
    assert outcome["permissions_withdrawn"] == 1
    assert sql(app, "SELECT count(*) FROM subject_identifiers")[0][0] == 0
    assert sql(app, "SELECT count(*) FROM subject_keys")[0][0] == 0
    answer = may_contact(client, demo, "anna@example.fi")
    assert answer["may_contact"] is False
    detail = client.get(f"{SITE}/subjects/{sid}", headers=admin(demo)).get_json()
    assert detail["identifiers"] == {}
    assert ask(client, demo, sid, kind="restriction").status_code == 409
    export = ask(client, demo, sid, kind="access").get_json()["export"]
    assert export["subject"]["erased"] is True and export["identifiers"] == {}
    res = runner.invoke(args=["audit", "verify", "--site", "demo"])
    assert res.exit_code == 0, res.output
    text = audit_text(app)
    assert "anna" not in text.lower() and "C-1001" not in text
    assert f"subject:{sid}" in text  # the history stays, pseudonymous


@pytest.mark.parametrize(("body", "status"), [
    ({"kind": "forget_me"}, 422),
    ({"kind": "rectification"}, 422),
    ({"kind": "access", "identifiers": {"email": "x@example.fi"}}, 422),
    ({"kind": "rectification", "identifiers": {"email": "not-an-email"}}, 422),
    ({"kind": "access", "received_at": "2999-01-01T00:00:00Z"}, 422),
    ({"kind": "access", "received_at": "yesterday"}, 422),
])
def test_bad_requests_are_problems_and_change_nothing(client: Any, demo: dict, app: Flask,
                                                      body: dict, status: int) -> None:
    sid = new_subject(client, demo)
    before = sql(app, "SELECT count(*) FROM audit_entries")[0][0]
    resp = ask(client, demo, sid, **body)
    assert resp.status_code == status and resp.mimetype == "application/problem+json"
    assert sql(app, "SELECT count(*) FROM subject_requests")[0][0] == 0
    assert sql(app, "SELECT count(*) FROM audit_entries")[0][0] == before


def test_requests_need_an_admin_key_of_the_site(client: Any, demo: dict) -> None:
    sid = new_subject(client, demo)
    for key in (demo["keys"]["sender"], demo["keys"]["auditor"], demo["other_keys"]["admin"]):
        assert client.post(f"{SITE}/subjects/{sid}/requests", json={"kind": "access"},
                           headers=bearer(key)).status_code == 403
    other = client.post("/api/v1/sites/other/subjects/" + sid + "/requests",
                        json={"kind": "access"}, headers=bearer(demo["other_keys"]["admin"]))
    assert other.status_code == 404  # the subject is not the other site's


def test_request_deadline_promise(client: Any, demo: dict) -> None:
    sid = new_subject(client, demo)
    ask(client, demo, sid, kind="access",
        received_at=(datetime.now(UTC) - timedelta(days=10)).isoformat())
    body = report(client, demo)
    deadline = promise(body, "requests_answered_in_time")
    assert deadline["status"] == "holds" and deadline["counts"]["requests"] == 1
    late = (datetime.now(UTC) - timedelta(days=45)).isoformat()
    assert ask(client, demo, sid, kind="restriction", received_at=late).status_code == 201
    deadline = promise(report(client, demo), "requests_answered_in_time")
    assert deadline["status"] == "broken" and deadline["counts"]["late"] == 1
    listed = client.get(f"{SITE}/requests", headers=bearer(demo["keys"]["auditor"])).get_json()
    assert [r["kind"] for r in listed["requests"]] == ["access", "restriction"]
    assert client.get(f"{SITE}/requests?open=true",
                      headers=admin(demo)).get_json()["requests"] == []
