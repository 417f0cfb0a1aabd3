"""Fixtures: a migrated database per session (SQLite, or PostgreSQL when configured), a clean
state per test, an app, a client, and the demo site with keys for every role.

LUPA_TEST_DATABASE_URL selects PostgreSQL (e.g. postgresql://postgres@127.0.0.1/test); a fresh
database is created per test session (and per xdist worker). LUPA_TEST_REDIS_URL enables Redis.
"""

from __future__ import annotations

import base64
import os
import secrets
import tomllib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from service.app import create_app
from service.config import normalise_database_url

ROOT = Path(__file__).resolve().parent.parent
DEMO_NOTICE = ROOT / "service" / "demo" / "notice.toml"
DEMO_NOTICE_V2 = ROOT / "service" / "demo" / "notice_v2.toml"
SIGNING_KEY = base64.b64encode(b"\x01" * 32).decode()
# One identifier master key per test session, shared by every app of the session as the
# instances of one installation share theirs; EMBEDDED instead lets an app read or create
# its own under its instance folder (the embedded default).
ENCRYPTION_KEY = base64.b64encode(secrets.token_bytes(32)).decode()
EMBEDDED = "embedded"

PG_URL = os.environ.get("LUPA_TEST_DATABASE_URL")


def _redis_for_this_worker(url: str | None) -> str | None:
    """One Redis database per xdist worker: the workers' sites, keys and hashes are alike,
    so in a shared database one worker's cached answers or flush would leak into another."""
    if not url:
        return url
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    offset = int(worker[2:]) if worker[2:].isdigit() else 0
    parts = urlsplit(url)
    index = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(index + offset) % 16}"))


REDIS_URL = _redis_for_this_worker(os.environ.get("LUPA_TEST_REDIS_URL"))


def pytest_report_header(config: Any) -> str:
    return (f"lupa: database={'postgresql' if PG_URL else 'sqlite'} "
            f"redis={'yes' if REDIS_URL else 'no'}")


def demo_notice() -> dict[str, Any]:
    return tomllib.loads(DEMO_NOTICE.read_text("utf-8"))


def demo_notice_v2() -> dict[str, Any]:
    return tomllib.loads(DEMO_NOTICE_V2.read_text("utf-8"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database for this test session."""
    if PG_URL:
        base = normalise_database_url(PG_URL)
        name = f"lupa_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{secrets.token_hex(4)}"
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = base.rsplit("/", 1)[0] + "/" + name
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'lupa.db'}"
    app = make_app(url, tmp_path_factory.mktemp("inst"))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=app.extensions["migrate"].directory)
        from service.extensions import db

        db.engine.dispose()
    yield url
    if PG_URL:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_app(url: str, instance: Path, **extra: Any) -> Flask:
    os.environ["LUPA_INSTANCE_PATH"] = str(instance)
    cfg = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "test-secret",
        "LUPA_SIGNING_KEY": SIGNING_KEY,
        "LUPA_CHECKPOINT_EVERY": 5,
        # The test client's own origin: links in mails are built from this, never from Host.
        "LUPA_PUBLIC_URL": "http://localhost",
    }
    cfg.update(extra)
    if cfg.setdefault("LUPA_ENCRYPTION_KEY", ENCRYPTION_KEY) == EMBEDDED:
        del cfg["LUPA_ENCRYPTION_KEY"]
    return create_app(cfg)


TABLES = ["consent_events", "api_keys", "audit_checkpoints", "audit_entries", "audit_heads",
          "notice_versions", "sites"]


def wipe(app: Flask) -> None:
    """Empty every table (faster than migrating per test)."""
    from service.extensions import db

    with app.app_context():
        names = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(sa.text("TRUNCATE " + ", ".join(names) + " RESTART IDENTITY CASCADE"))
            else:
                for name in names:
                    conn.execute(sa.text(f"DELETE FROM {name}"))
    if REDIS_URL:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()


def fresh_app(database_url: str, tmp_path: Path, **config: Any) -> Iterator[Flask]:
    """An app on the emptied test database with extra settings; closes its connections
    after the test (the body of every app fixture: `yield from fresh_app(...)`)."""
    application = make_app(database_url, tmp_path / "instance", **config)
    wipe(application)
    yield application
    from service.extensions import db

    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    yield from fresh_app(database_url, tmp_path)


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture()
def demo(app: Flask) -> dict[str, Any]:
    """The demo site with its notice (version 1) and a key per role, plus a foreign site."""
    from service.domain import notices, sites
    from service.domain.sites import keys
    from service.extensions import db

    with app.app_context():
        site = sites.create_site("demo", "Demo Oy", ["https://shop.example"], "test")
        notices.publish_notice(site, demo_notice(), "test")
        other = sites.create_site("other", "Other Oy", ["https://other.example"], "test")
        notices.publish_notice(other, demo_notice(), "test")
        out: dict[str, Any] = {"slug": "demo", "keys": {}, "other_keys": {}}
        for role in ("admin", "sender", "auditor"):
            out["keys"][role] = keys.create_key(site, role, "test")[1]
            out["other_keys"][role] = keys.create_key(other, role, "test")[1]
        db.session.commit()
    return out


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def as_visitor(client: FlaskClient, visitor_id: str | None) -> None:
    """Make the test client the browser of this visitor: the service's signed `lupa_vid`
    cookie for the id (None: a browser without one, a first visit)."""
    if visitor_id is None:
        client.delete_cookie("lupa_vid")
        return
    from service.domain.consent import cookie_value

    client.set_cookie("lupa_vid", cookie_value(client.application.config["SECRET_KEY"],
                                               str(uuid.UUID(visitor_id))))


def new_visitor() -> str:
    return str(uuid.uuid4())
