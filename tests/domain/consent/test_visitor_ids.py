"""Whose choice a write records: the visitor named by the service's signed HttpOnly cookie,
never an id from the body (issue 13 item 7; DESIGN invariant 9: a change comes "from the
visitor's own cookie"). A visitor id is no secret (it is in the site's first-party cookie,
audit subjects and read URLs), so anyone who learned one must not add a choice in its name."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import as_visitor, new_visitor

CONSENTS = "/api/v1/sites/demo/consents"
ACCEPT = {"notice_version": 1, "method": "accept_all",
          "choices": {"preferences": True, "analytics": True, "marketing": True}}
REJECT = {"notice_version": 1, "method": "reject_all", "choices": {}}


def events_of(app: Flask, vid: str) -> list[str]:
    from service.extensions import db

    with app.app_context():
        return list(db.session.execute(sa.text(
            "SELECT method FROM consent_events WHERE visitor_id = :v ORDER BY id"),
            {"v": vid}).scalars())


@pytest.fixture()
def victim(app: Flask, demo: dict) -> str:
    """A visitor who refused everything, from their own browser."""
    browser = app.test_client()
    vid = browser.post(CONSENTS, json=REJECT).get_json()["visitor_id"]
    assert events_of(app, vid) == ["reject_all"]
    return str(vid)


@pytest.mark.parametrize("cookie", [
    None,                                   # no cookie: the body id alone
    "{vid}",                                # the bare id, as an HttpOnly cookie would be forged
    "{vid}.forged-signature",
    "signed-by-another-secret",
])
def test_a_learned_visitor_id_adds_nothing_in_that_visitors_name(
        app: Flask, victim: str, cookie: str | None) -> None:
    attacker = app.test_client()
    if cookie == "signed-by-another-secret":
        from service.domain.consent import cookie_value

        attacker.set_cookie("lupa_vid", cookie_value("another-secret", victim))
    elif cookie is not None:
        attacker.set_cookie("lupa_vid", cookie.format(vid=victim))
    resp = attacker.post(CONSENTS, json={**ACCEPT, "visitor_id": victim})
    assert resp.status_code == 201
    minted = resp.get_json()["visitor_id"]
    assert minted != victim and uuid.UUID(minted).version == 4
    assert events_of(app, victim) == ["reject_all"]  # the victim's record is untouched
    assert events_of(app, minted) == ["accept_all"]
    current = app.test_client().get(f"{CONSENTS}/{victim}").get_json()
    assert current["method"] == "reject_all"


def test_the_cookie_names_the_visitor_and_a_different_body_id_is_not_used(
        app: Flask, client: Any, demo: dict) -> None:
    vid = client.post(CONSENTS, json=REJECT).get_json()["visitor_id"]
    other = new_visitor()
    resp = client.post(CONSENTS, json={**ACCEPT, "visitor_id": other})
    assert resp.status_code == 201 and resp.get_json()["visitor_id"] == vid
    assert events_of(app, vid) == ["reject_all", "accept_all"] and events_of(app, other) == []
    same = client.post(CONSENTS, json={**REJECT, "visitor_id": vid.upper()})
    assert same.get_json()["visitor_id"] == vid  # a matching body id (any spelling) is fine
    assert events_of(app, vid) == ["reject_all", "accept_all", "reject_all"]


def test_a_first_visit_gets_the_services_id_in_a_signed_cookie(app: Flask, client: Any,
                                                                demo: dict) -> None:
    """The widget makes up an id before its first write; the service answers with its own,
    which the widget keeps (widget/src/index.js: onDelivered)."""
    made_up = new_visitor()
    resp = client.post(CONSENTS, json={**ACCEPT, "visitor_id": made_up})
    vid = resp.get_json()["visitor_id"]
    assert vid != made_up and events_of(app, made_up) == []
    cookie = resp.headers["Set-Cookie"]
    value = cookie.split(";")[0].split("=", 1)[1]
    assert value.startswith(vid + ".") and len(value) > len(vid) + 20
    assert "HttpOnly" in cookie and "Path=/" in cookie
    assert client.get(f"{CONSENTS}/current").get_json()["visitor_id"] == vid


@pytest.mark.parametrize("nil", ["00000000-0000-0000-0000-000000000000",
                                 "ffffffff-ffff-ffff-ffff-ffffffffffff",
                                 "00000000000000000000000000000000"])
def test_the_nil_and_max_uuid_are_refused_with_400(app: Flask, client: Any, demo: dict,
                                                   nil: str) -> None:
    resp = client.post(CONSENTS, json={**ACCEPT, "visitor_id": nil})
    assert resp.status_code == 400 and resp.mimetype == "application/problem+json"
    assert resp.get_json()["errors"] == {"visitor_id": ["not a random UUID"]}
    assert events_of(app, str(uuid.UUID(nil))) == []
    from service.extensions import db

    with app.app_context():
        assert db.session.execute(sa.text("SELECT count(*) FROM consent_events")).scalar() == 0
    assert client.get(f"{CONSENTS}/{nil}").status_code == 400
    assert client.get(f"{CONSENTS}/{nil}/history").status_code == 400


def test_a_signed_cookie_for_the_nil_uuid_is_no_visitor(app: Flask, client: Any,
                                                         demo: dict) -> None:
    from service.domain.consent import cookie_value

    nil = str(uuid.UUID(int=0))
    client.set_cookie("lupa_vid", cookie_value(app.config["SECRET_KEY"], nil))
    resp = client.post(CONSENTS, json=REJECT)
    assert resp.status_code == 201 and resp.get_json()["visitor_id"] != nil


def test_as_visitor_makes_the_client_that_visitors_browser(app: Flask, client: Any,
                                                           demo: dict) -> None:
    """The tests' helper: the signed cookie the service itself would have set."""
    vid = new_visitor()
    as_visitor(client, vid)
    assert client.post(CONSENTS, json=REJECT).get_json()["visitor_id"] == vid
