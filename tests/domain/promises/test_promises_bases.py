"""The promise report by basis (issue 12): an admin grant without double opt-in on a purpose
that does not rest on consent is no broken promise; a soft opt-in "may contact" to someone
who was not a customer on the day, or after an objection (a withdrawal or a kind of
prohibition that covers it), is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from tests.domain.audit.test_tamper import sql
from tests.domain.marketing.test_bases import answer, bases, prohibit, relationship  # noqa: F401
from tests.domain.promises.test_promises import promise, report
from tests.marketing_helpers import new_subject, put_permission


def _later(app: Flask) -> Any:
    from service.extensions import db

    later = datetime.now(UTC) + timedelta(seconds=1)
    with app.app_context():
        return later if db.engine.dialect.name == "postgresql" else later.replace(tzinfo=None)


def test_a_grant_without_double_opt_in_counts_only_on_consent_purposes(
        client: Any, bases: dict) -> None:  # noqa: F811
    sid = new_subject(client, bases, email="ilman@example.fi")
    put_permission(client, bases, sid, "newsletter", "email", "granted", notice_version=2)
    put_permission(client, bases, sid, "list_publication", "email", "granted",
                   notice_version=2)
    grants = promise(report(client, bases), "marketing_grants_have_evidence")
    assert grants["status"] == "holds" and grants["counts"]["email_without_double_opt_in"] == 0
    put_permission(client, bases, sid, "offers", "email", "granted", notice_version=2)
    grants = promise(report(client, bases), "marketing_grants_have_evidence")
    assert grants["status"] == "broken" and grants["counts"]["email_without_double_opt_in"] == 1
    assert grants["evidence"][0]["purpose"] == "offers"


def test_soft_opt_in_to_a_customer_holds_and_nothing_is_not_applicable(
        client: Any, bases: dict) -> None:  # noqa: F811
    assert promise(report(client, bases), "soft_opt_in_only_to_customers")["status"] == \
        "not_applicable"
    sid = new_subject(client, bases, email="asiakas@example.fi")
    relationship(client, bases, sid, "past")
    assert answer(client, bases, "asiakas@example.fi", "newsletter") == (
        None, "customer_relationship")
    body = report(client, bases)
    soft = promise(body, "soft_opt_in_only_to_customers")
    assert soft["status"] == "holds" and soft["counts"] == {"soft_opt_in_answers": 1,
                                                            "not_a_customer": 0}
    contact = promise(body, "no_contact_after_objection")
    assert contact["status"] == "holds" and contact["counts"]["may_contact_answers"] == 1


def test_soft_opt_in_to_someone_not_a_customer_then_is_broken(app: Flask, client: Any,
                                                              bases: dict) -> None:  # noqa: F811
    """An answer stored as "allowed on the relationship" for a subject whose relationship
    had ended (as a stale cache or a bug would give): written directly."""
    sid = new_subject(client, bases, email="entinen@example.fi")
    relationship(client, bases, sid, "past", "yesterday")
    assert answer(client, bases, "entinen@example.fi", "newsletter") == ("no_permission", None)
    sql(app, "UPDATE marketing_check_answers SET outcome = 7")
    soft = promise(report(client, bases), "soft_opt_in_only_to_customers")
    assert soft["status"] == "broken" and soft["counts"]["not_a_customer"] == 1
    assert soft["evidence"][0]["relationship"]["active"] is False
    assert "entinen" not in str(soft)


def test_soft_opt_in_after_an_objection_is_broken(app: Flask, client: Any,
                                                  bases: dict) -> None:  # noqa: F811
    sid = new_subject(client, bases, email="tutkittu@example.fi")
    relationship(client, bases, sid, "past")
    put_permission(client, bases, sid, "research", "email", "granted",
                   confirmed_at="2026-01-01T00:00:00Z")
    assert answer(client, bases, "tutkittu@example.fi", "research") == (None, "consent")
    prohibit(client, bases, sid, "market_research")
    assert answer(client, bases, "tutkittu@example.fi", "research") == ("prohibited", None)
    assert promise(report(client, bases), "no_contact_after_objection")["status"] == "holds"
    sql(app, "UPDATE marketing_check_answers SET outcome = 0")
    sql(app, "UPDATE marketing_checks SET created_at = :t WHERE id = (SELECT max(id) FROM "
             "marketing_checks)", t=_later(app))
    contact = promise(report(client, bases), "no_contact_after_objection")
    assert contact["status"] == "broken" and contact["counts"]["after_objection"] == 1
    assert contact["evidence"][0]["objection"] == "prohibited"


def test_each_marketing_purpose_is_a_promise_judged_by_its_own_basis(
        app: Flask, client: Any, bases: dict) -> None:  # noqa: F811
    """bases_notice: newsletter on the customer relationship, offers, research and
    distance_selling by consent, third_party_disclosure and list_publication unless
    prohibited."""
    body = report(client, bases)
    keys = [p["key"] for p in body["promises"] if p["key"].startswith("marketing.")]
    assert keys == ["marketing.newsletter", "marketing.offers", "marketing.research",
                    "marketing.third_party_disclosure", "marketing.list_publication",
                    "marketing.distance_selling"]
    newsletter = promise(body, "marketing.newsletter")
    assert newsletter["notice"] == "marketing.purposes.newsletter"
    assert newsletter["sentence"].startswith("Uutiskirje")  # the notice's own words, in fi
    assert {p["status"] for p in body["promises"] if p["key"] in keys} == {"not_applicable"}
    # an e-mail grant of offers without double opt-in breaks offers alone
    sid = new_subject(client, bases, email="tarjous@example.fi")
    put_permission(client, bases, sid, "offers", "email", "granted", notice_version=2)
    put_permission(client, bases, sid, "list_publication", "email", "granted",
                   notice_version=2)
    body = report(client, bases)
    offers = promise(body, "marketing.offers")
    assert offers["status"] == "broken"
    assert offers["counts"]["email_without_double_opt_in"] == 1
    assert [e["purpose"] for e in offers["evidence"]] == ["offers"]
    assert promise(body, "marketing.research")["status"] == "not_applicable"
    # list publication rests on no consent: a grant there breaks nothing
    assert promise(body, "marketing.list_publication")["status"] == "not_applicable"
    # a soft opt-in "may contact" to someone not a customer then breaks the newsletter alone
    other = new_subject(client, bases, email="entinen@example.fi")
    relationship(client, bases, other, "past", "yesterday")
    assert answer(client, bases, "entinen@example.fi", "newsletter") == ("no_permission", None)
    assert answer(client, bases, "entinen@example.fi", "list_publication", "post") == (
        None, "unless_prohibited")
    sql(app, "UPDATE marketing_check_answers SET outcome = 7 WHERE check_id = "
             "(SELECT min(id) FROM marketing_checks)")
    body = report(client, bases)
    newsletter = promise(body, "marketing.newsletter")
    assert newsletter["status"] == "broken" and newsletter["counts"]["not_a_customer"] == 1
    listing = promise(body, "marketing.list_publication")
    assert listing["status"] == "holds" and listing["counts"] == {
        "may_contact_answers": 1, "after_objection": 0}
