"""Links in mails are built from LUPA_PUBLIC_URL only: a client's `Host` or
`X-Forwarded-Host` never reaches a mail (issue 13, item 3), checked through a real SMTP
server (aiosmtpd); without LUPA_PUBLIC_URL no link is built and nothing is stored."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import bearer, fresh_app, make_app
from tests.domain.marketing.test_optin import SIGNUP, Inbox, inbox, signup
from tests.marketing_helpers import BASE, count, sent

__all__ = ["inbox"]  # the SMTP fixture, shared with test_optin

PUBLIC = "https://consent.kirkas.example"
EVIL = {"Host": "evil.example", "X-Forwarded-Host": "evil.example",
        "X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}


def _app(database_url: str, tmp_path: Path, port: int, **extra: Any) -> Iterator[Flask]:
    yield from fresh_app(database_url, tmp_path, LUPA_SMTP_HOST="127.0.0.1",
                         LUPA_SMTP_PORT=port, LUPA_SMTP_SECURITY="none", LUPA_PROXY_COUNT=1,
                         **extra)


@pytest.fixture()
def public_app(database_url: str, tmp_path: Path,
               inbox: tuple[Inbox, int]) -> Iterator[Flask]:
    yield from _app(database_url, tmp_path, inbox[1], LUPA_PUBLIC_URL=PUBLIC)


@pytest.fixture()
def unset_app(database_url: str, tmp_path: Path,
              inbox: tuple[Inbox, int]) -> Iterator[Flask]:
    yield from _app(database_url, tmp_path, inbox[1], LUPA_PUBLIC_URL=None)


def _demo(app: Flask) -> dict[str, Any]:
    from tests.conftest import demo as demo_fixture

    return demo_fixture.__wrapped__(app)  # type: ignore[attr-defined, no-any-return]


def _links(inbox: Inbox) -> list[str]:
    body = inbox.messages[-1].get_payload(decode=True).decode()  # type: ignore[union-attr]
    return re.findall(r"https?://[^\s\"'<>]+", body)


def test_a_signup_with_a_forged_host_mails_a_link_to_the_public_url(
        public_app: Flask, inbox: tuple[Inbox, int]) -> None:
    _demo(public_app)
    client = public_app.test_client()
    body = {"email": "uusi.tilaaja@example.fi", "purposes": ["newsletter"],
            "channels": ["email"], "notice_version": 1, "language": "en"}
    resp = client.post(SIGNUP, json=body,
                       headers={"Origin": "https://shop.example", **EVIL})
    assert resp.status_code == 202, resp.get_json()
    sent()
    links = _links(inbox[0])
    assert links and all(link.startswith(PUBLIC + "/sites/demo/confirm/") for link in links)
    raw = inbox[0].messages[-1].as_string()
    assert "evil.example" not in raw


def test_unsubscribe_links_ignore_a_forged_host(public_app: Flask) -> None:
    demo = _demo(public_app)
    client = public_app.test_client()
    client.post(f"{BASE}/subjects", json={"email": "asiakas@example.fi"},
                headers=bearer(demo["keys"]["admin"]))
    resp = client.post(f"{BASE}/unsubscribe-links",
                       json={"purpose": "newsletter", "channel": "email",
                             "recipients": ["asiakas@example.fi"]},
                       headers={**bearer(demo["keys"]["sender"]), **EVIL})
    assert resp.status_code == 200, resp.get_json()
    link = resp.get_json()["links"][0]["list_unsubscribe"]
    assert link.startswith(f"<{PUBLIC}/sites/demo/unsubscribe/")


def test_without_a_public_url_no_link_is_built_and_nothing_is_stored(
        unset_app: Flask, inbox: tuple[Inbox, int]) -> None:
    _demo(unset_app)
    before = (count(unset_app, "audit_entries"), count(unset_app, "marketing_permissions"))
    resp = signup(unset_app.test_client())
    assert resp.status_code == 503
    assert "LUPA_PUBLIC_URL" in resp.get_json()["detail"]
    assert inbox[0].messages == []
    after = (count(unset_app, "audit_entries"), count(unset_app, "marketing_permissions"))
    assert after == before


def test_x_forwarded_host_is_not_trusted_behind_a_proxy(public_app: Flask) -> None:
    """With one trusted proxy, X-Forwarded-For and -Proto are read, -Host is not: the service
    does not take a forwarded host for its own origin (here: CORS of the public API)."""
    _demo(public_app)
    resp = public_app.test_client().get(
        "/api/v1/sites/demo/config",
        headers={"Origin": "https://evil.example", "X-Forwarded-Host": "evil.example",
                 "X-Forwarded-Proto": "https"})
    assert resp.status_code == 200
    assert "Access-Control-Allow-Origin" not in resp.headers


@pytest.mark.parametrize("url", ["consent.kirkas.fi", "https://consent.kirkas.fi/lupa",
                                 "http://consent.kirkas.fi"])
def test_a_malformed_public_url_fails_at_start(database_url: str, tmp_path: Path,
                                               url: str) -> None:
    from service.config import ConfigError

    with pytest.raises(ConfigError, match="LUPA_PUBLIC_URL"):
        make_app(database_url, tmp_path / "instance", LUPA_PUBLIC_URL=url)
