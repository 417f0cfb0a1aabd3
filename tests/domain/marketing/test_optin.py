"""Signup with double opt-in: pending until confirmed through a real SMTP server (aiosmtpd),
signed links that expire and cannot be tampered with, GET changes nothing, CORS, bad input;
mails leave after the answer (tests wait for the sender thread with `sent()`)."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from tests.conftest import fresh_app, new_visitor
from tests.marketing_helpers import BASE, admin, audit_actions, check, count, reasons, sent

SIGNUP = f"{BASE}/signups"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture()
def mail_app(database_url: str, tmp_path: Path, inbox: tuple[Inbox, int]) -> Iterator[Flask]:
    yield from fresh_app(database_url, tmp_path, LUPA_SMTP_HOST="127.0.0.1",
                         LUPA_SMTP_PORT=inbox[1], LUPA_SMTP_SECURITY="none",
                         LUPA_SMTP_FROM="Kirkas <uutiset@kirkas.example>")


@pytest.fixture()
def mclient(mail_app: Flask) -> Any:
    return mail_app.test_client()


@pytest.fixture()
def mdemo(mail_app: Flask) -> dict[str, Any]:
    from tests.conftest import demo as demo_fixture

    return demo_fixture.__wrapped__(mail_app)  # type: ignore[attr-defined]


def signup(client: Any, **overrides: Any) -> Any:
    body = {"email": "Uusi.Tilaaja@Example.fi", "purposes": ["newsletter"],
            "channels": ["email"], "notice_version": 1, "language": "en", **overrides}
    resp = client.post(SIGNUP, json=body, headers={"Origin": "https://shop.example"})
    sent()
    return resp


def confirm_link(inbox: Inbox) -> str:
    body = inbox.messages[-1].get_payload(decode=True).decode()  # type: ignore[union-attr]
    match = re.search(r"http://localhost(/sites/demo/confirm/[^?\s]+)\?lang=en", body)
    assert match, body
    return match.group(1)


def test_signup_is_pending_until_the_mailed_link_is_confirmed(
        mclient: Any, mdemo: dict, inbox: tuple[Inbox, int], mail_app: Flask) -> None:
    vid = new_visitor()
    resp = signup(mclient, visitor_id=vid)
    assert resp.status_code == 202, resp.get_json()
    assert resp.get_json() == {"status": "accepted", "requested": [["newsletter", "email"]]}
    assert resp.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    mail = inbox[0].messages[-1]
    assert mail["To"] == "uusi.tilaaja@example.fi"
    assert "confirm" in mail["Subject"].lower()
    assert reasons(check(mclient, mdemo, ["uusi.tilaaja@example.fi"])) == ["no_permission"]
    link = confirm_link(inbox[0])
    page = mclient.get(link + "?lang=en")
    assert page.status_code == 200 and "I confirm" in page.get_data(as_text=True)
    # A GET (e.g. a mail scanner following the link) changes nothing.
    assert reasons(check(mclient, mdemo, ["uusi.tilaaja@example.fi"])) == ["no_permission"]
    done = mclient.post(link + "?lang=en", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert done.status_code == 200 and "confirmed" in done.get_data(as_text=True)
    assert reasons(check(mclient, mdemo, ["uusi.tilaaja@example.fi"])) == [None]
    sid = mclient.post(f"{BASE}/subjects", json={"email": "uusi.tilaaja@example.fi"},
                       headers=admin(mdemo)).get_json()["id"]
    detail = mclient.get(f"{BASE}/subjects/{sid}", headers=admin(mdemo)).get_json()
    perm = [p for p in detail["permissions"]
            if (p["purpose"], p["channel"]) == ("newsletter", "email")][0]
    assert perm["confirmed_at"] and perm["source"] == "double-opt-in"
    changes = [(h["change"], h["ip_prefix"]) for h in detail["history"]]
    assert changes == [("pending", "127.0.0.0/24"), ("confirmed", "203.0.113.0/24")]
    assert detail["history"][0]["evidence"]["visitor_id"] == vid
    assert "marketing.pending" in audit_actions(mail_app)
    assert audit_actions(mail_app)[-2] == "marketing.confirmed"


def test_confirming_twice_changes_nothing_more(mclient: Any, mdemo: dict,
                                               inbox: tuple[Inbox, int],
                                               mail_app: Flask) -> None:
    signup(mclient)
    link = confirm_link(inbox[0])
    mclient.post(link)
    before = count(mail_app, "audit_entries")
    assert mclient.post(link).status_code == 200
    assert count(mail_app, "audit_entries") == before


def test_tampered_or_foreign_link_is_refused(mclient: Any, mdemo: dict,
                                             inbox: tuple[Inbox, int]) -> None:
    signup(mclient)
    link = confirm_link(inbox[0])
    tampered = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    assert mclient.post(tampered).status_code == 400
    assert mclient.get(tampered).status_code == 400
    assert mclient.post(link.replace("/sites/demo/", "/sites/other/")).status_code == 400
    assert reasons(check(mclient, mdemo, ["uusi.tilaaja@example.fi"])) == ["no_permission"]


def test_expired_link_is_refused(mclient: Any, mdemo: dict, inbox: tuple[Inbox, int],
                                 mail_app: Flask) -> None:
    signup(mclient)
    link = confirm_link(inbox[0])
    mail_app.config["LUPA_OPTIN_MAX_AGE"] = 1
    time.sleep(2.1)
    resp = mclient.post(link)
    assert resp.status_code == 410 and "vanhentunut" in resp.get_data(as_text=True)
    assert reasons(check(mclient, mdemo, ["uusi.tilaaja@example.fi"])) == ["no_permission"]


def test_a_mail_server_down_changes_nothing_in_the_answer(
        mclient: Any, mdemo: dict, mail_app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    """The mail leaves after the answer: a broken SMTP server is logged (without the
    address), and the answer is the one every signup gets."""
    mail_app.config["LUPA_SMTP_PORT"] = free_port()
    with caplog.at_level("WARNING"):
        resp = signup(mclient)
    assert resp.status_code == 202
    assert resp.get_json() == {"status": "accepted", "requested": [["newsletter", "email"]]}
    failures = [r for r in caplog.records if r.name in ("lupa.mailer", "lupa.outbox")]
    assert failures and all("example.fi" not in r.getMessage() for r in failures)


def test_sms_signup_needs_a_phone(mclient: Any, mdemo: dict, inbox: tuple[Inbox, int]) -> None:
    assert signup(mclient, channels=["sms"]).status_code == 422
    resp = signup(mclient, channels=["email", "sms"], phone="040 765 4321")
    assert resp.status_code == 202
    assert resp.get_json()["requested"] == [["newsletter", "email"], ["newsletter", "sms"]]


@pytest.mark.parametrize("overrides", [
    {"email": "nope"}, {"purposes": ["casino"]}, {"channels": ["fax"]}, {"purposes": []},
    {"notice_version": 7}, {"notice_version": "1"}, {"visitor_id": "not-a-uuid"},
    {"language": "de"}, {"unexpected": 1},
])
def test_bad_signup_is_422_and_changes_nothing(mclient: Any, mdemo: dict, mail_app: Flask,
                                               inbox: tuple[Inbox, int],
                                               overrides: dict) -> None:
    before = count(mail_app, "subjects"), count(mail_app, "audit_entries")
    resp = signup(mclient, **overrides)
    assert resp.status_code == 422, resp.get_json()
    assert resp.headers["Content-Type"] == "application/problem+json"
    assert (count(mail_app, "subjects"), count(mail_app, "audit_entries")) == before
    assert inbox[0].messages == []


def test_signup_from_a_foreign_origin_is_403(mclient: Any, mdemo: dict,
                                             mail_app: Flask) -> None:
    resp = mclient.post(SIGNUP, json={"email": "a@example.fi", "purposes": ["newsletter"],
                                      "channels": ["email"], "notice_version": 1},
                        headers={"Origin": "https://evil.example"})
    assert resp.status_code == 403
    assert count(mail_app, "subjects") == 0


def test_demo_without_smtp_prints_the_mail(client: Any, demo: dict,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    resp = signup(client)
    assert resp.status_code == 202
    out = capsys.readouterr().out
    assert "/sites/demo/confirm/" in out and "uusi.tilaaja@example.fi" in out


def test_without_smtp_the_mail_is_printed_decoded_with_a_followable_link(
        client: Any, demo: dict, capsys: pytest.CaptureFixture[str]) -> None:
    """The embedded demo: the confirmation link must be copyable from the console as is."""
    assert signup(client).status_code == 202
    out = capsys.readouterr().out
    assert "To: uusi.tilaaja@example.fi" in out
    match = re.search(r"(http://localhost/sites/demo/confirm/\S+)", out)
    assert match and match.group(1).endswith("?lang=en"), out
    path = match.group(1).removeprefix("http://localhost")
    page = client.get(path)
    assert page.status_code == 200 and "I confirm" in page.get_data(as_text=True)
