"""The Redis permission cache: used when warm, never stale after an acknowledged withdrawal or
prohibition — with Redis up, Redis stopped mid-run, and two app instances (one of which
cannot reach Redis to invalidate). Each test runs its own redis-server on a free port."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask

from tests.conftest import make_app, wipe
from tests.marketing_helpers import check, new_subject, put_permission, reasons

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="needs redis-server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """A private, non-persistent redis-server that a test may stop and start again."""

    def __init__(self, port: int, workdir: Path) -> None:
        self.port, self.workdir = port, workdir
        self.url = f"redis://127.0.0.1:{port}/0"

    def start(self) -> None:
        subprocess.run(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                        "--save", "", "--appendonly", "no", "--daemonize", "yes",
                        "--dir", str(self.workdir),
                        "--pidfile", str(self.workdir / "redis.pid")], check=True)
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        try:
            redis.Redis.from_url(self.url).shutdown(nosave=True)
        except redis.ConnectionError:
            pass  # shutdown closes the connection on purpose
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        for _ in range(100):
            try:
                client.ping()
                time.sleep(0.05)
            except redis.ConnectionError:
                return
        raise RuntimeError("redis-server did not stop")

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


@pytest.fixture()
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(free_port(), tmp_path)
    server.start()
    yield server
    server.stop()


def _app(database_url: str, path: Path, redis_url: str | None) -> Flask:
    return make_app(database_url, path, REDIS_URL=redis_url)


@pytest.fixture()
def instances(database_url: str, tmp_path: Path,
              private_redis: RedisServer) -> Iterator[tuple[Flask, Flask]]:
    """Two app instances on one database and one Redis."""
    a = _app(database_url, tmp_path / "a", private_redis.url)
    wipe(a)
    b = _app(database_url, tmp_path / "b", private_redis.url)
    yield a, b
    from service.extensions import db

    for application in (a, b):
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture()
def site(instances: tuple[Flask, Flask]) -> dict[str, Any]:
    from tests.conftest import demo as demo_fixture

    return dict(demo_fixture.__wrapped__(instances[0]))  # type: ignore[attr-defined]


def cache_keys(server: RedisServer) -> list[bytes]:
    from service.domain.marketing.permission_cache import PREFIX

    return sorted(k for k in server.client().keys(f"{PREFIX}:*") if not k.endswith(b":keys"))


def test_warm_cache_answers_and_a_write_invalidates_it(
        instances: tuple[Flask, Flask], site: dict, private_redis: RedisServer) -> None:
    a = instances[0].test_client()
    sid = new_subject(a, site, email="cached@example.fi")
    put_permission(a, site, sid, "newsletter", "email", "granted")
    assert reasons(check(a, site, ["cached@example.fi"])) == [None]
    keys = cache_keys(private_redis)
    assert len(keys) == 1
    # Prove the next answer comes from Redis: poison the cached entry for this generation.
    r = private_redis.client()
    field = r.hkeys(keys[0])[0]
    from service.domain.marketing.permission_cache import pack

    r.hset(keys[0], field, pack((None, 4)))
    assert reasons(check(a, site, ["cached@example.fi"])) == ["unknown"]
    # A write commits, bumps the generation and drops the site's cached answers.
    put_permission(a, site, sid, "newsletter", "email", "withdrawn")
    assert cache_keys(private_redis) == []
    assert reasons(check(a, site, ["cached@example.fi"])) == ["withdrawn"]


def test_withdrawal_on_one_instance_is_seen_by_the_other(
        instances: tuple[Flask, Flask], site: dict) -> None:
    a, b = (x.test_client() for x in instances)
    sid = new_subject(a, site, email="two@example.fi")
    put_permission(a, site, sid, "newsletter", "email", "granted")
    assert reasons(check(b, site, ["two@example.fi"])) == [None]
    put_permission(a, site, sid, "*", "*", "prohibited")
    assert reasons(check(b, site, ["two@example.fi"])) == ["prohibited"]


def test_redis_stopped_mid_run_answers_stay_correct(
        instances: tuple[Flask, Flask], site: dict, private_redis: RedisServer) -> None:
    a, b = (x.test_client() for x in instances)
    sid = new_subject(a, site, email="midrun@example.fi")
    put_permission(a, site, sid, "newsletter", "email", "granted")
    assert reasons(check(b, site, ["midrun@example.fi"])) == [None]  # warm
    private_redis.stop()
    resp = put_permission(a, site, sid, "newsletter", "email", "withdrawn")
    assert resp.status_code == 200  # acknowledged although Redis could not be told
    assert reasons(check(b, site, ["midrun@example.fi"])) == ["withdrawn"]
    assert reasons(check(a, site, ["midrun@example.fi"])) == ["withdrawn"]
    private_redis.start()  # back, empty
    assert reasons(check(b, site, ["midrun@example.fi"])) == ["withdrawn"]
    put_permission(a, site, sid, "newsletter", "email", "granted")
    assert reasons(check(b, site, ["midrun@example.fi"])) == [None]


def test_instance_that_cannot_reach_redis_still_invalidates_through_the_generation(
        database_url: str, tmp_path: Path, private_redis: RedisServer,
        instances: tuple[Flask, Flask], site: dict) -> None:
    """The writer cannot delete the reader's warm cache; the reader must not use it."""
    reader = instances[1].test_client()
    writer_app = _app(database_url, tmp_path / "w", f"redis://127.0.0.1:{free_port()}/0")
    writer = writer_app.test_client()
    sid = new_subject(writer, site, email="split@example.fi")
    put_permission(writer, site, sid, "newsletter", "email", "granted")
    assert reasons(check(reader, site, ["split@example.fi"])) == [None]
    assert cache_keys(private_redis)  # the reader's cache is warm
    resp = put_permission(writer, site, sid, "newsletter", "email", "withdrawn")
    assert resp.status_code == 200
    assert cache_keys(private_redis)  # stale entries are still in Redis ...
    assert reasons(check(reader, site, ["split@example.fi"])) == ["withdrawn"]  # ... unused
    from service.extensions import db

    with writer_app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_streamed_check_with_redis_gone_answers_from_the_database(
        instances: tuple[Flask, Flask], site: dict, private_redis: RedisServer) -> None:
    a = instances[0].test_client()
    sid = new_subject(a, site, email="stream@example.fi")
    put_permission(a, site, sid, "newsletter", "email", "granted")
    private_redis.stop()
    resp = a.post("/api/v1/sites/demo/checks?purpose=newsletter&channel=email",
                  data='"stream@example.fi"\n"x@example.fi"\n',
                  headers={"Authorization": f"Bearer {site['keys']['sender']}",
                           "Content-Type": "application/x-ndjson"})
    lines = resp.get_data(as_text=True).splitlines()
    assert resp.status_code == 200 and len(lines) == 3
    assert '"may_contact":true' in lines[0] and '"reason":"unknown"' in lines[1]


def test_cache_round_trip_across_chunks(database_url: str, tmp_path: Path,
                                        private_redis: RedisServer) -> None:
    """Answers go to Redis and back packed, chunk by chunk: every one comes back as it was
    (subject or none, each outcome), absent or malformed entries come back as absent."""
    import os

    from service.domain.marketing import permission_cache

    app = _app(database_url, tmp_path / "rt", private_redis.url)
    n = permission_cache.CHUNK * 2 + 123
    answers = {os.urandom(32): (None if i % 7 == 0 else i * 1_000_003, i % 7) for i in range(n)}
    with app.app_context():
        permission_cache.put_many(1, 5, "newsletter", "email", answers)
        strangers = [os.urandom(32) for _ in range(3)]
        asked = list(answers)[::-1] + strangers
        assert permission_cache.get_many(1, 5, "newsletter", "email", asked) == answers
        assert permission_cache.get_many(1, 6, "newsletter", "email", asked) == {}  # generation
        key = cache_keys(private_redis)[0]
        private_redis.client().hset(key, list(answers)[0], b"garbage")
        back = permission_cache.get_many(1, 5, "newsletter", "email", asked)
        assert len(back) == n - 1 and list(answers)[0] not in back
        permission_cache.after_commit(1)
        assert cache_keys(private_redis) == []
