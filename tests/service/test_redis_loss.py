"""Redis going away mid-run: answers keep coming from the database, metrics and /readyz say so,
and Redis is used again when it returns. Runs a private redis-server on its own port."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.test_metrics import sample, scrape
from tests.conftest import bearer, demo_notice_v2, make_app

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]

CONFIG = "/api/v1/sites/demo/config"
CONSENTS = "/api/v1/sites/demo/consents"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateRedis:
    """A redis-server of this test only, on a free port, that the test may stop and start."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture()
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture()
def redis_app(database_url: str, tmp_path: Path, demo: dict,
              private_redis: PrivateRedis) -> Iterator[Flask]:
    application = make_app(database_url, tmp_path / "inst-redis", REDIS_URL=private_redis.url,
                           LUPA_CONFIG_LOCAL_TTL=0)
    yield application
    from service import cache
    from service.extensions import db

    cache.guard._down_until = 0.0
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def wait_for_redis_use(client: FlaskClient) -> None:
    """The guard pauses Redis for a second after a failure; wait until it is tried again."""
    from service import cache

    deadline = time.monotonic() + 5
    while cache.guard.suspended and time.monotonic() < deadline:
        time.sleep(0.05)


def test_config_is_cached_in_redis_and_dropped_after_a_publish(
    redis_app: Flask, private_redis: PrivateRedis, demo: dict,
) -> None:
    import redis

    r = redis.Redis.from_url(private_redis.url)
    c = redis_app.test_client()
    first = c.get(CONFIG)
    assert first.status_code == 200
    assert r.exists("lupa:config:demo")
    # A second read is answered from Redis with the same body and validator.
    second = c.get(CONFIG)
    assert second.get_data() == first.get_data() and second.headers["ETag"] == first.headers["ETag"]
    assert sample(scrape(c), "lupa_config_cache_total", source="redis")
    published = c.post("/api/v1/sites/demo/notices", json=demo_notice_v2(),
                       headers=bearer(demo["keys"]["admin"]))
    assert published.status_code in (200, 201), published.get_data(as_text=True)
    assert not r.exists("lupa:config:demo")
    third = c.get(CONFIG)
    assert third.get_json()["notice"]["version"] == 2
    assert third.headers["ETag"] != first.headers["ETag"]


def test_a_slow_reader_cannot_put_an_old_config_back_after_a_publish(
    redis_app: Flask, private_redis: PrivateRedis,
) -> None:
    import redis

    from service import cache

    r = redis.Redis.from_url(private_redis.url)
    with redis_app.app_context():
        stale = cache.RenderedConfig("demo", '{"old":true}', "old", [])

        def slow_render(slug: str) -> cache.RenderedConfig:
            # A publish commits while this reader is still rendering from the database.
            cache.config_cache().invalidate({"demo"})
            return stale

        cache.config_cache().get("demo", slow_render)
    assert not r.exists("lupa:config:demo")


def test_redis_loss_keeps_answers_from_the_database_and_redis_is_used_again(
    redis_app: Flask, private_redis: PrivateRedis, demo: dict,
) -> None:
    import redis

    c = redis_app.test_client()
    assert c.get(CONFIG).status_code == 200
    assert sample(scrape(c), "lupa_redis_up") == 1.0

    private_redis.stop()
    # Writes, reads and config keep working; readiness stays up and names the fallback.
    w = c.post(CONSENTS, json={"notice_version": 1, "choices": {}, "method": "reject_all"})
    assert w.status_code == 201
    visitor = w.get_json()["visitor_id"]
    assert c.get(f"{CONSENTS}/{visitor}").get_json()["method"] == "reject_all"
    started = time.monotonic()
    for _ in range(20):
        assert c.get(CONFIG).status_code == 200
    assert time.monotonic() - started < 5  # no waiting on the dead server per request
    ready = c.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"]["redis"].startswith("unavailable")
    text = scrape(c)
    assert sample(text, "lupa_redis_up") == 0.0
    assert (sample(text, "lupa_redis_fallbacks_total", operation="config_get") or 0) >= 1

    # A publish while Redis is away is not lost: the config shows it now and after Redis returns.
    published = c.post("/api/v1/sites/demo/notices", json=demo_notice_v2(),
                       headers=bearer(demo["keys"]["admin"]))
    assert published.status_code in (200, 201)
    assert c.get(CONFIG).get_json()["notice"]["version"] == 2

    private_redis.start()
    wait_for_redis_use(c)
    assert c.get(CONFIG).get_json()["notice"]["version"] == 2
    r = redis.Redis.from_url(private_redis.url)
    deadline = time.monotonic() + 5
    while not r.exists("lupa:config:demo") and time.monotonic() < deadline:
        c.get(CONFIG)
        time.sleep(0.1)
    assert r.exists("lupa:config:demo"), "Redis is used again after it returns"
    assert c.get("/readyz").get_json()["checks"]["redis"] == "ok"
    assert sample(scrape(c), "lupa_redis_up") == 1.0


def test_rate_limits_are_shared_through_redis_and_survive_its_loss(
    database_url: str, tmp_path: Path, demo: dict, private_redis: PrivateRedis,
) -> None:
    settings = {"REDIS_URL": private_redis.url, "LUPA_RATELIMIT_ENABLED": True,
                "LUPA_RATELIMIT_PUBLIC_WRITE": "2/minute"}
    one = make_app(database_url, tmp_path / "a", **settings).test_client()
    two = make_app(database_url, tmp_path / "b", **settings).test_client()
    body = {"notice_version": 1, "choices": {}, "method": "reject_all"}
    assert one.post(CONSENTS, json=body).status_code == 201
    assert two.post(CONSENTS, json=body).status_code == 201
    # Two instances, one budget: the counter lives in Redis.
    assert one.post(CONSENTS, json=body).status_code == 429
    private_redis.stop()
    # Without Redis the limiter counts in memory and never turns answers into errors.
    assert two.post(CONSENTS, json=body).status_code in (201, 429)
    assert one.get(CONFIG).status_code == 200


def test_database_loss_is_a_503_problem_with_retry_after_not_a_500(
    tmp_path: Path, demo: dict,
) -> None:
    """The other dependency: while PostgreSQL is down, answers are 503 problem+json, fast."""
    # No Redis here: with one, a config cached earlier would rightly still be served.
    app = make_app("postgresql://lupa@127.0.0.1:9/nowhere", tmp_path / "nodb", REDIS_URL=None,
                   SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}})
    c = app.test_client()
    started = time.monotonic()
    r = c.post(CONSENTS, json={"notice_version": 1, "choices": {}, "method": "reject_all"})
    assert r.status_code == 503
    assert r.mimetype == "application/problem+json"
    assert int(r.headers["Retry-After"]) >= 1
    assert c.get(CONFIG).status_code == 503
    assert c.get("/readyz").status_code == 503
    assert time.monotonic() - started < 10
