"""Identities are verified one by one (issue 13, items 1 and 7): an anonymous signup changes
no one already known and attaches nothing to them; each identifier is proven by its own
link or code; sms and phone need a proven number; withdrawn stays withdrawn until the link
is confirmed; every signup gets the same answer; mail goes out after the answer, only when
something is pending, and at most N per recipient per hour. Mails and SMS go to the console
backends here (no LUPA_SMTP_HOST, no LUPA_SMS_URL) and are read from what they print."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import make_app
from tests.marketing_helpers import (
    BASE,
    admin,
    check,
    new_subject,
    printed,
    put_permission,
    reasons,
    sender,
)

ORIGIN = {"Origin": "https://shop.example"}
VICTIM_EMAIL, VICTIM_PHONE = "asiakas@example.fi", "+358401234567"


def signup(client: Any, email: str, **extra: Any) -> tuple[Any, str]:
    """(answer, what was printed: the mail, if any) of one anonymous signup."""
    body = {"email": email, "purposes": ["newsletter"], "channels": ["email"],
            "notice_version": 1, "language": "en", **extra}
    answer: list[Any] = []
    out = printed(lambda: answer.append(client.post(f"{BASE}/signups", json=body,
                                                     headers=ORIGIN)))
    return answer[0], out


def confirm_path(out: str) -> str:
    links = re.findall(r"http://localhost(/sites/demo/confirm/[^?\s]+)", out)
    assert len(links) == 1, out
    return links[0]


def sms_code(out: str, to: str) -> str:
    match = re.search(rf"To: {re.escape(to)}\n\n(\d{{6}}) is your confirmation code", out)
    assert match, out
    return match.group(1)


def detail(client: Any, demo: dict, sid: str) -> dict[str, Any]:
    return dict(client.get(f"{BASE}/subjects/{sid}", headers=admin(demo)).get_json())


def suppressions(client: Any, demo: dict, purpose: str, channel: str) -> list[dict[str, Any]]:
    resp = client.get(f"{BASE}/suppressions?purpose={purpose}&channel={channel}",
                      headers=sender(demo))
    assert resp.status_code == 200
    return [json.loads(line) for line in resp.get_data(as_text=True).splitlines()]


def audit_of(app: Flask, subject: str) -> list[tuple[str, str]]:
    from service.extensions import db

    with app.app_context():
        return [(a, p) for a, p in db.session.execute(sa.text(
            "SELECT action, payload FROM audit_entries WHERE subject = :s ORDER BY id"),
            {"s": f"subject:{subject}"})]


def snapshot(client: Any, demo: dict, app: Flask, sid: str) -> dict[str, Any]:
    """Everything of a customer another person could change or read."""
    return {"detail": detail(client, demo, sid), "audit": audit_of(app, sid),
            "suppressed": {(p, c): suppressions(client, demo, p, c)
                           for p, c in (("newsletter", "email"), ("newsletter", "sms"),
                                        ("offers", "email"), ("offers", "sms"))},
            "answers": {(p, c): reasons(check(client, demo, [VICTIM_EMAIL, VICTIM_PHONE],
                                              p, c))
                        for p, c in (("newsletter", "email"), ("newsletter", "sms"),
                                     ("offers", "sms"))}}


@pytest.fixture()
def victim(client: Any, demo: dict) -> str:
    """A customer with an e-mail address and a phone: newsletter by e-mail granted, offers
    by e-mail and sms withdrawn."""
    sid = new_subject(client, demo, email=VICTIM_EMAIL, phone=VICTIM_PHONE)
    put_permission(client, demo, sid, "newsletter", "email", "granted")
    for channel in ("email", "sms"):
        put_permission(client, demo, sid, "offers", channel, "granted")
        put_permission(client, demo, sid, "offers", channel, "withdrawn")
    return sid


def test_a_signup_with_another_customers_phone_changes_nothing_of_that_customer(
        client: Any, demo: dict, app: Flask, victim: str) -> None:
    before = snapshot(client, demo, app, victim)
    resp, out = signup(client, "hyokkaaja@example.fi", phone="040 123 4567",
                       purposes=["newsletter", "offers"], channels=["email", "sms"])
    assert resp.status_code == 202
    assert "To: hyokkaaja@example.fi" in out and VICTIM_EMAIL not in out
    assert snapshot(client, demo, app, victim) == before
    # Confirming the attacker's own link proves the attacker's address, nothing else: the
    # code for the number goes to that number, and the page links to no one's preferences.
    page: list[Any] = []
    out = printed(lambda: page.append(client.post(confirm_path(out) + "?lang=en")))
    assert page[0].status_code == 200
    html = page[0].get_data(as_text=True)
    assert "/preferences/" not in html and 'href="/sites/demo/preferences?lang=en"' in html
    assert "hyokkaaja" not in out and f"To: {VICTIM_PHONE}" in out
    assert snapshot(client, demo, app, victim) == before
    attacker = client.post(f"{BASE}/subjects", json={"email": "hyokkaaja@example.fi"},
                           headers=admin(demo)).get_json()
    assert attacker["id"] != victim and attacker["identifier_kinds"] == ["email"]


def post(client: Any, path: str, **data: Any) -> tuple[Any, str]:
    """(answer, what was printed: mails and SMS) of one POST to a customer page."""
    answer: list[Any] = []
    out = printed(lambda: answer.append(client.post(path, data=data)))
    return answer[0], out


def code_form(html: str) -> str:
    match = re.search(r'action="(/sites/demo/verify/[^"]+)"', html)
    assert match, html
    return match.group(1)


def test_confirming_by_email_does_not_grant_sms_without_the_phone_code(
        client: Any, demo: dict, app: Flask) -> None:
    resp, out = signup(client, "uusi@example.fi", phone="050 765 4321",
                       channels=["email", "sms"])
    assert resp.status_code == 202
    page, texts = post(client, confirm_path(out), lang="en")
    assert reasons(check(client, demo, ["uusi@example.fi"])) == [None]
    assert reasons(check(client, demo, ["uusi@example.fi"], "newsletter", "sms")) == [
        "no_permission"]
    assert reasons(check(client, demo, ["+358507654321"], "newsletter", "sms")) == ["unknown"]
    sid = client.post(f"{BASE}/subjects", json={"email": "uusi@example.fi"},
                      headers=admin(demo)).get_json()["id"]
    states = detail(client, demo, sid)["identifier_states"]
    assert list(states) == ["email"] and states["email"]["verified_by"] == "email-link"
    code, form = sms_code(texts, "+358507654321"), code_form(page.get_data(as_text=True))
    wrong = client.post(form, data={"code": f"{(int(code) + 1) % 10**6:06d}", "lang": "en"})
    assert wrong.status_code == 422 and "Tries left: 4" in wrong.get_data(as_text=True)
    assert reasons(check(client, demo, ["uusi@example.fi"], "newsletter", "sms")) == [
        "no_permission"]
    right = client.post(form, data={"code": code, "lang": "en"})
    assert right.status_code == 200 and "phone number is confirmed" in right.get_data(
        as_text=True)
    assert reasons(check(client, demo, ["uusi@example.fi", "+358507654321"], "newsletter",
                         "sms")) == [None, None]
    states = detail(client, demo, sid)["identifier_states"]
    assert states["phone"]["verified"] and states["phone"]["verified_by"] == "sms-code"
    sms_grant = [h for h in detail(client, demo, sid)["history"] if h["channel"] == "sms"]
    assert [(h["change"], h["source"]) for h in sms_grant] == [
        ("pending", "website-signup"), ("confirmed", "sms-code")]


def test_a_code_allows_five_tries_then_none(client: Any, demo: dict, app: Flask) -> None:
    app.config["LUPA_SMS_CODE_ATTEMPTS"] = 5
    _, out = signup(client, "koodi@example.fi", phone="050 111 2222", channels=["sms"])
    page, texts = post(client, confirm_path(out), lang="en")
    code, form = sms_code(texts, "+358501112222"), code_form(page.get_data(as_text=True))
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        client.post(form, data={"code": wrong, "lang": "en"})
    late = client.post(form, data={"code": code, "lang": "en"})
    assert "no longer valid" in late.get_data(as_text=True)
    assert reasons(check(client, demo, ["koodi@example.fi"], "newsletter", "sms")) == [
        "no_permission"]


def test_a_withdrawn_person_who_signs_up_stays_suppressed_until_confirming(
        client: Any, demo: dict, app: Flask, victim: str) -> None:
    put_permission(client, demo, victim, "newsletter", "email", "withdrawn")
    suppressed = suppressions(client, demo, "newsletter", "email")
    assert [s["subject"] for s in suppressed] == [f"subject:{victim}"]
    resp, out = signup(client, VICTIM_EMAIL)
    assert resp.status_code == 202 and f"To: {VICTIM_EMAIL}" in out
    assert suppressions(client, demo, "newsletter", "email") == suppressed
    assert reasons(check(client, demo, [VICTIM_EMAIL])) == ["withdrawn"]
    assert client.post(confirm_path(out)).status_code == 200
    assert suppressions(client, demo, "newsletter", "email") == []
    assert reasons(check(client, demo, [VICTIM_EMAIL])) == [None]
    history = detail(client, demo, victim)["history"]
    assert [(h["change"], h["source"]) for h in history[-2:]] == [
        ("pending", "website-signup"), ("confirmed", "double-opt-in")]
    assert detail(client, demo, victim)["identifier_states"]["email"]["verified_by"] == \
        "email-link"


def _answer(resp: Any) -> tuple[int, Any, dict[str, str]]:
    headers = {k: v for k, v in resp.headers.items() if k.lower() not in ("date",
                                                                           "x-request-id")}
    return resp.status_code, resp.get_json(), headers


def test_the_signup_answer_is_the_same_for_known_and_unknown_people(
        client: Any, demo: dict, app: Flask, victim: str) -> None:
    """Unknown, known with the grant asked for (nothing mailed), known withdrawn: one
    answer."""
    unknown, mailed = signup(client, "tuntematon@example.fi")
    granted, nothing = signup(client, VICTIM_EMAIL)
    put_permission(client, demo, victim, "newsletter", "email", "withdrawn")
    withdrawn, again = signup(client, VICTIM_EMAIL)
    assert _answer(unknown) == _answer(granted) == _answer(withdrawn)
    assert unknown.get_json() == {"status": "accepted", "requested": [["newsletter", "email"]]}
    assert "To: tuntematon@example.fi" in mailed and f"To: {VICTIM_EMAIL}" in again
    assert nothing == ""  # everything asked for is granted: no mail


def test_mails_to_one_recipient_are_limited_per_hour_across_workers(
        client: Any, demo: dict, app: Flask, database_url: str, tmp_path: Any) -> None:
    """Two app instances on one database (two workers) share the allowance."""
    app.config["LUPA_MESSAGES_PER_RECIPIENT_HOUR"] = 2
    other = make_app(database_url, tmp_path / "instance", LUPA_MESSAGES_PER_RECIPIENT_HOUR=2,
                     LUPA_ENCRYPTION_KEY=app.config["LUPA_ENCRYPTION_KEY"])
    answers, mails = [], []
    # Other purposes each time: the same ones again get one confirm mail an hour anyway.
    for c, purpose in ((client, "newsletter"), (other.test_client(), "offers"),
                       (client, "research")):
        resp, out = signup(c, "raja@example.fi", purposes=[purpose])
        answers.append(_answer(resp))
        mails.append(out.count("To: raja@example.fi"))
    assert mails == [1, 1, 0]
    same = [(status, body["status"], {k: v for k, v in headers.items() if k != "Content-Length"})
            for status, body, headers in answers]  # the purposes named differ in length
    assert same[0][:2] == (202, "accepted") and same[0] == same[1] == same[2]
    _, out = signup(client, "toinen@example.fi")  # another recipient has its own allowance
    assert "To: toinen@example.fi" in out


def test_mail_is_sent_after_the_answer(client: Any, demo: dict, app: Flask) -> None:
    """The answer does not wait for the mail server: here one that takes its time."""
    import threading

    from tests.domain.marketing.test_optin import free_port

    gate, accepted = threading.Event(), threading.Event()
    port = free_port()

    def slow_server() -> None:
        import socket

        with socket.socket() as srv:
            srv.bind(("127.0.0.1", port))
            srv.listen(1)
            accepted.set()
            conn, _ = srv.accept()
            gate.wait(10)  # say nothing until the answer was seen
            conn.close()

    thread = threading.Thread(target=slow_server, daemon=True)
    thread.start()
    accepted.wait(5)
    app.config.update(LUPA_SMTP_HOST="127.0.0.1", LUPA_SMTP_PORT=port,
                      LUPA_SMTP_SECURITY="none", LUPA_SMTP_TIMEOUT=10)
    resp = client.post(f"{BASE}/signups", json={
        "email": "hidas@example.fi", "purposes": ["newsletter"], "channels": ["email"],
        "notice_version": 1}, headers=ORIGIN)
    assert resp.status_code == 202  # answered while the mail server still holds the mail
    from service.domain.marketing import outbox

    assert not outbox.wait_idle(0.2)
    gate.set()
    assert outbox.wait_idle(10)
    thread.join(5)
