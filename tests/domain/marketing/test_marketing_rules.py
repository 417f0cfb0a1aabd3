"""Marketing permission rules, one behaviour per test, through the public API (and the
marketing package's public names where no endpoint reaches a state: pending, confirmed).

Expected values come from docs/marketing.md: precedence prohibited (P/C, P/*, */C, */*) >
restricted > withdrawn > no permission > allowed; prohibiting withdraws the matching grants
and pending double opt-ins; `*` never grants; a change that changes nothing audits nothing.
The demo notice offers purposes newsletter, offers, research, third_party_disclosure,
list_publication, distance_selling on channels email, sms, phone, post.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.marketing_helpers import (
    BASE,
    admin,
    audit_actions,
    check,
    count,
    new_subject,
    put_permission,
    reasons,
)

PURPOSES = ["newsletter", "offers", "research", "third_party_disclosure", "list_publication",
            "distance_selling"]
CHANNELS = ["email", "sms", "phone", "post"]


def view(client: Any, demo: dict, sid: str) -> dict[str, Any]:
    resp = client.get(f"{BASE}/subjects/{sid}", headers=admin(demo))
    assert resp.status_code == 200, resp.get_json()
    return dict(resp.get_json())


def perm(body: dict[str, Any], purpose: str, channel: str) -> dict[str, Any]:
    [row] = [p for p in body["permissions"] if (p["purpose"], p["channel"]) == (purpose, channel)]
    return dict(row)


def answer(body: dict[str, Any], purpose: str, channel: str) -> tuple[bool, str | None]:
    row = perm(body, purpose, channel)
    return row["may_contact"], row["reason"]


def restrict(client: Any, demo: dict, sid: str, kind: str = "restriction") -> None:
    resp = client.post(f"{BASE}/subjects/{sid}/requests", json={"kind": kind},
                       headers=admin(demo))
    assert resp.status_code == 201, resp.get_json()


def marketing_payloads(app: Flask) -> list[dict[str, Any]]:
    from service.extensions import db

    with app.app_context():
        return [json.loads(p) for (p,) in db.session.execute(sa.text(
            "SELECT payload FROM audit_entries WHERE action LIKE 'marketing.%' "
            "AND action != 'marketing.checked' ORDER BY id"))]


def generation(app: Flask) -> int:
    from service.domain import marketing, sites

    with app.app_context():
        return marketing.current_generation(sites.get_site("demo").id)


def set_state(app: Flask, sid: str, purpose: str, channel: str, state: str,
              **evidence: Any) -> bool:
    """A change through the domain (pending / confirmed have no admin endpoint)."""
    from service.domain import marketing, sites
    from service.domain.marketing import subjects
    from service.extensions import db

    with app.app_context():
        site = sites.get_site("demo")
        subject = subjects.get_subject(site, sid)
        changed = marketing.set_permission(site, subject, purpose, channel, state, "test",
                                           marketing.Evidence(source="test", **evidence))
        db.session.commit()
        return bool(changed)


# -- precedence -------------------------------------------------------------------------------

def test_prohibited_and_restricted_subject_is_prohibited(client: Any, demo: dict) -> None:
    sid = new_subject(client, demo, email="pr@example.fi")
    put_permission(client, demo, sid, "newsletter", "email", "granted")
    put_permission(client, demo, sid, "newsletter", "email", "prohibited")
    restrict(client, demo, sid)
    assert reasons(check(client, demo, ["pr@example.fi"])) == ["prohibited"]
    body = view(client, demo, sid)
    assert body["restricted"] is True
    assert answer(body, "newsletter", "email") == (False, "prohibited")
    assert perm(body, "newsletter", "email")["prohibited"] is True
    # the restriction still answers for what is not prohibited
    assert answer(body, "newsletter", "sms") == (False, "restricted")
    assert perm(body, "newsletter", "sms")["prohibited"] is False


def test_restriction_of_a_subject_who_never_granted_is_restricted(client: Any,
                                                                   demo: dict) -> None:
    sid = new_subject(client, demo, email="rn@example.fi")
    restrict(client, demo, sid)
    assert reasons(check(client, demo, ["rn@example.fi"])) == ["restricted"]
    body = view(client, demo, sid)
    assert {answer(body, p, c) for p in PURPOSES for c in CHANNELS} == {(False, "restricted")}


@pytest.mark.parametrize("state", ["granted", "withdrawn"])
def test_restriction_beats_a_grant_and_a_withdrawal(client: Any, demo: dict,
                                                    state: str) -> None:
    sid = new_subject(client, demo, email="rg@example.fi")
    put_permission(client, demo, sid, "newsletter", "email", "granted")
    put_permission(client, demo, sid, "newsletter", "email", state)
    restrict(client, demo, sid)
    assert reasons(check(client, demo, ["rg@example.fi"])) == ["restricted"]
    assert answer(view(client, demo, sid), "newsletter", "email") == (False, "restricted")
    restrict(client, demo, sid, "restriction_lifted")
    expected = None if state == "granted" else "withdrawn"
    assert reasons(check(client, demo, ["rg@example.fi"])) == [expected]
    assert answer(view(client, demo, sid), "newsletter", "email") == (state == "granted",
                                                                       expected)


def test_permissions_view_answers_each_purpose_and_channel(client: Any, demo: dict) -> None:
    sid = new_subject(client, demo, email="v@example.fi")
    put_permission(client, demo, sid, "newsletter", "email", "granted", notice_version=1)
    put_permission(client, demo, sid, "offers", "email", "granted")
    put_permission(client, demo, sid, "offers", "email", "withdrawn")
    put_permission(client, demo, sid, "research", "*", "prohibited")
    body = view(client, demo, sid)
    assert body["restricted"] is False
    assert len(body["permissions"]) == len(PURPOSES) * len(CHANNELS) == 24
    assert answer(body, "newsletter", "email") == (True, None)
    assert answer(body, "newsletter", "sms") == (False, "no_permission")
    assert answer(body, "offers", "email") == (False, "withdrawn")
    for c in CHANNELS:
        assert answer(body, "research", c) == (False, "prohibited")
        assert perm(body, "research", c)["prohibited"] is True
    granted = perm(body, "newsletter", "email")
    assert (granted["state"], granted["source"], granted["notice_version"]) == (
        "granted", "test-form", 1)
    assert granted["granted_at"] and granted["withdrawn_at"] is None
    withdrawn = perm(body, "offers", "email")
    assert withdrawn["state"] == "withdrawn" and withdrawn["withdrawn_at"]
    untouched = perm(body, "newsletter", "sms")
    assert untouched == {"purpose": "newsletter", "channel": "sms", "state": "none",
                         "prohibited": False, "may_contact": False, "reason": "no_permission",
                         "source": None, "notice_version": None, "granted_at": None,
                         "confirmed_at": None, "withdrawn_at": None, "basis": "consent",
                         "allowed_by": None}
    assert perm(body, "newsletter", "email")["allowed_by"] == "consent"
    assert body["prohibitions"] == [{"purpose": "research", "channel": "*"}]


@pytest.mark.parametrize("purpose,channel,hit", [
    ("*", "sms", {("newsletter", "sms"), ("offers", "sms")}),
    ("offers", "*", {("offers", "email"), ("offers", "sms")}),
    ("newsletter", "sms", {("newsletter", "sms")}),
])
def test_a_prohibition_covers_exactly_what_it_names(client: Any, demo: dict, purpose: str,
                                                    channel: str, hit: set) -> None:
    sid = new_subject(client, demo, email="x@example.fi")
    grants = [("newsletter", "email"), ("newsletter", "sms"), ("offers", "email"),
              ("offers", "sms")]
    for p, c in grants:
        put_permission(client, demo, sid, p, c, "granted")
    put_permission(client, demo, sid, purpose, channel, "prohibited")
    for p, c in grants:
        want = "prohibited" if (p, c) in hit else None
        assert reasons(check(client, demo, ["x@example.fi"], p, c)) == [want], (p, c)


# -- what prohibiting does --------------------------------------------------------------------

def test_prohibiting_withdraws_every_matching_grant_and_only_those(client: Any, demo: dict,
                                                                  app: Flask) -> None:
    sid = new_subject(client, demo, email="w@example.fi")
    for p, c in [("newsletter", "email"), ("newsletter", "sms"), ("offers", "email")]:
        put_permission(client, demo, sid, p, c, "granted")
    resp = put_permission(client, demo, sid, "newsletter", "*", "prohibited", source="call")
    assert resp.get_json()["changed"] is True
    body = resp.get_json()
    assert perm(body, "newsletter", "email")["state"] == "withdrawn"
    assert perm(body, "newsletter", "sms")["state"] == "withdrawn"
    assert perm(body, "offers", "email")["state"] == "granted"
    assert marketing_payloads(app)[-1] == {
        "purpose": "newsletter", "channel": "*", "state": "prohibited", "source": "call",
        "notice_version": 1,
        "changes": [["newsletter", "*", "prohibited"], ["newsletter", "email", "withdrawn"],
                    ["newsletter", "sms", "withdrawn"]]}
    put_permission(client, demo, sid, "newsletter", "*", "lifted")
    assert reasons(check(client, demo, ["w@example.fi"])) == ["withdrawn"]
    assert reasons(check(client, demo, ["w@example.fi"], "newsletter", "sms")) == ["withdrawn"]
    assert reasons(check(client, demo, ["w@example.fi"], "offers", "email")) == [None]


def test_prohibiting_withdraws_a_pending_double_opt_in(client: Any, demo: dict,
                                                       app: Flask) -> None:
    sid = new_subject(client, demo, email="p@example.fi")
    assert set_state(app, sid, "newsletter", "email", "pending") is True
    assert perm(view(client, demo, sid), "newsletter", "email")["state"] == "pending"
    assert reasons(check(client, demo, ["p@example.fi"])) == ["no_permission"]
    put_permission(client, demo, sid, "*", "email", "prohibited")
    assert perm(view(client, demo, sid), "newsletter", "email")["state"] == "withdrawn"
    # the mailed link can no longer grant it, even after the prohibition is lifted
    put_permission(client, demo, sid, "*", "email", "lifted")
    assert set_state(app, sid, "newsletter", "email", "confirmed") is False
    assert reasons(check(client, demo, ["p@example.fi"])) == ["withdrawn"]


def test_prohibiting_twice_records_one_prohibition(client: Any, demo: dict,
                                                   app: Flask) -> None:
    sid = new_subject(client, demo, email="t@example.fi")
    put_permission(client, demo, sid, "*", "*", "prohibited")
    before = count(app, "audit_entries")
    resp = put_permission(client, demo, sid, "*", "*", "prohibited")
    assert resp.get_json()["changed"] is False
    assert count(app, "audit_entries") == before
    # a grant recorded while prohibited is withdrawn by prohibiting again
    put_permission(client, demo, sid, "offers", "post", "granted")
    resp = put_permission(client, demo, sid, "*", "*", "prohibited")
    assert resp.get_json()["changed"] is True
    assert marketing_payloads(app)[-1]["changes"] == [["offers", "post", "withdrawn"]]


def test_lifting_a_prohibition_that_does_not_exist_changes_and_audits_nothing(
        client: Any, demo: dict, app: Flask) -> None:
    sid = new_subject(client, demo, email="l@example.fi")
    put_permission(client, demo, sid, "newsletter", "email", "granted")
    put_permission(client, demo, sid, "*", "*", "prohibited")
    before = (count(app, "audit_entries"), count(app, "marketing_events"), generation(app))
    for purpose, channel in [("newsletter", "email"), ("*", "email"), ("offers", "*")]:
        resp = put_permission(client, demo, sid, purpose, channel, "lifted")
        assert resp.status_code == 200 and resp.get_json()["changed"] is False
    assert (count(app, "audit_entries"), count(app, "marketing_events"),
            generation(app)) == before
    assert view(client, demo, sid)["prohibitions"] == [{"purpose": "*", "channel": "*"}]
    assert reasons(check(client, demo, ["l@example.fi"])) == ["prohibited"]


def test_lifting_is_audited_with_its_change(client: Any, demo: dict, app: Flask) -> None:
    sid = new_subject(client, demo, email="la@example.fi")
    put_permission(client, demo, sid, "offers", "sms", "prohibited")
    g = generation(app)
    resp = put_permission(client, demo, sid, "offers", "sms", "lifted", source="letter")
    assert resp.get_json() == {**resp.get_json(), "changed": True, "prohibitions": []}
    assert audit_actions(app)[-1] == "marketing.lifted"
    assert marketing_payloads(app)[-1] == {
        "purpose": "offers", "channel": "sms", "state": "lifted", "source": "letter",
        "notice_version": 1, "changes": [["offers", "sms", "prohibition_lifted"]]}
    assert generation(app) == g + 1
    assert [h["change"] for h in view(client, demo, sid)["history"]] == [
        "prohibited", "prohibition_lifted"]


# -- grants, signups, withdrawals ---------------------------------------------------------------

def test_signing_up_again_keeps_an_existing_grant(client: Any, demo: dict, app: Flask) -> None:
    sid = new_subject(client, demo, email="s@example.fi")
    put_permission(client, demo, sid, "newsletter", "email", "granted")
    before = count(app, "audit_entries")
    resp = client.post(f"{BASE}/signups", json={
        "email": "s@example.fi", "purposes": ["newsletter"], "channels": ["email"],
        "notice_version": 1}, headers={"Origin": "https://shop.example"})
    assert resp.status_code == 202, resp.get_json()
    assert resp.get_json()["requested"] == [["newsletter", "email"]]
    assert count(app, "audit_entries") == before  # nothing pending: no change, no link mailed
    assert perm(view(client, demo, sid), "newsletter", "email")["state"] == "granted"
    assert reasons(check(client, demo, ["s@example.fi"])) == [None]
    # a second signup while pending changes nothing either
    assert set_state(app, sid, "offers", "email", "pending") is True
    assert set_state(app, sid, "offers", "email", "pending") is False


def test_confirming_grants_only_what_is_pending(client: Any, demo: dict, app: Flask) -> None:
    sid = new_subject(client, demo, email="c@example.fi")
    assert set_state(app, sid, "newsletter", "email", "confirmed") is False  # nothing pending
    assert perm(view(client, demo, sid), "newsletter", "email")["state"] == "none"
    set_state(app, sid, "newsletter", "email", "pending")
    g = generation(app)
    assert set_state(app, sid, "newsletter", "email", "confirmed", ip="192.0.2.9") is True
    assert generation(app) == g + 1
    row = perm(view(client, demo, sid), "newsletter", "email")
    assert row["state"] == "granted" and row["confirmed_at"] and row["granted_at"]
    assert reasons(check(client, demo, ["c@example.fi"])) == [None]
    payload = marketing_payloads(app)[-1]
    assert payload["confirmed"] is True and payload["state"] == "confirmed"
    assert payload["changes"] == [["newsletter", "email", "confirmed"]]
    assert set_state(app, sid, "newsletter", "email", "confirmed") is False  # once


def test_pending_is_not_a_grant_and_records_no_confirmation(client: Any, demo: dict,
                                                           app: Flask) -> None:
    sid = new_subject(client, demo, email="pe@example.fi")
    set_state(app, sid, "offers", "sms", "pending")
    row = perm(view(client, demo, sid), "offers", "sms")
    assert (row["state"], row["granted_at"], row["confirmed_at"]) == ("pending", None, None)
    assert answer(view(client, demo, sid), "offers", "sms") == (False, "no_permission")
    assert "confirmed" not in marketing_payloads(app)[-1]


def test_grant_records_its_confirmation_only_when_given(client: Any, demo: dict,
                                                        app: Flask) -> None:
    sid = new_subject(client, demo, email="gc@example.fi")
    put_permission(client, demo, sid, "newsletter", "email", "granted")
    assert "confirmed" not in marketing_payloads(app)[-1]
    assert perm(view(client, demo, sid), "newsletter", "email")["confirmed_at"] is None
    put_permission(client, demo, sid, "offers", "email", "granted",
                   confirmed_at="2026-11-01T10:00:00Z")
    assert marketing_payloads(app)[-1]["confirmed"] is True
    assert perm(view(client, demo, sid), "offers", "email")["confirmed_at"] == \
        "2026-11-01T10:00:00.000000Z"
    put_permission(client, demo, sid, "research", "email", "granted", ip="198.51.100.7")
    assert marketing_payloads(app)[-1]["confirmed"] is False


def test_regranting_clears_the_withdrawal(client: Any, demo: dict) -> None:
    sid = new_subject(client, demo, email="rg2@example.fi")
    put_permission(client, demo, sid, "newsletter", "email", "granted")
    put_permission(client, demo, sid, "newsletter", "email", "withdrawn")
    put_permission(client, demo, sid, "newsletter", "email", "granted")
    row = perm(view(client, demo, sid), "newsletter", "email")
    assert row["state"] == "granted" and row["withdrawn_at"] is None


@pytest.mark.parametrize("purpose,channel", [("*", "email"), ("newsletter", "*"), ("*", "*")])
def test_nothing_is_granted_for_every_purpose_or_channel(client: Any, demo: dict, app: Flask,
                                                         purpose: str, channel: str) -> None:
    sid = new_subject(client, demo, email="any@example.fi")
    before = count(app, "audit_entries")
    resp = put_permission(client, demo, sid, purpose, channel, "granted")
    assert resp.status_code == 422
    assert resp.get_json()["errors"]["state"] == [
        "a permission is granted for one purpose on one channel"]
    assert count(app, "audit_entries") == before


def test_withdrawing_every_purpose_on_one_channel(client: Any, demo: dict, app: Flask) -> None:
    sid = new_subject(client, demo, email="we@example.fi")
    put_permission(client, demo, sid, "newsletter", "sms", "granted")
    put_permission(client, demo, sid, "offers", "email", "granted")
    resp = put_permission(client, demo, sid, "*", "email", "withdrawn")
    body = resp.get_json()
    assert [p for p in PURPOSES if perm(body, p, "email")["state"] == "withdrawn"] == PURPOSES
    assert perm(body, "newsletter", "sms")["state"] == "granted"
    changes = marketing_payloads(app)[-1]["changes"]
    # each purpose of the notice, then the covering row that keeps the objection for
    # purposes the notice adds later
    assert changes == [[p, "email", "withdrawn"] for p in PURPOSES] + [["*", "email", "withdrawn"]]
    # again: every one of them is already withdrawn
    assert put_permission(client, demo, sid, "*", "email", "withdrawn").get_json()[
        "changed"] is False


def test_withdrawing_everything_touches_every_purpose_and_channel(client: Any, demo: dict,
                                                                  app: Flask) -> None:
    sid = new_subject(client, demo, email="wa@example.fi")
    put_permission(client, demo, sid, "offers", "post", "withdrawn")
    put_permission(client, demo, sid, "*", "*", "withdrawn")
    changes = marketing_payloads(app)[-1]["changes"]
    # 6 purposes x 4 channels, less offers/post (already withdrawn), plus the covering row
    assert len(changes) == 24
    assert changes[-1] == ["*", "*", "withdrawn"]


# -- validation -------------------------------------------------------------------------------

@pytest.mark.parametrize("purpose,channel,fields", [
    ("nosuch", "email", {"purpose"}), ("newsletter", "fax", {"channel"}),
    ("nosuch", "fax", {"purpose", "channel"}),
])
def test_purpose_and_channel_must_come_from_the_notice(client: Any, demo: dict, app: Flask,
                                                       purpose: str, channel: str,
                                                       fields: set) -> None:
    sid = new_subject(client, demo, email="val@example.fi")
    before = count(app, "audit_entries")
    for state in ("granted", "withdrawn", "prohibited", "lifted"):
        resp = put_permission(client, demo, sid, purpose, channel, state)
        assert resp.status_code == 422
        assert set(resp.get_json()["errors"]) == fields
    errors = resp.get_json()["errors"]
    if "purpose" in fields:
        assert errors["purpose"] == [
            "must be one of newsletter, offers, research, third_party_disclosure, "
            "list_publication, distance_selling (from the current notice)"]
    if "channel" in fields:
        assert errors["channel"] == ["must be one of email, sms, phone, post (from the current "
                                     "notice)"]
    assert count(app, "audit_entries") == before


@pytest.mark.parametrize("source,ok", [
    ("a", True), ("0form", True), ("web-form_2:x.y", True), ("a" * 64, True),
    ("a" * 65, False), ("Form", False), ("-form", False), ("_x", False), ("form x", False),
    ("form\n", False),  # a final newline is no part of a source ($ would let it through)
    ("lomake-ä", False),
])
def test_evidence_source_rule(client: Any, demo: dict, source: str, ok: bool) -> None:
    sid = new_subject(client, demo, email="src@example.fi")
    resp = put_permission(client, demo, sid, "newsletter", "email", "granted", source=source)
    assert resp.status_code == (200 if ok else 422), resp.get_json()
    if not ok and len(source) <= 64:
        assert resp.get_json()["errors"] == {"evidence": {"source": ["invalid"]}}


def test_evidence_notice_version_must_have_been_published(client: Any, demo: dict,
                                                          app: Flask) -> None:
    sid = new_subject(client, demo, email="nv@example.fi")
    resp = put_permission(client, demo, sid, "newsletter", "email", "granted", notice_version=2)
    assert resp.status_code == 422
    assert resp.get_json()["errors"] == {"evidence": {"notice_version": ["unknown version"]}}
    assert count(app, "marketing_events") == 0


def test_evidence_names_the_notice_version_given_else_the_current(client: Any, demo: dict,
                                                                  app: Flask) -> None:
    from tests.conftest import demo_notice_v2

    resp = client.post(f"{BASE}/notices", json=demo_notice_v2(), headers=admin(demo))
    assert resp.status_code in (200, 201), resp.get_json()
    sid = new_subject(client, demo, email="cur@example.fi")
    put_permission(client, demo, sid, "newsletter", "email", "granted")
    put_permission(client, demo, sid, "offers", "email", "granted", notice_version=1)
    body = view(client, demo, sid)
    assert perm(body, "newsletter", "email")["notice_version"] == 2
    assert perm(body, "offers", "email")["notice_version"] == 1
    assert [h["notice_version"] for h in body["history"]] == [2, 1]
    assert [p["notice_version"] for p in marketing_payloads(app)] == [2, 1]


def test_history_lists_every_change_with_its_evidence(client: Any, demo: dict) -> None:
    sid = new_subject(client, demo, email="hi@example.fi")
    put_permission(client, demo, sid, "newsletter", "email", "granted", source="paper",
                   ip="2001:db8:1234:5678::1")
    put_permission(client, demo, sid, "newsletter", "email", "withdrawn", source="mail")
    history = view(client, demo, sid)["history"]
    assert [{k: h[k] for k in ("purpose", "channel", "change", "source", "notice_version",
                                "ip_prefix", "evidence")} for h in history] == [
        {"purpose": "newsletter", "channel": "email", "change": "granted", "source": "paper",
         "notice_version": 1, "ip_prefix": "2001:db8:1234::/48", "evidence": {}},
        {"purpose": "newsletter", "channel": "email", "change": "withdrawn", "source": "mail",
         "notice_version": 1, "ip_prefix": None, "evidence": {}}]
    assert all(h["actor"].startswith("key:") and h["at"].endswith("Z") for h in history)


def test_every_change_bumps_the_generation_once(client: Any, demo: dict, app: Flask) -> None:
    sid = new_subject(client, demo, email="gen@example.fi")
    g = generation(app)
    put_permission(client, demo, sid, "newsletter", "email", "granted")
    assert generation(app) == g + 1
    put_permission(client, demo, sid, "newsletter", "email", "granted")  # same again: a change
    put_permission(client, demo, sid, "newsletter", "email", "withdrawn")
    assert generation(app) == g + 3
    put_permission(client, demo, sid, "newsletter", "email", "withdrawn")  # nothing changes
    assert generation(app) == g + 3
