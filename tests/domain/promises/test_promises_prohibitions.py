"""One promise per kind of prohibition the notice offers (issue 12, item 3): no "may contact"
after a prohibition of that kind; a kind covering no answer has nothing to judge."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.domain.audit.test_tamper import sql
from tests.domain.marketing.test_bases import answer, bases, prohibit, relationship  # noqa: F401
from tests.domain.promises.test_promises import promise, report
from tests.domain.promises.test_promises_bases import _later
from tests.marketing_helpers import new_subject, put_permission

KINDS = ["direct_marketing", "distance_selling", "market_research", "address_disclosure",
         "list_publication"]


def test_one_promise_per_offered_kind(client: Any, bases: dict) -> None:  # noqa: F811
    body = report(client, bases)
    mine = [p for p in body["promises"] if p["key"].startswith("prohibition.")]
    assert [p["key"] for p in mine] == [f"prohibition.{k}" for k in KINDS]
    assert [p["notice"] for p in mine] == [f"marketing.prohibitions.{k}" for k in KINDS]
    assert {p["status"] for p in mine} == {"not_applicable"}
    assert mine[0]["sentence"]  # the demo notice's right to prohibit direct marketing


def test_may_contact_after_a_prohibition_of_that_kind_breaks_only_its_promise(
        app: Flask, client: Any, bases: dict) -> None:  # noqa: F811
    sid = new_subject(client, bases, email="kielto@example.fi")
    relationship(client, bases, sid, "past")
    put_permission(client, bases, sid, "research", "email", "granted",
                   confirmed_at="2026-01-01T00:00:00Z")
    assert answer(client, bases, "kielto@example.fi", "research") == (None, "consent")
    prohibit(client, bases, sid, "market_research")
    assert answer(client, bases, "kielto@example.fi", "research") == ("prohibited", None)
    body = report(client, bases)
    research = promise(body, "prohibition.market_research")
    assert research["status"] == "holds" and research["counts"] == {
        "covered_answers": 1, "after_prohibition": 0}
    # a "may contact" stored for the question asked after the prohibition (a bug, a stale cache)
    sql(app, "UPDATE marketing_check_answers SET outcome = 0")
    sql(app, "UPDATE marketing_checks SET created_at = :t WHERE id = (SELECT max(id) FROM "
             "marketing_checks)", t=_later(app))
    body = report(client, bases)
    research = promise(body, "prohibition.market_research")
    assert research["status"] == "broken" and research["counts"]["after_prohibition"] == 1
    assert research["evidence"][0]["purpose"] == "research"
    # direct marketing covers every purpose, but this subject set no such prohibition
    direct = promise(body, "prohibition.direct_marketing")
    assert direct["status"] == "holds" and direct["counts"]["covered_answers"] == 2
    assert promise(body, "prohibition.list_publication")["status"] == "not_applicable"
    assert "kielto" not in str(research)
