"""The auditor's session (issue 13 item 7): Secure behind HTTPS, revoked server-side at
sign-out (a copy of the cookie replayed afterwards is refused), an absolute lifetime
(LUPA_AUDITOR_SESSION_MAX_AGE, 8 h) and an idle timeout (LUPA_AUDITOR_SESSION_IDLE, 30 min)."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.auditor.test_auditor_pages import BASE, csrf, sign_in
from tests.conftest import make_app

PAGES = ("", "/log", "/report", "/export.csv")


def session_cookie(client: Any) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return str(cookie.value)


def signed_out(client: Any) -> bool:
    """Every page sends the client to the sign-in page."""
    return all(client.get(BASE + path).status_code == 302 for path in PAGES)


def age_sessions(app: Flask, by: timedelta) -> None:
    from service.extensions import db
    from service.models import AuditorSession

    with app.app_context():
        for row in db.session.execute(sa.select(AuditorSession)).scalars():
            row.created_at = row.created_at - by
        db.session.commit()


def test_a_cookie_replayed_after_sign_out_is_refused(app: Flask, client: Any,
                                                     demo: dict) -> None:
    assert sign_in(client, demo["keys"]["auditor"]).status_code == 303
    page = client.get(BASE)
    assert page.status_code == 200
    stolen = session_cookie(client)
    out = client.post(BASE + "/logout", data={"csrf_token": csrf(page.get_data(as_text=True))})
    assert out.status_code == 303
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert signed_out(replay)
    # a POST with the old cookie and its CSRF token is refused as well
    assert replay.post(BASE + "/checkpoint",
                       data={"csrf_token": csrf(page.get_data(as_text=True))}).status_code == 403


def test_signing_out_ends_only_that_session(app: Flask, demo: dict) -> None:
    first, second = app.test_client(), app.test_client()
    for c in (first, second):
        assert sign_in(c, demo["keys"]["auditor"]).status_code == 303
    page = first.get(BASE)
    first.post(BASE + "/logout", data={"csrf_token": csrf(page.get_data(as_text=True))})
    assert signed_out(first)
    assert second.get(BASE).status_code == 200


@pytest.mark.parametrize("age,alive", [(timedelta(hours=7, minutes=59), True),
                                       (timedelta(hours=8, minutes=1), False)])
def test_a_session_lives_eight_hours_from_sign_in_whatever_is_done(
        app: Flask, client: Any, demo: dict, age: timedelta, alive: bool) -> None:
    """The absolute lifetime counts from sign-in, not from the last request."""
    assert sign_in(client, demo["keys"]["auditor"]).status_code == 303
    assert client.get(BASE).status_code == 200
    age_sessions(app, age)
    assert (client.get(BASE).status_code == 200) is alive
    if not alive:
        assert signed_out(client)


def test_the_lifetimes_are_configurable(database_url: str, tmp_path: Path,
                                        demo: dict) -> None:
    from service.config import load_config

    cfg = load_config({"LUPA_AUDITOR_SESSION_MAX_AGE": "3600",
                       "LUPA_AUDITOR_SESSION_IDLE": "600"}, str(tmp_path))
    assert (cfg["LUPA_AUDITOR_SESSION_MAX_AGE"], cfg["LUPA_AUDITOR_SESSION_IDLE"]) == (3600, 600)
    defaults = load_config({}, str(tmp_path))
    assert (defaults["LUPA_AUDITOR_SESSION_MAX_AGE"],
            defaults["LUPA_AUDITOR_SESSION_IDLE"]) == (8 * 3600, 30 * 60)
    app = make_app(database_url, tmp_path / "short", LUPA_AUDITOR_SESSION_MAX_AGE=3600)
    client = app.test_client()
    assert sign_in(client, demo["keys"]["auditor"]).status_code == 303
    age_sessions(app, timedelta(minutes=61))
    assert signed_out(client)


def test_an_idle_session_ends(database_url: str, tmp_path: Path, demo: dict) -> None:
    app = make_app(database_url, tmp_path / "idle", LUPA_AUDITOR_SESSION_IDLE=1)
    client = app.test_client()
    assert sign_in(client, demo["keys"]["auditor"]).status_code == 303
    assert client.get(BASE).status_code == 200
    time.sleep(2.1)
    assert signed_out(client)


@pytest.mark.parametrize("public_url,proxy,headers,secure", [
    ("https://consent.kirkas.fi", 0, {}, True),        # LUPA_PUBLIC_URL is https
    ("http://localhost", 0, {}, False),                # plain http on localhost (the demo)
    ("http://localhost", 1, {"X-Forwarded-Proto": "https"}, True),   # a trusted proxy says so
    ("http://localhost", 0, {"X-Forwarded-Proto": "https"}, False),  # no proxy is trusted
])
def test_the_session_cookie_is_secure_behind_https(
        database_url: str, tmp_path: Path, demo: dict, public_url: str, proxy: int,
        headers: dict[str, str], secure: bool) -> None:
    app = make_app(database_url, tmp_path / "tls", LUPA_PUBLIC_URL=public_url,
                   LUPA_PROXY_COUNT=proxy)
    client = app.test_client()
    page = client.get(BASE + "/login", headers=headers)
    resp = client.post(BASE + "/login", headers=headers, data={
        "key": demo["keys"]["auditor"], "csrf_token": csrf(page.get_data(as_text=True))})
    assert resp.status_code == 303
    cookie = resp.headers["Set-Cookie"]
    assert cookie.startswith("session=") and "HttpOnly" in cookie
    assert ("; Secure" in cookie) is secure, cookie
