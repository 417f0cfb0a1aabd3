"""Review of the identity merge (f4b929c): attacks on signups, confirm links, SMS codes,
preference links and the per-recipient mail limit. Each test states what SHOULD hold; a
failing test is a finding."""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.domain.marketing.test_identity import (
    code_form,
    confirm_path,
    detail,
    post,
    signup,
    sms_code,
)
from tests.marketing_helpers import (
    BASE,
    admin,
    check,
    count,
    new_subject,
    preferences_path,
    printed,
    put_permission,
    reasons,
    sender,
)

VICTIM_EMAIL, VICTIM_PHONE = "asiakas@example.fi", "+358401234567"


def unsubscribe_everything(client: Any, demo: dict, email: str) -> None:
    """The person follows a sender's one-click link for every purpose and channel."""
    resp = client.post(f"{BASE}/unsubscribe-links", json={
        "purpose": "*", "channel": "*", "recipients": [email]}, headers=sender(demo))
    url = urlsplit(resp.get_json()["links"][0]["list_unsubscribe"].strip("<>")).path
    assert client.post(url, data={"List-Unsubscribe": "One-Click"}).status_code == 200


def test_a_used_confirm_link_does_not_undo_a_later_withdrawal(
        client: Any, demo: dict, app: Flask) -> None:
    """Whoever holds the (48 h) confirm mail can re-grant what the person withdrew after
    confirming; before the merge a confirmation only ever moved pending -> granted."""
    _, out = signup(client, "uusi@example.fi")
    link = confirm_path(out)
    assert client.post(link).status_code == 200
    assert reasons(check(client, demo, ["uusi@example.fi"])) == [None]
    unsubscribe_everything(client, demo, "uusi@example.fi")
    assert reasons(check(client, demo, ["uusi@example.fi"])) == ["withdrawn"]
    assert client.post(link).status_code == 200  # the old link, POSTed again
    assert reasons(check(client, demo, ["uusi@example.fi"])) == ["withdrawn"]


def test_one_confirm_link_sends_one_code_not_one_per_post(
        client: Any, demo: dict, app: Flask) -> None:
    """Each POST of the same confirm link creates a new challenge and texts the number again
    (attacker's own mail, anyone's number): SMS pumping and a code allowance to burn."""
    _, out = signup(client, "hyokkaaja@example.fi", phone=VICTIM_PHONE, channels=["sms"])
    link = confirm_path(out)
    texts = ""
    for _ in range(6):
        texts += post(client, link, lang="en")[1]
    assert texts.count(f"To: {VICTIM_PHONE}") == 1, texts.count(f"To: {VICTIM_PHONE}")
    assert count(app, "identifier_challenges") == 1


def test_a_strangers_signups_do_not_stop_the_owners_preference_link(
        client: Any, demo: dict, app: Flask) -> None:
    """The per-recipient allowance is shared by every kind of message: five anonymous
    signups an hour with a customer's address (a pair not granted) use it up, and the
    customer's own request for a preference link is then silently dropped. (The same pairs
    again get no second confirm mail within the hour, so the stranger varies them.)"""
    new_subject(client, demo, email=VICTIM_EMAIL)
    asked = [(["offers"], ["email"]), (["research"], ["email"]), (["offers"], ["post"]),
             (["research"], ["post"]), (["offers", "research"], ["email"])]
    for purposes, channels in asked:
        _, out = signup(client, VICTIM_EMAIL, purposes=purposes, channels=channels)
        assert f"To: {VICTIM_EMAIL}" in out
    _, out = signup(client, VICTIM_EMAIL, purposes=["newsletter"])
    assert f"To: {VICTIM_EMAIL}" not in out  # the address's allowance is spent
    _, out = signup(client, VICTIM_EMAIL, purposes=["offers"])
    assert f"To: {VICTIM_EMAIL}" not in out  # one confirm mail per address and pairs
    _, out = post(client, "/sites/demo/preferences", email=VICTIM_EMAIL, lang="en")
    assert "/sites/demo/preferences/" in out, "the owner's preference link was not sent"


def test_plus_addresses_are_one_mailbox_and_one_allowance(
        client: Any, demo: dict, app: Flask) -> None:
    """Tags reach the same mailbox, so they share its allowance (each one still creates a
    subject: they are different addresses to the site)."""
    app.config["LUPA_MESSAGES_PER_RECIPIENT_HOUR"] = 1
    mails = 0
    for i in range(5):
        _, out = signup(client, f"victim+{i}@example.fi", purposes=["newsletter", "offers"][
            i % 2:i % 2 + 1])
        mails += out.count("To: victim+")
    _, out = signup(client, "toinen+1@example.fi")
    assert mails == 1 and count(app, "subjects") == 6
    assert out.count("To: toinen+1@example.fi") == 1  # another mailbox, its own allowance


def test_concurrent_wrong_codes_are_each_counted(
        client: Any, demo: dict, app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """`challenge.attempts += 1` is a read-modify-write with no lock: tries that run
    together each read the same count, so more than LUPA_SMS_CODE_ATTEMPTS guesses are
    checked."""
    from service.domain.marketing import phone_codes

    app.config["LUPA_SMS_CODE_ATTEMPTS"] = 5
    _, out = signup(client, "koodi@example.fi", phone="050 111 2222", channels=["sms"])
    page, texts = post(client, confirm_path(out), lang="en")
    code, form = sms_code(texts, "+358501112222"), code_form(page.get_data(as_text=True))
    n = 10
    barrier = threading.Barrier(n, timeout=10)
    real = phone_codes._challenge

    def read_together(site: Any, token: str) -> Any:
        found = real(site, token)
        try:
            barrier.wait()  # every request has read the count before any writes it
        except threading.BrokenBarrierError:
            pass
        return found

    monkeypatch.setattr(phone_codes, "_challenge", read_together)
    guesses = [f"{(int(code) + k) % 10**6:06d}" for k in range(1, n + 1)]
    statuses: list[int] = []

    def guess(value: str) -> None:
        statuses.append(app.test_client().post(form, data={"code": value}).status_code)

    threads = [threading.Thread(target=guess, args=(g,)) for g in guesses]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    monkeypatch.setattr(phone_codes, "_challenge", real)
    wrong_checked = statuses.count(422)  # 422: a wrong code was checked, tries were left
    from service.extensions import db

    with app.app_context():
        stored = db.session.execute(sa.text("SELECT attempts FROM identifier_challenges")
                                    ).scalar_one()
    print("RACE", wrong_checked, stored, statuses)
    assert wrong_checked <= 5, (wrong_checked, stored, statuses)


def test_an_old_preference_link_does_not_open_the_rectified_address(
        client: Any, demo: dict, app: Flask) -> None:
    """The link names the identifier row by id; on SQLite a rectification that deletes the
    last rows and inserts new ones reuses their ids, so a link mailed to the old (wrong)
    address opens the record again, downloads it, and 'proves' the new address."""
    sid = new_subject(client, demo, email="vanha@example.fi", phone=VICTIM_PHONE)
    put_permission(client, demo, sid, "newsletter", "email", "granted")
    link = preferences_path(client, "vanha@example.fi")
    resp = client.post(f"{BASE}/subjects/{sid}/requests", json={
        "kind": "rectification", "identifiers": {"email": "uusi@example.fi",
                                                 "phone": "+358409999999"}},
        headers=admin(demo))
    assert resp.status_code in (200, 201), resp.get_json()
    assert detail(client, demo, sid)["identifiers"]["email"] == "uusi@example.fi"
    opened = client.post(link, data={"action": "download"})
    leaked = opened.get_json() if opened.mimetype == "application/json" else None
    state = detail(client, demo, sid)["identifier_states"]["email"]
    assert opened.status_code == 400, (opened.status_code, leaked and leaked["identifiers"],
                                       state)


def test_malformed_customer_page_input_never_500s(client: Any, demo: dict, app: Flask) -> None:
    _, out = signup(client, "muoto@example.fi", phone="050 333 4444", channels=["sms"])
    page, _ = post(client, confirm_path(out), lang="en")
    form = code_form(page.get_data(as_text=True))
    bad_tokens = ["x", "a" * 5000, "eyJzIjoxfQ.AAAA.BBBB", "..", "%00", "null"]
    for token in bad_tokens:
        for path in ("confirm", "verify", "preferences", "unsubscribe"):
            for method in (client.get, client.post):
                resp = method(f"/sites/demo/{path}/{token}", data={"code": "1"})
                assert resp.status_code in (400, 404, 410), (path, token, resp.status_code)
    for data in ({"code": ["1", "2"]}, {"code": "\x00" * 100}, {"code": "1" * 10000}, {}):
        assert client.post(form, data=data).status_code in (200, 422)
    for body in ({"email": "a@b.fi"}, {"email": "a@b.fi", "purposes": ["newsletter"],
                                        "channels": ["sms"], "notice_version": 1},
                 {"email": "a@b.fi", "purposes": ["newsletter"], "channels": ["email"],
                  "notice_version": 1, "visitor_id": "00000000-0000-0000-0000-000000000000"},
                 {"email": "a@b.fi", "purposes": ["newsletter"], "channels": ["email"],
                  "notice_version": 99},
                 {"email": "a@b.fi", "phone": "+", "purposes": ["newsletter"],
                  "channels": ["sms"], "notice_version": 1}):
        resp = client.post(f"{BASE}/signups", json=body,
                           headers={"Origin": "https://shop.example"})
        assert resp.status_code in (202, 400, 422), (body, resp.status_code)
        if resp.status_code != 202:
            assert resp.mimetype == "application/problem+json", resp.mimetype
    for data in ({}, {"email": ["a@b.fi", "c@d.fi"]}, {"email": "x" * 100000}):
        assert client.post("/sites/demo/preferences", data=data).status_code in (200, 413, 422)


def test_a_burst_of_wrong_codes_is_limited_without_any_help(
        client: Any, demo: dict, app: Flask) -> None:
    """The same race with no barrier: 30 guesses sent at once from one client."""
    app.config["LUPA_SMS_CODE_ATTEMPTS"] = 5
    _, out = signup(client, "purske@example.fi", phone="050 111 3333", channels=["sms"])
    page, texts = post(client, confirm_path(out), lang="en")
    code, form = sms_code(texts, "+358501113333"), code_form(page.get_data(as_text=True))
    statuses: list[int] = []
    start = threading.Event()

    def guess(value: str) -> None:
        c = app.test_client()
        start.wait()
        statuses.append(c.post(form, data={"code": value}).status_code)

    threads = [threading.Thread(target=guess, args=(f"{(int(code) + k) % 10**6:06d}",))
               for k in range(1, 31)]
    for t in threads:
        t.start()
    start.set()
    for t in threads:
        t.join(60)
    print("BURST", statuses.count(422), sorted(statuses))
    assert statuses.count(422) <= 5


def test_a_burst_of_signups_stays_within_the_hourly_mail_limit(
        client: Any, demo: dict, app: Flask) -> None:
    """docs/marketing.md: 'Two requests racing on PostgreSQL may each see the last free
    slot.' A burst of 30 sees far more than one slot."""
    app.config["LUPA_MESSAGES_PER_RECIPIENT_HOUR"] = 5
    new_subject(client, demo, email=VICTIM_EMAIL)
    start = threading.Event()
    body = {"email": VICTIM_EMAIL, "purposes": ["offers"], "channels": ["email"],
            "notice_version": 1, "language": "en"}

    def one() -> None:
        c = app.test_client()
        start.wait()
        c.post(f"{BASE}/signups", json=body, headers={"Origin": "https://shop.example"})

    def burst() -> None:
        threads = [threading.Thread(target=one) for _ in range(30)]
        for t in threads:
            t.start()
        start.set()
        for t in threads:
            t.join(60)

    out = printed(burst)
    print("MAILS", out.count(f"To: {VICTIM_EMAIL}"), count(app, "message_sends"))
    assert out.count(f"To: {VICTIM_EMAIL}") <= 6


@pytest.mark.xfail(strict=True, reason="not in this round's findings: one sender thread "
                   "per process sends in order; fairness of the outbox is a separate change")
def test_a_flood_of_signups_does_not_hold_back_someone_elses_confirmation(
        client: Any, demo: dict, app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """One sender thread per process, one SMTP connection per mail, an unbounded queue: 40
    signups for made-up addresses queue ahead of a real person's mail. With a mail server
    that takes 0.5 s per mail (connect + STARTTLS + login each time) the person waits for
    every one of them; with one that times out (LUPA_SMTP_TIMEOUT=10) 40 x 10 s."""
    import time

    from service.domain.marketing import mailer, outbox

    delivered: dict[str, float] = {}

    def slow_deliver(cfg: Any, msg: Any) -> None:
        time.sleep(0.5)
        delivered[str(msg["To"])] = time.monotonic()

    monkeypatch.setattr(mailer, "deliver", slow_deliver)
    body = {"purposes": ["newsletter"], "channels": ["email"], "notice_version": 1}
    for i in range(40):
        client.post(f"{BASE}/signups", json={"email": f"roska{i}@example.fi", **body},
                    headers={"Origin": "https://shop.example"})
    asked = time.monotonic()
    client.post(f"{BASE}/signups", json={"email": "oikea@example.fi", **body},
                headers={"Origin": "https://shop.example"})
    assert outbox.wait_idle(30)
    waited = delivered["oikea@example.fi"] - asked
    print("WAITED", round(waited, 2))
    assert waited < 1.0


def test_a_burst_of_guesses_cannot_prove_another_customers_number(
        client: Any, demo: dict, app: Flask) -> None:
    """End to end: an attacker signs up with their own address and a customer's phone,
    confirms their own link and sends 29 wrong guesses at once, then the right code (an
    attacker sending 30 per burst would cover 30 codes per challenge instead of 5). Five
    tries are allowed, so the number must stay unproven and the customer without an sms
    grant. (The right code comes last: in the burst, where threads run in any order, it
    would be among the five counted tries about one time in six.)"""
    app.config["LUPA_SMS_CODE_ATTEMPTS"] = 5
    victim = new_subject(client, demo, email=VICTIM_EMAIL, phone=VICTIM_PHONE)
    _, out = signup(client, "hyokkaaja@example.fi", phone=VICTIM_PHONE, channels=["sms"])
    page, texts = post(client, confirm_path(out), lang="en")
    code, form = sms_code(texts, VICTIM_PHONE), code_form(page.get_data(as_text=True))
    guesses = [f"{(int(code) + k) % 10**6:06d}" for k in range(1, 30)]
    start = threading.Event()

    def guess(value: str) -> None:
        c = app.test_client()
        start.wait()
        c.post(form, data={"code": value})

    threads = [threading.Thread(target=guess, args=(g,)) for g in guesses]
    for t in threads:
        t.start()
    start.set()
    for t in threads:
        t.join(60)
    assert app.test_client().post(form, data={"code": code}).status_code == 200
    states = detail(client, demo, victim)["identifier_states"]
    print("VICTIM", states["phone"], reasons(check(client, demo, [VICTIM_PHONE],
                                                   "newsletter", "sms")))
    assert states["phone"]["verified"] is False
    assert reasons(check(client, demo, [VICTIM_PHONE], "newsletter", "sms")) == [
        "no_permission"]


def test_a_number_whose_allowance_a_stranger_spent_is_not_told_confirmed(
        client: Any, demo: dict, app: Flask) -> None:
    """A stranger re-POSTs their confirm link naming the owner's number five times; the
    owner's own sms signup then confirms to 'Your subscription is confirmed' with no code
    form, and nothing is granted (for the rest of the hour, again every hour)."""
    _, out = signup(client, "hyokkaaja@example.fi", phone="050 555 6666", channels=["sms"])
    link = confirm_path(out)
    for _ in range(5):
        post(client, link, lang="en")
    _, out = signup(client, "omistaja@example.fi", phone="050 555 6666", channels=["sms"])
    page, texts = post(client, confirm_path(out), lang="en")
    html = page.get_data(as_text=True)
    print("OWNER", "subscription is confirmed" in html, "/verify/" in html, repr(texts))
    assert "/verify/" in html or "subscription is confirmed" not in html


def test_each_code_sent_is_audited(client: Any, demo: dict, app: Flask) -> None:
    """Issuing a link is audited (marketing.link_mailed); a code texted to a number, with
    the link of its form, is not: SMS sent to strangers' numbers leave no trace."""
    from tests.marketing_helpers import audit_actions

    _, out = signup(client, "jalki@example.fi", phone="050 777 8888", channels=["sms"])
    before = audit_actions(app)
    _, texts = post(client, confirm_path(out), lang="en")
    assert "To: +358507778888" in texts
    new = audit_actions(app)[len(before):]
    print("AUDIT", new)
    assert any("code" in a or "sms" in a or "link_" in a for a in new), new


def test_links_of_an_erased_customer_do_nothing_and_do_not_fail(
        client: Any, demo: dict, app: Flask) -> None:
    sid = new_subject(client, demo, email=VICTIM_EMAIL, phone=VICTIM_PHONE)
    put_permission(client, demo, sid, "newsletter", "email", "granted")
    unsub = urlsplit(client.post(f"{BASE}/unsubscribe-links", json={
        "purpose": "*", "channel": "*", "recipients": [VICTIM_EMAIL]},
        headers=sender(demo)).get_json()["links"][0]["list_unsubscribe"].strip("<>")).path
    prefs = preferences_path(client, VICTIM_EMAIL)
    page, texts = post(client, prefs, action="verify_phone", lang="en")
    verify = code_form(page.get_data(as_text=True))
    assert client.post(f"{BASE}/subjects/{sid}/requests", json={"kind": "erasure"},
                       headers=admin(demo)).status_code == 201
    got = {}
    for path in (unsub, prefs, verify):
        for method in ("get", "post"):
            got[(path.split("/")[3], method)] = getattr(client, method)(
                path, data={"code": sms_code(texts, VICTIM_PHONE), "action": "download"}
            ).status_code
    print("ERASED", got)
    assert all(code < 500 for code in got.values()), got


def test_a_burst_of_different_signups_stays_within_the_hourly_mail_limit(
        client: Any, demo: dict, app: Flask) -> None:
    """The same burst with 21 different sets of permissions (each its own confirm mail):
    the address's allowance alone decides, and racing requests take turns for it."""
    from itertools import combinations

    app.config["LUPA_MESSAGES_PER_RECIPIENT_HOUR"] = 5
    new_subject(client, demo, email=VICTIM_EMAIL)
    purposes = [list(c) for n in (1, 2, 3) for c in combinations(
        ["newsletter", "offers", "research"], n)]
    bodies = [{"email": VICTIM_EMAIL, "purposes": p, "channels": c, "notice_version": 1,
               "language": "en"} for p in purposes for c in (["email"], ["post"],
                                                             ["email", "post"])]
    assert len(bodies) == 21
    start = threading.Event()

    def one(body: dict) -> None:
        c = app.test_client()
        start.wait()
        c.post(f"{BASE}/signups", json=body, headers={"Origin": "https://shop.example"})

    def burst() -> None:
        threads = [threading.Thread(target=one, args=(b,)) for b in bodies]
        for t in threads:
            t.start()
        start.set()
        for t in threads:
            t.join(60)

    out = printed(burst)
    print("MAILS", out.count(f"To: {VICTIM_EMAIL}"))
    assert out.count(f"To: {VICTIM_EMAIL}") == 5


def test_without_an_sms_gateway_a_production_app_sends_no_codes_and_says_so(
        client: Any, demo: dict, app: Flask) -> None:
    """service/wsgi.py (what `lupa serve` runs) turns the console off: no LUPA_SMS_URL, no
    code, and the page says the sms permissions were not confirmed."""
    app.config["LUPA_SMS_CONSOLE"] = False
    _, out = signup(client, "ilman@example.fi", phone="050 999 0000",
                    channels=["email", "sms"])
    page, texts = post(client, confirm_path(out), lang="en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and texts == ""
    assert "sends no text messages" in html and "/verify/" not in html
    assert count(app, "identifier_challenges") == 0
    assert reasons(check(client, demo, ["ilman@example.fi"])) == [None]  # e-mail: granted
    assert reasons(check(client, demo, ["ilman@example.fi"], "newsletter", "sms")) == [
        "no_permission"]


def test_a_confirm_link_followed_again_says_it_was_used(
        client: Any, demo: dict, app: Flask) -> None:
    _, out = signup(client, "kahdesti@example.fi")
    link = confirm_path(out)
    first = client.post(link, data={"lang": "en"}).get_data(as_text=True)
    again = client.post(link, data={"lang": "en"}).get_data(as_text=True)
    assert "subscription is confirmed" in first and "used already" not in first
    assert "used already" in again and "subscription is confirmed" not in again


@pytest.mark.parametrize("name", ["LUPA_SMS_CODE_ATTEMPTS", "LUPA_SMS_CODE_MAX_AGE",
                                  "LUPA_RIGHTS_LINK_MAX_AGE"])
def test_a_setting_of_zero_tries_or_seconds_is_refused(app: Flask, name: str) -> None:
    from service.config import ConfigError, check_config

    check_config(app.config)  # the test app's own settings pass
    with pytest.raises(ConfigError, match=name):
        check_config({**app.config, name: 0})


def test_a_mail_backend_other_than_smtp_or_console_is_refused(app: Flask) -> None:
    from service.config import ConfigError, check_config

    with pytest.raises(ConfigError, match="LUPA_MAIL_BACKEND"):
        check_config({**app.config, "LUPA_MAIL_BACKEND": "stdout"})
