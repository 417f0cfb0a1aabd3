"""An opt-out of everything stays an opt-out of everything (invariant 2: no contact after a
withdrawal or prohibition), whatever the notice adds later.

Written from the rules: a withdrawal of `*` (every purpose, or every channel) is an objection
to every purpose it covers, those of today's notice and those a later notice adds, on any
basis; only a new grant of one purpose on one channel (a consent, given after it) allows that
one again. A retention purge never deletes an objection still in force: one of `*`, or of a
purpose whose basis needs no grant."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from tests.conftest import demo_notice
from tests.domain.audit.test_tamper import sql
from tests.domain.marketing.test_bases import answer, bases_notice, relationship
from tests.marketing_helpers import BASE, check, new_subject, put_permission, reasons, sender


def publish(app: Flask, data: dict[str, Any]) -> int:
    from service.domain import notices, sites
    from service.extensions import db

    with app.app_context():
        version, created = notices.publish_notice(sites.get_site("demo"), data, "test")
        db.session.commit()
        assert created
        return int(version.number)


def with_member_letters(data: dict[str, Any]) -> dict[str, Any]:
    """A notice that adds a purpose sent to members unless they prohibit it."""
    data["marketing"]["purposes"].append({
        "key": "member_letters", "basis": "unless_prohibited",
        "title": {"fi": "Jäsenkirjeet", "sv": "Medlemsbrev", "en": "Member letters"}})
    return data


def test_opting_out_of_everything_covers_purposes_a_later_notice_adds(
        app: Flask, client: Any, demo: dict) -> None:
    out = new_subject(client, demo, email="pois@example.fi")
    new_subject(client, demo, email="mukana@example.fi")
    assert put_permission(client, demo, out, "*", "*", "withdrawn").status_code == 200
    publish(app, with_member_letters(bases_notice()))
    relationship(client, demo, out, "past")  # a customer, who objected to everything
    for purpose, channel in (("member_letters", "post"), ("newsletter", "email"),
                             ("list_publication", "post"), ("third_party_disclosure", "phone")):
        assert answer(client, demo, "pois@example.fi", purpose, channel) == ("withdrawn", None)
    # someone who did not opt out is allowed by the purpose's basis
    assert answer(client, demo, "mukana@example.fi", "member_letters", "post") == (
        None, "unless_prohibited")
    # a grant after the opt-out is a consent to that one purpose on that one channel
    put_permission(client, demo, out, "member_letters", "post", "granted")
    assert answer(client, demo, "pois@example.fi", "member_letters", "post") == (None, "consent")
    assert answer(client, demo, "pois@example.fi", "member_letters", "email") == (
        "withdrawn", None)
    # and the suppression export still names them for what they did not grant again
    resp = client.get(f"{BASE}/suppressions?purpose=list_publication&channel=post",
                      headers=sender(demo))
    assert resp.status_code == 200
    assert [line for line in resp.get_data(as_text=True).splitlines()
            if "pois@example.fi" in line and "withdrawn" in line]


def test_opting_out_of_every_purpose_on_one_channel_covers_later_purposes_on_it(
        app: Flask, client: Any, demo: dict) -> None:
    sid = new_subject(client, demo, email="eiposti@example.fi")
    put_permission(client, demo, sid, "*", "post", "withdrawn")
    publish(app, with_member_letters(bases_notice()))
    assert answer(client, demo, "eiposti@example.fi", "member_letters", "post") == (
        "withdrawn", None)
    assert answer(client, demo, "eiposti@example.fi", "member_letters", "email") == (
        None, "unless_prohibited")  # the objection was to post


def test_an_imported_opt_out_list_covers_purposes_a_later_notice_adds(
        app: Flask, client: Any, demo: dict) -> None:
    resp = client.post(f"{BASE}/optouts?purpose=*&channel=email", headers={
        **sender(demo), "Content-Type": "text/csv"},
        data=io.BytesIO(b"Email Address\nlista@example.fi\n"))
    assert resp.status_code == 200, resp.get_json()
    publish(app, with_member_letters(bases_notice()))
    assert answer(client, demo, "lista@example.fi", "member_letters") == ("withdrawn", None)


def test_retention_keeps_the_objections_still_in_force(app: Flask, client: Any, runner: Any,
                                                       demo: dict) -> None:
    publish(app, bases_notice())
    everything = new_subject(client, demo, email="kaikki@example.fi")
    customer = new_subject(client, demo, email="asiakas@example.fi")
    consent = new_subject(client, demo, email="suostumus@example.fi")
    relationship(client, demo, customer, "past")
    put_permission(client, demo, everything, "*", "*", "withdrawn")
    put_permission(client, demo, customer, "newsletter", "email", "withdrawn")  # soft opt-in
    put_permission(client, demo, consent, "offers", "email", "granted")
    put_permission(client, demo, consent, "offers", "email", "withdrawn")
    long_ago = (datetime.now(UTC) - timedelta(days=25 * 31)).replace(tzinfo=None)
    sql(app, "UPDATE marketing_permissions SET updated_at=:t", t=long_ago)
    res = runner.invoke(args=["retention", "purge", "--site", "demo"])
    assert res.exit_code == 0, res.output
    # the ended withdrawal of a consent purpose went; the `*` row and the withdrawal of a
    # customer-relationship purpose are objections in force and stay
    left = {(s, p, c) for s, p, c in sql(
        app, "SELECT s.public_id, p.purpose, p.channel FROM marketing_permissions p "
             "JOIN subjects s ON s.id = p.subject_id")}
    assert (consent, "offers", "email") not in left
    assert (customer, "newsletter", "email") in left
    assert (everything, "*", "*") in left
    answers = check(client, demo, ["kaikki@example.fi", "asiakas@example.fi",
                                   "suostumus@example.fi"], "offers")
    assert reasons(answers) == ["withdrawn", "no_permission", "no_permission"]
    assert answer(client, demo, "kaikki@example.fi", "list_publication", "post") == (
        "withdrawn", None)
    assert answer(client, demo, "asiakas@example.fi", "newsletter") == ("withdrawn", None)


def test_a_consent_only_notice_still_answers_withdrawn_after_opting_out_of_everything(
        app: Flask, client: Any, demo: dict) -> None:
    sid = new_subject(client, demo, email="kulutus@example.fi")
    put_permission(client, demo, sid, "*", "email", "withdrawn")
    data = demo_notice()
    data["marketing"]["purposes"].append({
        "key": "events", "title": {"fi": "Tapahtumat", "sv": "Evenemang", "en": "Events"}})
    publish(app, data)
    # a consent purpose the notice added later: withdrawn (before: no_permission), so the
    # suppression export names the person for it too
    assert reasons(check(client, demo, ["kulutus@example.fi"], "events")) == ["withdrawn"]


def test_the_promise_replay_counts_a_withdrawal_of_everything_as_an_objection() -> None:
    """promises.marketing.objection_in_force replays outcome_of's fold over the events."""
    from service.domain.promises.marketing import objection_in_force

    t = [datetime(2026, 1, d, tzinfo=UTC) for d in range(1, 6)]
    everything = [(1, "*", "*", "withdrawn", t[0])]
    assert objection_in_force(everything, "member_letters", "post", t[1]) == ("withdrawn", t[0])
    assert objection_in_force(everything, "member_letters", "post",
                              t[0] - timedelta(days=1)) is None  # asked before it
    on_post = [(1, "*", "post", "withdrawn", t[0])]
    assert objection_in_force(on_post, "newsletter", "email", t[1]) is None
    assert objection_in_force(on_post, "newsletter", "post", t[1]) == ("withdrawn", t[0])
    of_purpose = [(1, "newsletter", "*", "withdrawn", t[0])]
    assert objection_in_force(of_purpose, "newsletter", "sms", t[1]) == ("withdrawn", t[0])
    assert objection_in_force(of_purpose, "offers", "sms", t[1]) is None
    regranted = everything + [(1, "newsletter", "post", "granted", t[1])]
    assert objection_in_force(regranted, "newsletter", "post", t[2]) is None
    assert objection_in_force(regranted, "newsletter", "email", t[2]) == ("withdrawn", t[0])
    # a grant of the exact row before the opt-out of everything does not survive it (the
    # withdrawal of `*` also withdrew it)
    before = [(1, "newsletter", "post", "granted", t[0]), (1, "newsletter", "post",
                                                           "withdrawn", t[1]),
              (1, "*", "*", "withdrawn", t[1])]
    assert objection_in_force(before, "newsletter", "post", t[2]) == ("withdrawn", t[1])
    # a pending double opt-in is not a grant: the objection stays
    pending = everything + [(1, "newsletter", "email", "pending", t[1])]
    assert objection_in_force(pending, "newsletter", "email", t[2]) == ("withdrawn", t[0])
