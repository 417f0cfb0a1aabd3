"""One-click unsubscribe (RFC 8058) and the preferences page (its link mailed to the
customer on request): GET shows, POST changes; signed links refuse tampering, other sites
and expiry; texts in fi, sv and en."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from tests.marketing_helpers import (
    BASE,
    admin,
    audit_actions,
    check,
    count,
    new_subject,
    preferences_path,
    put_permission,
    reasons,
    sender,
    sent,
)


def links(client: Any, demo: dict, recipients: list[str], purpose: str = "newsletter") -> Any:
    return client.post(f"{BASE}/unsubscribe-links", json={"purpose": purpose,
                                                           "recipients": recipients},
                       headers=sender(demo))


@pytest.fixture()
def subscriber(client: Any, demo: dict) -> str:
    sid = new_subject(client, demo, email="tilaaja@example.fi")
    put_permission(client, demo, sid, "newsletter", "email", "granted")
    put_permission(client, demo, sid, "offers", "email", "granted")
    return sid


def path_of(header_value: str) -> str:
    return urlsplit(header_value.strip("<>")).path


def test_header_values_for_known_recipients_only(client: Any, demo: dict,
                                                 subscriber: str) -> None:
    resp = links(client, demo, ["tilaaja@example.fi", "nobody@example.fi", "bad@"])
    assert resp.status_code == 200
    first, unknown, invalid = resp.get_json()["links"]
    assert first["list_unsubscribe"].startswith("<http://localhost/sites/demo/unsubscribe/")
    assert first["list_unsubscribe_post"] == "List-Unsubscribe=One-Click"
    assert "tilaaja" not in first["list_unsubscribe"]
    assert (unknown["error"], invalid["error"]) == ("unknown", "invalid")
    assert set(first) == {"recipient", "list_unsubscribe", "list_unsubscribe_post", "error"}


def test_public_url_setting_is_used_for_links(client: Any, demo: dict, app: Flask,
                                              subscriber: str) -> None:
    app.config["LUPA_PUBLIC_URL"] = "https://lupa.kirkas.example"
    value = links(client, demo, ["tilaaja@example.fi"]).get_json()["links"][0]
    assert value["list_unsubscribe"].startswith("<https://lupa.kirkas.example/sites/demo/")


def test_get_shows_a_page_and_changes_nothing_post_unsubscribes(
        client: Any, demo: dict, app: Flask, subscriber: str) -> None:
    url = path_of(links(client, demo, ["tilaaja@example.fi"]).get_json()["links"][0]
                  ["list_unsubscribe"])
    before = count(app, "audit_entries")
    page = client.get(url + "?lang=sv")
    assert page.status_code == 200 and "Avsluta prenumerationen" in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert count(app, "audit_entries") == before
    assert reasons(check(client, demo, ["tilaaja@example.fi"])) == [None]
    resp = client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert resp.status_code == 200
    assert reasons(check(client, demo, ["tilaaja@example.fi"])) == ["withdrawn"]
    # Only the purpose of the link is withdrawn.
    assert reasons(check(client, demo, ["tilaaja@example.fi"], "offers")) == [None]
    assert "marketing.withdrawn" in audit_actions(app)
    detail = client.get(f"{BASE}/subjects/{subscriber}", headers=admin(demo)).get_json()
    assert detail["history"][-1]["source"] == "one-click-unsubscribe"
    assert client.post(url).status_code == 200  # repeating is harmless


def test_tampered_foreign_and_expired_unsubscribe_links(client: Any, demo: dict, app: Flask,
                                                        subscriber: str) -> None:
    url = path_of(links(client, demo, ["tilaaja@example.fi"]).get_json()["links"][0]
                  ["list_unsubscribe"])
    assert client.post(url[:-2] + "xx").status_code == 400
    assert client.post(url.replace("/sites/demo/", "/sites/other/")).status_code == 400
    app.config["LUPA_UNSUBSCRIBE_MAX_AGE"] = 1
    time.sleep(2.1)
    assert client.post(url).status_code == 410
    assert reasons(check(client, demo, ["tilaaja@example.fi"])) == [None]


def test_preferences_page_grants_withdraws_and_prohibits_everything(
        client: Any, demo: dict, app: Flask, subscriber: str) -> None:
    url = preferences_path(client, "tilaaja@example.fi")
    page = client.get(url + "?lang=fi")
    assert page.status_code == 200 and "Kiellä kaikki suoramarkkinointi" in page.get_data(
        as_text=True)
    resp = client.post(url, data={"action": "save", "perm": ["newsletter:email",
                                                             "research:post"], "lang": "en"})
    assert resp.status_code == 200 and "saved" in resp.get_data(as_text=True)
    assert reasons(check(client, demo, ["tilaaja@example.fi"], "offers")) == ["withdrawn"]
    assert reasons(check(client, demo, ["tilaaja@example.fi"], "research", "post")) == [None]
    client.post(url, data={"action": "prohibit_all"})
    for purpose, channel in (("newsletter", "email"), ("research", "post"),
                             ("third_party_disclosure", "post")):
        assert reasons(check(client, demo, ["tilaaja@example.fi"], purpose, channel)) == \
            ["prohibited"]
    assert "Lift the prohibition" in client.get(url + "?lang=en").get_data(as_text=True)
    client.post(url, data={"action": "lift"})
    assert reasons(check(client, demo, ["tilaaja@example.fi"])) == ["withdrawn"]


def test_preferences_link_is_refused_when_tampered(client: Any, demo: dict,
                                                   subscriber: str) -> None:
    url = preferences_path(client, "tilaaja@example.fi")
    assert client.get(url + "x").status_code == 400
    assert client.post(url + "x", data={"action": "prohibit_all"}).status_code == 400
    assert reasons(check(client, demo, ["tilaaja@example.fi"])) == [None]


def test_unsubscribe_links_need_a_sender_key_and_valid_input(client: Any, demo: dict) -> None:
    body = {"purpose": "newsletter", "recipients": ["a@example.fi"]}
    assert client.post(f"{BASE}/unsubscribe-links", json=body).status_code == 401
    assert client.post(f"{BASE}/unsubscribe-links", json=body,
                       headers=admin(demo)).status_code == 403
    for bad in ({"purpose": "nope", "recipients": ["a@example.fi"]},
                {"purpose": "newsletter", "recipients": []},
                {"purpose": "newsletter", "channel": "fax", "recipients": ["a@example.fi"]}):
        resp = client.post(f"{BASE}/unsubscribe-links", json=bad, headers=sender(demo))
        assert resp.status_code == 422


def test_no_identifier_reaches_the_logs_or_the_audit_log(client: Any, demo: dict, app: Flask,
                                                         subscriber: str,
                                                         capfd: pytest.CaptureFixture[str]
                                                         ) -> None:
    """Checks, links, unsubscribes and a failing mail server log no email or phone."""
    import logging

    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    keep = Keep()
    loggers = [logging.getLogger(name) for name in ("lupa", "lupa.access", "lupa.errors",
                                                    "lupa.mailer", "lupa.outbox",
                                                    "lupa.marketing.cache")]
    for logger in loggers:
        logger.addHandler(keep)
    try:
        check(client, demo, ["tilaaja@example.fi", "+358401234567"])
        url = path_of(links(client, demo, ["tilaaja@example.fi"]).get_json()["links"][0]
                      ["list_unsubscribe"])
        client.post(url)
        app.config.update(LUPA_SMTP_HOST="127.0.0.1", LUPA_SMTP_PORT=9, LUPA_SMTP_SECURITY="none")
        resp = client.post(f"{BASE}/signups", json={
            "email": "uusi@example.fi", "phone": "0401234567", "purposes": ["newsletter"],
            "channels": ["email"], "notice_version": 1})
        assert resp.status_code == 202
        sent()  # the mail fails on the sender thread, and is logged there
    finally:
        for logger in loggers:
            logger.removeHandler(keep)
    text = " ".join(r.getMessage() + repr(r.__dict__) for r in records) + capfd.readouterr().err
    assert records  # the access log did run
    assert any(r.name == "lupa.outbox" for r in records)  # the failed mail was logged
    for needle in ("tilaaja", "uusi@", "401234567", "example.fi"):
        assert needle not in text
    import sqlalchemy as sa

    from service.extensions import db

    with app.app_context():
        audit_text = " ".join(p for (p,) in db.session.execute(
            sa.text("SELECT payload || coalesce(subject, '') FROM audit_entries")))
    for needle in ("tilaaja", "uusi@", "401234567", "example.fi"):
        assert needle not in audit_text


def test_customer_downloads_everything_held_through_the_signed_link(
        client: Any, demo: dict, app: Flask, subscriber: str) -> None:
    url = preferences_path(client, "tilaaja@example.fi")
    assert "Download my data" in client.get(url + "?lang=en").get_data(as_text=True)
    resp = client.post(url, data={"action": "download", "lang": "en"})
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert resp.headers["Content-Disposition"] == 'attachment; filename="demo-my-data.json"'
    data = resp.get_json()
    assert data["format"] == "lupa.subject-export" and data["subject"]["id"] == subscriber
    assert data["identifiers"] == {"email": "tilaaja@example.fi"}
    granted = {(p["purpose"], p["channel"]) for p in data["permissions"]
               if p["state"] == "granted"}
    assert granted == {("newsletter", "email"), ("offers", "email")}
    assert [(r["kind"], r["via"], r["status"]) for r in data["requests"]] == [
        ("access", "signed-link", "completed")]
    assert audit_actions(app)[-1] == "rights.access"


def test_customer_erasure_needs_the_box_ticked_then_shreds_the_subject(
        client: Any, demo: dict, app: Flask, subscriber: str) -> None:
    from service.domain import audit, sites

    url = preferences_path(client, "tilaaja@example.fi")
    before = len(audit_actions(app))
    unticked = client.post(url, data={"action": "erase", "lang": "en"})
    assert unticked.status_code == 200 and "Tick the box" in unticked.get_data(as_text=True)
    assert len(audit_actions(app)) == before
    assert reasons(check(client, demo, ["tilaaja@example.fi"])) == [None]
    done = client.post(url, data={"action": "erase", "confirm": "yes", "lang": "fi"})
    assert done.status_code == 200 and "Tietosi on poistettu" in done.get_data(as_text=True)
    # the erasure, then its physical purge (domain/rights/purge.py)
    assert audit_actions(app)[-2:] == ["rights.erasure", "rights.erasure_purged"]
    assert reasons(check(client, demo, ["tilaaja@example.fi"])) == ["unknown"]
    assert "tilaaja" not in " ".join(str(r) for r in count_identifiers(app))
    assert "poistettu" in client.get(url + "?lang=fi").get_data(as_text=True)
    with app.app_context():
        assert audit.verify_site(sites.get_site("demo")).ok


def count_identifiers(app: Flask) -> list[Any]:
    import sqlalchemy as sa

    from service.extensions import db

    with app.app_context():
        return list(db.session.execute(sa.text("SELECT * FROM subject_identifiers")).all())
