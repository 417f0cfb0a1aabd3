"""Links are scoped and audited (issue 13, item 2): a sender key gets unsubscribe links and
nothing else, each issuance is an audit entry naming the key (pseudonyms, never a
recipient); an unsubscribe link withdraws and cannot download, erase, lift or open the
preferences; preference links are mailed only to an address the site knows, prove that
address, and download or erase only while fresh; sms grants there need a proven number."""

from __future__ import annotations

import json
import re
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.domain.marketing.test_identity import code_form, detail, post, sms_code
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
)


def last_audit(app: Flask) -> dict[str, Any]:
    from service.extensions import db

    with app.app_context():
        row = db.session.execute(sa.text(
            "SELECT actor, action, subject, payload FROM audit_entries ORDER BY id DESC LIMIT 1")
        ).one()
    return {"actor": row[0], "action": row[1], "subject": row[2], "payload": json.loads(row[3])}


@pytest.fixture()
def customer(client: Any, demo: dict) -> str:
    sid = new_subject(client, demo, email="asiakas@example.fi", phone="+358401234567")
    put_permission(client, demo, sid, "newsletter", "email", "granted")
    put_permission(client, demo, sid, "offers", "email", "granted")
    put_permission(client, demo, sid, "*", "post", "prohibited")
    return sid


def links(client: Any, demo: dict, **body: Any) -> Any:
    return client.post(f"{BASE}/unsubscribe-links", json={
        "purpose": "newsletter", "recipients": ["asiakas@example.fi"], **body},
        headers=sender(demo))


def test_a_sender_key_gets_only_unsubscribe_links_and_each_issuance_is_audited(
        client: Any, demo: dict, app: Flask, customer: str) -> None:
    key_id = demo["keys"]["sender"].split("_")[1]
    resp = links(client, demo, recipients=["asiakas@example.fi", "nobody@example.fi",
                                           "+358401234567"])
    assert resp.status_code == 200
    entries = resp.get_json()["links"]
    assert [set(e) for e in entries] == [
        {"recipient", "list_unsubscribe", "list_unsubscribe_post", "error"}] * 3
    urls = re.findall(r"https?://[^\s\"'<>]+", json.dumps(entries))
    assert urls and all("/sites/demo/unsubscribe/" in u for u in urls)
    entry = last_audit(app)
    assert (entry["actor"], entry["action"]) == (f"key:{key_id}", "marketing.links_issued")
    assert entry["payload"] == {"link": "unsubscribe", "purpose": "newsletter",
                                "channel": "email", "recipients": 3,
                                "subjects": [f"subject:{customer}"] * 2}
    assert "asiakas" not in json.dumps(entry) and "401234567" not in json.dumps(entry)


def test_an_unsubscribe_link_for_everything_withdraws_every_purpose_on_its_channel(
        client: Any, demo: dict, app: Flask, customer: str) -> None:
    value = links(client, demo, purpose="*").get_json()["links"][0]["list_unsubscribe"]
    assert last_audit(app)["payload"]["purpose"] == "*"
    url = urlsplit(value.strip("<>")).path
    assert "all marketing" in client.get(url + "?lang=en").get_data(as_text=True)
    client.post(url, data={"List-Unsubscribe": "One-Click"})
    for purpose in ("newsletter", "offers"):
        assert reasons(check(client, demo, ["asiakas@example.fi"], purpose)) == ["withdrawn"]


def test_an_unsubscribe_link_cannot_download_erase_lift_or_open_the_preferences(
        client: Any, demo: dict, app: Flask, customer: str) -> None:
    url = urlsplit(links(client, demo).get_json()["links"][0]["list_unsubscribe"]
                   .strip("<>")).path
    token = url.rsplit("/", 1)[1]
    page = client.get(url + "?lang=en").get_data(as_text=True)
    assert "/preferences/" not in page  # a GET mints no preference link
    assert 'href="/sites/demo/preferences?lang=en"' in page  # only the page to ask for one
    for data in ({"action": "download"}, {"action": "erase", "confirm": "yes"},
                 {"action": "lift"}, {"action": "lift:direct_marketing"}):
        resp = client.post(url, data=data)
        assert resp.status_code == 200 and resp.mimetype == "text/html"
    for method in (client.get, client.post):
        assert method(f"/sites/demo/preferences/{token}").status_code == 400
        assert method(f"/sites/demo/confirm/{token}").status_code == 400
    actions = audit_actions(app)
    assert "rights.access" not in actions and "rights.erasure" not in actions
    assert "marketing.lifted" not in actions
    assert reasons(check(client, demo, ["asiakas@example.fi"], "newsletter", "post")) == [
        "prohibited"]
    assert detail(client, demo, customer)["identifiers"] == {
        "email": "asiakas@example.fi", "phone": "+358401234567"}


def test_a_preference_link_is_mailed_only_to_a_known_address_and_the_page_says_the_same(
        client: Any, demo: dict, app: Flask, customer: str) -> None:
    pages, outs = [], []
    for email in ("asiakas@example.fi", "tuntematon@example.fi"):
        resp, out = post(client, "/sites/demo/preferences", email=email, lang="en")
        pages.append((resp.status_code, resp.get_data(as_text=True)))
        outs.append(out)
    assert pages[0] == pages[1] and pages[0][0] == 200
    assert "If we know the address" in pages[0][1]
    assert "To: asiakas@example.fi" in outs[0] and "/sites/demo/preferences/" in outs[0]
    assert outs[1] == ""
    entry = last_audit(app)
    assert (entry["actor"], entry["action"], entry["subject"]) == (
        "visitor", "marketing.link_mailed", f"subject:{customer}")
    assert entry["payload"] == {"link": "preferences", "to": "email"}
    bad = client.post("/sites/demo/preferences", data={"email": "nope", "lang": "en"})
    assert bad.status_code == 422 and count(app, "message_sends") == 1


def test_a_change_through_the_mailed_link_proves_the_address(
        client: Any, demo: dict, customer: str) -> None:
    url = preferences_path(client, "asiakas@example.fi")
    assert detail(client, demo, customer)["identifier_states"]["email"]["verified"] is False
    client.get(url)  # a GET proves nothing (a mail scanner may follow it)
    assert detail(client, demo, customer)["identifier_states"]["email"]["verified"] is False
    client.post(url, data={"action": "save", "perm": ["newsletter:email"]})
    state = detail(client, demo, customer)["identifier_states"]["email"]
    assert state["verified"] and state["verified_by"] == "email-link" and state["verified_at"]


def test_download_and_erasure_need_a_fresh_mailed_link(
        client: Any, demo: dict, app: Flask, customer: str) -> None:
    app.config["LUPA_RIGHTS_LINK_MAX_AGE"] = 1
    url = preferences_path(client, "asiakas@example.fi")
    time.sleep(2.1)
    for data in ({"action": "download"}, {"action": "erase", "confirm": "yes"}):
        resp = client.post(url, data={**data, "lang": "en"})
        assert resp.status_code == 200 and resp.mimetype == "text/html"
        assert "needs a fresh link" in resp.get_data(as_text=True)
    actions = audit_actions(app)
    assert "rights.access" not in actions and "rights.erasure" not in actions
    app.config["LUPA_RIGHTS_LINK_MAX_AGE"] = 3600  # a loaded machine may take a second
    fresh = preferences_path(client, "asiakas@example.fi")
    resp = client.post(fresh, data={"action": "download"})
    assert resp.mimetype == "application/json"
    assert resp.get_json()["identifiers"]["email"] == "asiakas@example.fi"


def test_sms_grants_on_the_preferences_page_need_a_proven_phone(
        client: Any, demo: dict, app: Flask, customer: str) -> None:
    url = preferences_path(client, "asiakas@example.fi")
    resp = client.post(url, data={"action": "save", "lang": "en",
                                  "perm": ["newsletter:email", "newsletter:sms"]})
    assert "need a confirmed phone number" in resp.get_data(as_text=True)
    assert reasons(check(client, demo, ["+358401234567"], "newsletter", "sms")) == [
        "no_permission"]
    page, texts = post(client, url, action="verify_phone", lang="en")
    code, form = sms_code(texts, "+358401234567"), code_form(page.get_data(as_text=True))
    assert client.post(form, data={"code": code, "lang": "en"}).status_code == 200
    assert detail(client, demo, customer)["identifier_states"]["phone"]["verified_by"] == \
        "sms-code"
    client.post(url, data={"action": "save", "perm": ["newsletter:email", "newsletter:sms"]})
    assert reasons(check(client, demo, ["+358401234567"], "newsletter", "sms")) == [None]


def test_a_proven_number_of_another_customer_gets_the_grant_there_and_nothing_moves(
        client: Any, demo: dict, app: Flask, customer: str) -> None:
    """A person who proves by code a number the site has on another customer acts for that
    number only: the two customers are not merged and no identifier moves."""
    from tests.domain.marketing.test_identity import confirm_path, signup

    _, out = signup(client, "toinen@example.fi", phone="+358401234567", channels=["sms"])
    page, texts = post(client, confirm_path(out), lang="en")
    form = code_form(page.get_data(as_text=True))
    client.post(form, data={"code": sms_code(texts, "+358401234567"), "lang": "en"})
    assert reasons(check(client, demo, ["+358401234567"], "newsletter", "sms")) == [None]
    assert detail(client, demo, customer)["identifiers"] == {
        "email": "asiakas@example.fi", "phone": "+358401234567"}
    other = client.post(f"{BASE}/subjects", json={"email": "toinen@example.fi"},
                        headers=admin(demo)).get_json()
    assert other["id"] != customer and other["identifier_kinds"] == ["email"]
    assert reasons(check(client, demo, ["toinen@example.fi"], "newsletter", "sms")) == [
        "no_permission"]

