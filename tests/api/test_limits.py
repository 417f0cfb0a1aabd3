"""Rate limits on the public endpoints (per site and client) and the security headers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import make_app

CONSENTS = "/api/v1/sites/{site}/consents"
CHOICE = {"notice_version": 1, "choices": {}, "method": "reject_all"}


@pytest.fixture()
def limited(database_url: str, tmp_path: Path, demo: dict) -> Iterator[Callable[..., Flask]]:
    """Build apps on the test database (demo data in place) with rate limiting switched on."""
    made: list[Flask] = []

    def build(**cfg: Any) -> Flask:
        # Counters in memory: the shared test Redis is flushed by other sessions at any time
        # (Redis-backed limits are pinned with a private server in test_redis_loss.py).
        settings = {"LUPA_RATELIMIT_ENABLED": True, "LUPA_RATELIMIT_PUBLIC_READ": "1000/minute",
                    "LUPA_RATELIMIT_PUBLIC_WRITE": "1000/minute",
                    "LUPA_RATELIMIT_STORAGE_URL": "lupa-memory://", **cfg}
        application = make_app(database_url, tmp_path / f"inst{len(made)}", **settings)
        made.append(application)
        return application

    yield build
    from service.extensions import db

    for application in made:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


def client_from(app: Flask, ip: str) -> FlaskClient:
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = ip
    return c


def stored_events(app: Flask) -> int:
    from service.extensions import db

    with app.app_context():
        return int(db.session.execute(sa.text("SELECT count(*) FROM consent_events")).scalar_one())


def test_writes_past_the_limit_get_429_problem_with_retry_after_and_store_nothing(
    limited: Callable[..., Flask],
) -> None:
    app = limited(LUPA_RATELIMIT_PUBLIC_WRITE="3/minute")
    c = client_from(app, "203.0.113.7")
    for _ in range(3):
        assert c.post(CONSENTS.format(site="demo"), json=CHOICE).status_code == 201
    r = c.post(CONSENTS.format(site="demo"), json=CHOICE)
    assert r.status_code == 429
    assert r.mimetype == "application/problem+json"
    body = r.get_json()
    assert body["status"] == 429 and body["type"].endswith("/too-many-requests")
    assert 1 <= int(r.headers["Retry-After"]) <= 61
    assert stored_events(app) == 3


def test_limit_is_per_site_and_per_client(limited: Callable[..., Flask]) -> None:
    app = limited(LUPA_RATELIMIT_PUBLIC_WRITE="2/minute")
    first = client_from(app, "203.0.113.7")
    for _ in range(2):
        assert first.post(CONSENTS.format(site="demo"), json=CHOICE).status_code == 201
    assert first.post(CONSENTS.format(site="demo"), json=CHOICE).status_code == 429
    # The same client on another site, and another client on the same site, still pass.
    other_site = first.post(CONSENTS.format(site="other"), json=CHOICE,
                            headers={"Origin": "https://other.example"})
    assert other_site.status_code == 201
    second = client_from(app, "198.51.100.9")
    assert second.post(CONSENTS.format(site="demo"), json=CHOICE).status_code == 201


def test_reads_have_their_own_budget_across_public_endpoints(
    limited: Callable[..., Flask],
) -> None:
    app = limited(LUPA_RATELIMIT_PUBLIC_READ="3/minute", LUPA_RATELIMIT_PUBLIC_WRITE="5/minute")
    c = client_from(app, "203.0.113.7")
    assert c.get("/api/v1/sites/demo/config").status_code == 200
    assert c.get("/sites/demo/notice").status_code == 200
    assert c.get("/api/v1/sites/demo/config").status_code == 200
    # The notice page and the config share the read budget of this site and client.
    limited_page = c.get("/sites/demo/notice")
    assert limited_page.status_code == 429
    assert limited_page.mimetype == "application/problem+json"
    assert c.get("/api/v1/sites/demo/config").status_code == 429
    # Writes are counted separately: a visitor who read a lot can still record a choice.
    assert c.post(CONSENTS.format(site="demo"), json=CHOICE).status_code == 201


def test_keyed_and_health_endpoints_are_not_under_the_public_limits(
    limited: Callable[..., Flask], demo: dict,
) -> None:
    app = limited(LUPA_RATELIMIT_PUBLIC_READ="1/minute")
    c = client_from(app, "203.0.113.7")
    headers = {"Authorization": f"Bearer {demo['keys']['auditor']}"}
    for _ in range(3):
        assert c.get("/healthz").status_code == 200
        assert c.get("/api/v1/sites/demo/audit/verify", headers=headers).status_code == 200


def test_limits_can_be_switched_off(limited: Callable[..., Flask]) -> None:
    app = limited(LUPA_RATELIMIT_ENABLED=False, LUPA_RATELIMIT_PUBLIC_WRITE="1/minute")
    c = client_from(app, "203.0.113.7")
    assert [c.post(CONSENTS.format(site="demo"), json=CHOICE).status_code
            for _ in range(3)] == [201, 201, 201]


def test_html_pages_get_a_strict_csp_without_inline_code(client: FlaskClient, demo: dict) -> None:
    r = client.get("/sites/demo/notice")
    assert r.status_code == 200
    csp = r.headers["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split("; ")}
    assert directives["default-src"] == ["'none'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_json_answers_get_a_locked_down_csp(client: FlaskClient, demo: dict) -> None:
    r = client.get("/api/v1/sites/demo/config")
    assert r.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_a_page_with_its_own_csp_keeps_it(app: Flask, client: FlaskClient) -> None:
    @app.get("/own-csp-page")
    def own() -> Any:
        return "<p>x</p>", 200, {"Content-Security-Policy": "default-src 'self'"}

    assert client.get("/own-csp-page").headers["Content-Security-Policy"] == "default-src 'self'"


def test_hsts_only_over_https(client: FlaskClient, demo: dict) -> None:
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    secure = client.get("/healthz", base_url="https://lupa.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=63072000")
