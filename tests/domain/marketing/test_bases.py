"""Marketing purposes by basis (docs/marketing.md "Bases"), customer relationships and the
kinds of prohibition: values written from the rules.

- consent: only with a grant;
- customer_relationship (soft opt-in): a customer whose relationship is active today (started
  on or before today, no end or an end after today) may be contacted until they object;
- unless_prohibited: anyone known may be, until they prohibit it;
- a prohibition (of P, C, `*`, or a kind that covers P on C), a restriction or a withdrawal
  stops every basis; a grant is a consent whatever the basis.
Kinds: direct_marketing covers everything; distance_selling every purpose by phone and the
distance-selling purpose on every channel; market_research the research purpose;
address_disclosure the disclosure purpose; list_publication the list purpose."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from tests.conftest import demo_notice
from tests.marketing_helpers import BASE, admin, audit_actions, check, new_subject, put_permission

TODAY_PLUS = {"past": -400, "yesterday": -1, "today": 0, "tomorrow": 1}


def _day(name: str | None) -> str | None:
    from service.domain.marketing import relationships

    return None if name is None else (relationships.today()
                                      + timedelta(days=TODAY_PLUS[name])).isoformat()


def bases_notice() -> dict[str, Any]:
    """The demo notice with the seeds' bases: newsletters to customers (soft opt-in),
    offers and research by consent, disclosure and list publication unless prohibited;
    every kind of prohibition offered."""
    data = demo_notice()
    bases = {"newsletter": "customer_relationship", "third_party_disclosure": "unless_prohibited",
             "list_publication": "unless_prohibited"}
    for purpose in data["marketing"]["purposes"]:
        if purpose["key"] in bases:
            purpose["basis"] = bases[purpose["key"]]
    data["marketing"]["prohibitions"] = ["direct_marketing", "distance_selling",
                                         "market_research", "address_disclosure",
                                         "list_publication"]
    return data


@pytest.fixture()
def bases(app: Flask, demo: dict) -> dict:
    from service.domain import notices, sites
    from service.extensions import db

    with app.app_context():
        version, created = notices.publish_notice(sites.get_site("demo"), bases_notice(), "test")
        db.session.commit()
        assert created and version.number == 2
    return demo


def relationship(client: Any, demo: dict, sid: str, start: str | None,
                 end: str | None = None, status: int = 200) -> dict[str, Any]:
    resp = client.put(f"{BASE}/subjects/{sid}/relationship",
                      json={"start": _day(start), "end": _day(end)}, headers=admin(demo))
    assert resp.status_code == status, resp.get_json()
    return dict(resp.get_json())


def prohibit(client: Any, demo: dict, sid: str, kind: str, state: str = "prohibited",
             status: int = 200) -> dict[str, Any]:
    resp = client.put(f"{BASE}/subjects/{sid}/prohibitions/{kind}",
                      json={"state": state, "evidence": {"source": "customer-service"}},
                      headers=admin(demo))
    assert resp.status_code == status, resp.get_json()
    return dict(resp.get_json())


def answer(client: Any, demo: dict, email: str, purpose: str, channel: str = "email"
           ) -> tuple[str | None, str | None]:
    result = check(client, demo, [email], purpose, channel)["results"][0]
    assert result["may_contact"] == (result["basis"] is not None)
    return result["reason"], result["basis"]


@pytest.mark.parametrize(("start", "end", "expected"), [
    ("past", None, (None, "customer_relationship")),
    ("today", None, (None, "customer_relationship")),
    ("past", "tomorrow", (None, "customer_relationship")),
    ("past", "today", ("no_permission", None)),  # the end is the first day not a customer
    ("past", "yesterday", ("no_permission", None)),
    ("tomorrow", None, ("no_permission", None)),  # not a customer yet
    (None, None, ("no_permission", None)),
])
def test_soft_opt_in_contacts_customers_whose_relationship_is_active_today(
        client: Any, bases: dict, start: str | None, end: str | None,
        expected: tuple[str | None, str | None]) -> None:
    sid = new_subject(client, bases, email="asiakas@example.fi")
    if start is not None:
        relationship(client, bases, sid, start, end)
    assert answer(client, bases, "asiakas@example.fi", "newsletter") == expected
    # a consent purpose still needs a grant, customer or not
    assert answer(client, bases, "asiakas@example.fi", "offers") == ("no_permission", None)


def test_a_customer_who_objects_is_not_contacted_and_a_grant_is_a_consent(
        client: Any, bases: dict) -> None:
    sid = new_subject(client, bases, email="kielto@example.fi")
    relationship(client, bases, sid, "past")
    put_permission(client, bases, sid, "newsletter", "email", "withdrawn")
    assert answer(client, bases, "kielto@example.fi", "newsletter") == ("withdrawn", None)
    assert answer(client, bases, "kielto@example.fi", "newsletter", "sms") == (
        None, "customer_relationship")  # the objection was to e-mail
    put_permission(client, bases, sid, "newsletter", "email", "granted")
    relationship(client, bases, sid, "past", "yesterday")  # no longer a customer
    assert answer(client, bases, "kielto@example.fi", "newsletter") == (None, "consent")
    prohibit(client, bases, sid, "direct_marketing")
    assert answer(client, bases, "kielto@example.fi", "newsletter") == ("prohibited", None)


def test_unless_prohibited_allows_anyone_known_until_the_kind_is_prohibited(
        client: Any, bases: dict) -> None:
    sid = new_subject(client, bases, email="lista@example.fi")
    assert answer(client, bases, "lista@example.fi", "list_publication", "post") == (
        None, "unless_prohibited")
    assert answer(client, bases, "nobody@example.fi", "list_publication", "post") == (
        "unknown", None)
    body = prohibit(client, bases, sid, "list_publication")
    assert body["changed"] is True and body["prohibition_kinds"] == ["list_publication"]
    assert answer(client, bases, "lista@example.fi", "list_publication", "post") == (
        "prohibited", None)
    # the list prohibition says nothing about disclosure
    assert answer(client, bases, "lista@example.fi", "third_party_disclosure", "post") == (
        None, "unless_prohibited")
    prohibit(client, bases, sid, "address_disclosure")
    assert answer(client, bases, "lista@example.fi", "third_party_disclosure", "post") == (
        "prohibited", None)
    prohibit(client, bases, sid, "list_publication", "lifted")
    assert answer(client, bases, "lista@example.fi", "list_publication", "post") == (
        None, "unless_prohibited")


@pytest.mark.parametrize(("kind", "purpose", "channel", "covered"), [
    ("direct_marketing", "offers", "email", True),
    ("direct_marketing", "list_publication", "post", True),
    ("distance_selling", "offers", "phone", True),
    ("distance_selling", "offers", "email", False),
    ("distance_selling", "distance_selling", "email", True),
    ("market_research", "research", "email", True),
    ("market_research", "research", "phone", True),
    ("market_research", "offers", "email", False),
    ("address_disclosure", "third_party_disclosure", "post", True),
    ("address_disclosure", "offers", "post", False),
    ("list_publication", "list_publication", "email", True),
    ("list_publication", "research", "email", False),
])
def test_each_kind_of_prohibition_covers_what_it_means(client: Any, bases: dict, kind: str,
                                                        purpose: str, channel: str,
                                                        covered: bool) -> None:
    sid = new_subject(client, bases, email="laji@example.fi")
    assert put_permission(client, bases, sid, purpose, channel, "granted",
                          confirmed_at="2026-01-01T00:00:00Z").status_code == 200
    prohibit(client, bases, sid, kind)
    assert answer(client, bases, "laji@example.fi", purpose, channel) == (
        ("prohibited", None) if covered else (None, "consent"))
    detail = client.get(f"{BASE}/subjects/{sid}", headers=admin(bases)).get_json()
    assert detail["prohibition_kinds"] == [kind]
    grant = next(v for v in detail["permissions"]
                 if (v["purpose"], v["channel"]) == (purpose, channel))
    # prohibiting withdraws the grants it covers: lifting revives none of them
    assert grant["state"] == ("withdrawn" if covered else "granted")
    prohibit(client, bases, sid, kind, "lifted")
    assert answer(client, bases, "laji@example.fi", purpose, channel)[0] == (
        "withdrawn" if covered else None)


def test_the_old_prohibition_of_everything_is_the_direct_marketing_kind(
        client: Any, bases: dict) -> None:
    sid = new_subject(client, bases, email="vanha@example.fi")
    assert put_permission(client, bases, sid, "*", "*", "prohibited").status_code == 200
    detail = client.get(f"{BASE}/subjects/{sid}", headers=admin(bases)).get_json()
    assert detail["prohibition_kinds"] == ["direct_marketing"]
    assert prohibit(client, bases, sid, "direct_marketing")["changed"] is False
    assert prohibit(client, bases, sid, "nonsense", status=404)
    assert prohibit(client, bases, sid, "direct_marketing", "granted", status=422)


def test_notices_without_bases_are_consent_only(client: Any, demo: dict) -> None:
    """The demo notice (version 1) names no basis: a customer still needs a grant, and
    nothing is allowed unless prohibited."""
    sid = new_subject(client, demo, email="v1@example.fi")
    relationship(client, demo, sid, "past")
    assert answer(client, demo, "v1@example.fi", "newsletter") == ("no_permission", None)
    assert answer(client, demo, "v1@example.fi", "list_publication", "post") == (
        "no_permission", None)


def test_a_relationship_change_is_audited_without_identifiers_and_validated(
        app: Flask, client: Any, bases: dict) -> None:
    from service.extensions import db
    from service.models import AuditEntry

    sid = new_subject(client, bases, customer_number="A-1001", email="rel@example.fi")
    body = relationship(client, bases, sid, "past", "tomorrow")
    assert body == {"changed": True, "relationship": {
        "start": _day("past"), "end": _day("tomorrow"), "active": True}}
    assert relationship(client, bases, sid, "past", "tomorrow")["changed"] is False
    relationship(client, bases, sid, "today", "yesterday", status=422)  # ends before it starts
    relationship(client, bases, sid, None, "tomorrow", status=422)  # an end needs a start
    assert audit_actions(app).count("subject.relationship") == 1
    with app.app_context():
        entry = db.session.query(AuditEntry).filter_by(action="subject.relationship").one()
        assert entry.subject == f"subject:{sid}"
        assert "A-1001" not in str(entry.payload) and "rel@" not in str(entry.payload)
        assert (entry.actor.startswith("key:")
                and {"start": _day("past"), "end": _day("tomorrow")}.items()
                <= dict(_payload(entry)).items())
    detail = client.get(f"{BASE}/subjects/{sid}", headers=admin(bases)).get_json()
    assert detail["relationship"]["active"] is True
    assert [h["change"] for h in detail["history"]] == ["relationship"]


def _payload(entry: Any) -> dict[str, Any]:
    import json

    payload = entry.payload
    return dict(json.loads(payload) if isinstance(payload, str) else payload)


def test_a_relationship_change_moves_the_generation(app: Flask, client: Any,
                                                     bases: dict) -> None:
    """Cached answers (keyed by the generation) cannot outlive a relationship change."""
    from service.domain import marketing, sites

    sid = new_subject(client, bases, email="gen@example.fi")
    with app.app_context():
        before = marketing.current_generation(sites.get_site("demo").id)
    relationship(client, bases, sid, "past")
    with app.app_context():
        assert marketing.current_generation(sites.get_site("demo").id) == before + 1


def test_the_suppression_list_holds_those_a_kind_prohibits(client: Any, bases: dict) -> None:
    from tests.marketing_helpers import sender

    sid = new_subject(client, bases, email="tutkimus@example.fi")
    new_subject(client, bases, email="other@example.fi")
    prohibit(client, bases, sid, "market_research")
    resp = client.get(f"{BASE}/suppressions?purpose=research&channel=email",
                      headers=sender(bases))
    assert resp.status_code == 200
    lines = [line for line in resp.get_data(as_text=True).splitlines() if "@" in line]
    assert len(lines) == 1 and "tutkimus@example.fi" in lines[0] and "prohibited" in lines[0]
    resp = client.get(f"{BASE}/suppressions?purpose=offers&channel=email",
                      headers=sender(bases))
    assert "tutkimus@example.fi" not in resp.get_data(as_text=True)
