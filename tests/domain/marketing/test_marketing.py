"""Subjects and marketing permissions: identifiers at rest, state transitions, precedence,
evidence, audit in the same transaction, and bad input."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import PG_URL
from tests.marketing_helpers import (
    BASE,
    admin,
    audit_actions,
    check,
    count,
    new_subject,
    put_permission,
    reasons,
    sender,
)


def test_subject_found_again_by_any_normalised_identifier(client: Any, demo: dict) -> None:
    resp = client.post(f"{BASE}/subjects", json={"email": "  Anna.Virtanen@Example.FI ",
                                                  "phone": "040 123 4567"}, headers=admin(demo))
    assert resp.status_code == 201
    sid = resp.get_json()["id"]
    again = client.post(f"{BASE}/subjects", json={"phone": "+358401234567"}, headers=admin(demo))
    assert again.status_code == 200 and again.get_json() == {
        "id": sid, "created": False, "identifier_kinds": ["email", "phone"]}
    by_mail = client.post(f"{BASE}/subjects", json={"email": "anna.virtanen@example.fi",
                                                    "customer_number": "c-1001"},
                          headers=admin(demo))
    assert by_mail.get_json()["id"] == sid
    detail = client.get(f"{BASE}/subjects/{sid}", headers=admin(demo)).get_json()
    assert detail["identifiers"] == {"email": "anna.virtanen@example.fi",
                                     "phone": "+358401234567", "customer_number": "C-1001"}


def test_identifiers_are_not_readable_in_the_database_or_audit(app: Flask, client: Any,
                                                               demo: dict) -> None:
    new_subject(client, demo, email="secret.person@example.fi", phone="0401112222")
    from service.extensions import db

    with app.app_context():
        blobs = db.session.execute(sa.text("SELECT lookup_hash, ciphertext FROM "
                                           "subject_identifiers")).all()
        audit_text = " ".join(r[0] for r in db.session.execute(
            sa.text("SELECT payload || coalesce(subject, '') FROM audit_entries")))
    assert len(blobs) == 2
    for lookup, cipher in blobs:
        for needle in (b"secret.person", b"401112222"):
            assert needle not in bytes(lookup) and needle not in bytes(cipher)
    assert "secret.person" not in audit_text and "401112222" not in audit_text


def test_same_email_on_two_sites_gives_two_subjects_and_keys_stay_in_their_site(
        client: Any, demo: dict) -> None:
    sid = new_subject(client, demo, email="x@example.fi")
    other = client.post("/api/v1/sites/other/subjects", json={"email": "x@example.fi"},
                        headers={"Authorization": f"Bearer {demo['other_keys']['admin']}"})
    assert other.status_code == 201 and other.get_json()["id"] != sid
    foreign = client.get(f"/api/v1/sites/other/subjects/{sid}",
                         headers={"Authorization": f"Bearer {demo['other_keys']['admin']}"})
    assert foreign.status_code == 404
    assert client.get(f"{BASE}/subjects/{sid}", headers=sender(demo)).status_code == 403


def test_identifiers_of_two_subjects_conflict(client: Any, demo: dict, app: Flask) -> None:
    new_subject(client, demo, email="a@example.fi")
    new_subject(client, demo, phone="+358501234567")
    before = count(app, "subject_identifiers"), count(app, "audit_entries")
    resp = client.post(f"{BASE}/subjects", json={"email": "a@example.fi",
                                                  "phone": "+358501234567"}, headers=admin(demo))
    assert resp.status_code == 409
    assert resp.headers["Content-Type"] == "application/problem+json"
    assert (count(app, "subject_identifiers"), count(app, "audit_entries")) == before


@pytest.mark.parametrize("body", [
    {}, {"email": "not-an-email"}, {"phone": "12345"}, {"phone": "+35840abc"},
    {"customer_number": "has space"}, {"email": 5}, {"email": "a@b.fi", "extra": 1},
    {"email": "x" * 400 + "@example.fi"}, [], "text",
])
def test_bad_subject_input_is_422_and_changes_nothing(client: Any, demo: dict, app: Flask,
                                                      body: Any) -> None:
    before = count(app, "subjects"), count(app, "audit_entries")
    resp = client.post(f"{BASE}/subjects", json=body, headers=admin(demo))
    assert resp.status_code == 422, resp.get_json()
    assert resp.headers["Content-Type"] == "application/problem+json"
    assert "@" not in resp.get_data(as_text=True).replace("@example.fi", "")
    assert (count(app, "subjects"), count(app, "audit_entries")) == before


def test_grant_then_withdraw_then_grant_again(client: Any, demo: dict) -> None:
    sid = new_subject(client, demo, email="anna@example.fi")
    assert reasons(check(client, demo, ["anna@example.fi"])) == ["no_permission"]
    resp = put_permission(client, demo, sid, "newsletter", "email", "granted", notice_version=1)
    assert resp.status_code == 200 and resp.get_json()["changed"] is True
    assert reasons(check(client, demo, ["anna@example.fi"])) == [None]
    put_permission(client, demo, sid, "newsletter", "email", "withdrawn")
    assert reasons(check(client, demo, ["anna@example.fi"])) == ["withdrawn"]
    put_permission(client, demo, sid, "newsletter", "email", "granted")
    assert reasons(check(client, demo, ["anna@example.fi"])) == [None]


def test_permission_is_per_purpose_and_per_channel(client: Any, demo: dict) -> None:
    sid = new_subject(client, demo, email="b@example.fi")
    put_permission(client, demo, sid, "newsletter", "email", "granted")
    assert reasons(check(client, demo, ["b@example.fi"], "offers", "email")) == ["no_permission"]
    assert reasons(check(client, demo, ["b@example.fi"], "newsletter", "sms")) == \
        ["no_permission"]


@pytest.mark.parametrize("purpose,channel", [("newsletter", "email"), ("newsletter", "*"),
                                             ("*", "email"), ("*", "*")])
def test_prohibition_beats_a_grant_until_lifted(client: Any, demo: dict, purpose: str,
                                                channel: str) -> None:
    sid = new_subject(client, demo, email="c@example.fi")
    put_permission(client, demo, sid, "newsletter", "email", "granted")
    resp = put_permission(client, demo, sid, purpose, channel, "prohibited")
    assert resp.status_code == 200
    assert {"purpose": purpose, "channel": channel} in resp.get_json()["prohibitions"]
    assert reasons(check(client, demo, ["c@example.fi"])) == ["prohibited"]
    # A grant given while the prohibition stands is recorded but does not win.
    put_permission(client, demo, sid, "newsletter", "email", "granted", source="shop-form")
    assert reasons(check(client, demo, ["c@example.fi"])) == ["prohibited"]
    resp = put_permission(client, demo, sid, purpose, channel, "lifted")
    assert resp.get_json()["changed"] is True and resp.get_json()["prohibitions"] == []
    assert reasons(check(client, demo, ["c@example.fi"])) == [None]


def test_prohibiting_withdraws_earlier_grants_so_lifting_does_not_revive_them(
        client: Any, demo: dict) -> None:
    sid = new_subject(client, demo, email="d@example.fi")
    put_permission(client, demo, sid, "offers", "email", "granted")
    put_permission(client, demo, sid, "*", "*", "prohibited")
    put_permission(client, demo, sid, "*", "*", "lifted")
    assert reasons(check(client, demo, ["d@example.fi"], "offers")) == ["withdrawn"]


def test_lifting_one_prohibition_leaves_a_wider_one_in_force(client: Any, demo: dict) -> None:
    sid = new_subject(client, demo, email="e@example.fi")
    put_permission(client, demo, sid, "*", "*", "prohibited")
    put_permission(client, demo, sid, "newsletter", "email", "prohibited")
    put_permission(client, demo, sid, "newsletter", "email", "lifted")
    put_permission(client, demo, sid, "newsletter", "email", "granted")
    assert reasons(check(client, demo, ["e@example.fi"])) == ["prohibited"]


def test_withdraw_everything_expands_to_every_purpose_and_channel_of_the_notice(
        client: Any, demo: dict) -> None:
    sid = new_subject(client, demo, email="f@example.fi")
    put_permission(client, demo, sid, "offers", "sms", "granted")
    resp = put_permission(client, demo, sid, "*", "*", "withdrawn")
    perms = resp.get_json()["permissions"]
    assert perms and all(p["state"] == "withdrawn" and not p["may_contact"] for p in perms)


def test_repeated_state_changes_nothing_and_audits_nothing(client: Any, demo: dict,
                                                           app: Flask) -> None:
    sid = new_subject(client, demo, email="g@example.fi")
    put_permission(client, demo, sid, "newsletter", "email", "withdrawn")
    before = count(app, "audit_entries")
    resp = put_permission(client, demo, sid, "newsletter", "email", "withdrawn")
    assert resp.status_code == 200 and resp.get_json()["changed"] is False
    assert count(app, "audit_entries") == before


def test_each_change_is_audited_with_evidence_and_history(client: Any, demo: dict,
                                                          app: Flask) -> None:
    sid = new_subject(client, demo, email="h@example.fi")
    put_permission(client, demo, sid, "newsletter", "email", "granted", source="paper-form",
                   notice_version=1, ip="192.0.2.77", confirmed_at="2026-11-01T10:00:00Z")
    put_permission(client, demo, sid, "newsletter", "*", "prohibited", source="phone-call")
    actions = audit_actions(app)
    assert actions[-2:] == ["marketing.granted", "marketing.prohibited"]
    detail = client.get(f"{BASE}/subjects/{sid}", headers=admin(demo)).get_json()
    changes = [(h["change"], h["source"]) for h in detail["history"]]
    assert changes == [("granted", "paper-form"), ("prohibited", "phone-call"),
                       ("withdrawn", "phone-call")]
    assert detail["history"][0]["ip_prefix"] == "192.0.2.0/24"
    assert detail["history"][0]["notice_version"] == 1
    from service.extensions import db

    with app.app_context():
        payloads = [p for (p,) in db.session.execute(sa.text(
            "SELECT payload FROM audit_entries WHERE action LIKE 'marketing.%'"))]
        subjects_ = {s for (s,) in db.session.execute(sa.text(
            "SELECT subject FROM audit_entries WHERE action LIKE 'marketing.%'"))}
    assert subjects_ == {f"subject:{sid}"}
    assert all("192.0.2" not in p for p in payloads)


def test_a_failing_audit_append_rolls_back_the_permission_change(client: Any, demo: dict,
                                                                 app: Flask) -> None:
    sid = new_subject(client, demo, email="i@example.fi")
    from service.domain import audit

    original = audit.append

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    audit.append = broken  # type: ignore[assignment]
    try:
        resp = put_permission(client, demo, sid, "newsletter", "email", "granted")
    finally:
        audit.append = original  # type: ignore[assignment]
    assert resp.status_code == 500
    assert count(app, "marketing_permissions") == 0 and count(app, "marketing_events") == 0
    assert reasons(check(client, demo, ["i@example.fi"])) == ["no_permission"]


@pytest.mark.parametrize("purpose,channel,body", [
    ("unknown", "email", {"state": "granted", "evidence": {"source": "x"}}),
    ("newsletter", "fax", {"state": "granted", "evidence": {"source": "x"}}),
    ("*", "email", {"state": "granted", "evidence": {"source": "x"}}),
    ("newsletter", "email", {"state": "maybe", "evidence": {"source": "x"}}),
    ("newsletter", "email", {"state": "granted"}),
    ("newsletter", "email", {"state": "granted", "evidence": {"source": "anna@example.fi"}}),
    ("newsletter", "email", {"state": "granted", "evidence": {"source": "x",
                                                              "notice_version": 99}}),
    ("newsletter", "email", {"state": "granted", "evidence": {"source": "x",
                                                              "confirmed_at": "yesterday"}}),
    ("newsletter", "email", {"state": "granted", "evidence": {"source": "x"}, "extra": True}),
])
def test_bad_permission_input_is_422_and_changes_nothing(client: Any, demo: dict, app: Flask,
                                                         purpose: str, channel: str,
                                                         body: dict) -> None:
    sid = new_subject(client, demo, email="j@example.fi")
    before = count(app, "marketing_events"), count(app, "audit_entries")
    resp = client.put(f"{BASE}/subjects/{sid}/permissions/{purpose}/{channel}", json=body,
                      headers=admin(demo))
    assert resp.status_code == 422, resp.get_json()
    assert resp.headers["Content-Type"] == "application/problem+json"
    assert (count(app, "marketing_events"), count(app, "audit_entries")) == before


def test_unknown_subject_is_404(client: Any, demo: dict) -> None:
    for sid in ("00000000-0000-0000-0000-000000000000", "not-a-uuid"):
        resp = put_permission(client, demo, sid, "newsletter", "email", "granted")
        assert resp.status_code == 404


def test_purposes_and_channels_follow_the_current_notice(client: Any, demo: dict,
                                                         app: Flask) -> None:
    from service.domain import notices, sites
    from service.extensions import db
    from tests.conftest import demo_notice

    data = demo_notice()
    data["marketing"]["purposes"] = [p for p in data["marketing"]["purposes"]
                                     if p["key"] != "research"]
    data["marketing"]["channels"] = ["email"]
    with app.app_context():
        notices.publish_notice(sites.get_site("demo"), data, "test")
        db.session.commit()
    sid = new_subject(client, demo, email="k@example.fi")
    assert put_permission(client, demo, sid, "research", "email", "granted").status_code == 422
    assert put_permission(client, demo, sid, "offers", "sms", "granted").status_code == 422
    assert put_permission(client, demo, sid, "offers", "email", "granted").status_code == 200


def test_openapi_documents_the_marketing_endpoints(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    for path in ("/api/v1/sites/{site}/subjects",
                 "/api/v1/sites/{site}/subjects/{subject_id}/permissions/{purpose}/{channel}",
                 "/api/v1/sites/{site}/subjects/{subject_id}/answers",
                 "/api/v1/sites/{site}/checks", "/api/v1/sites/{site}/suppressions",
                 "/api/v1/sites/{site}/optouts", "/api/v1/sites/{site}/unsubscribe-links",
                 "/api/v1/sites/{site}/signups"):
        assert path in paths, path
    assert "application/x-ndjson" in paths["/api/v1/sites/{site}/checks"]["post"][
        "requestBody"]["content"]


@pytest.mark.skipif(not PG_URL, reason="concurrent writers need PostgreSQL")
def test_concurrent_changes_of_one_subject_are_serialised(app: Flask, client: Any,
                                                          demo: dict) -> None:
    """Eight admins prohibit at once a subject with no permission rows yet: every request is
    answered (the losers see "no change", not a unique-key 500) and exactly one is audited."""
    sid = new_subject(client, demo, email="kiistelty@example.fi")
    start = threading.Barrier(8)
    answers: list[Any] = []

    def worker() -> None:
        c = app.test_client()
        start.wait()
        resp = put_permission(c, demo, sid, "*", "*", "prohibited", source="race")
        answers.append((resp.status_code, resp.get_json().get("changed")))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [(200, False)] * 7 + [(200, True)]
    assert audit_actions(app).count("marketing.prohibited") == 1
