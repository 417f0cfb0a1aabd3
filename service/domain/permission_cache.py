"""Redis cache of current permission answers for checks, keyed by the site's generation.

Why a generation: every permission write bumps it in its own transaction, and every check
batch reads it from the database first, so an answer cached before a write can never be
served after that write is acknowledged, even when the explicit invalidation after the commit
could not reach Redis (Redis down, another instance, a network split). The explicit
invalidation only frees memory early. Every Redis error falls back to the database.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

import redis
from flask import current_app
from redis import RedisError

log = logging.getLogger("lupa.marketing.cache")
PREFIX = "lupa:mk"
TTL_SECONDS = 3600

Answer = tuple[int | None, int]  # (subject id or None when unknown, outcome code)


def _client() -> Any:
    """This app's client (None without LUPA_REDIS_URL); per app, so that several app
    instances in one process (tests, tools) each keep their own connection."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if "lupa_marketing_redis" not in app.extensions:
        url = app.config.get("REDIS_URL")
        app.extensions["lupa_marketing_redis"] = redis.Redis.from_url(
            url, socket_timeout=0.5, socket_connect_timeout=0.5, health_check_interval=10
        ) if url else None
    return app.extensions["lupa_marketing_redis"]


def _key(site_id: int, generation: int, purpose: str, channel: str) -> str:
    return f"{PREFIX}:{site_id}:{generation}:{purpose}:{channel}"


def _index(site_id: int) -> str:
    return f"{PREFIX}:{site_id}:keys"


def get_many(site_id: int, generation: int, purpose: str, channel: str,
             hashes: list[bytes]) -> dict[bytes, Answer]:
    client = _client()
    if client is None or not hashes:
        return {}
    try:
        values = client.hmget(_key(site_id, generation, purpose, channel), hashes)
    except RedisError as exc:
        log.warning("permission cache unavailable, reading the database: %s", type(exc).__name__)
        return {}
    out: dict[bytes, Answer] = {}
    for digest, value in zip(hashes, values, strict=True):
        if value is not None:
            sid, _, code = value.partition(b":")
            out[digest] = (int(sid) if sid else None, int(code))
    return out


def put_many(site_id: int, generation: int, purpose: str, channel: str,
             answers: Mapping[bytes, Answer]) -> None:
    client = _client()
    if client is None or not answers:
        return
    key = _key(site_id, generation, purpose, channel)
    mapping = {h: f"{'' if sid is None else sid}:{code}" for h, (sid, code) in answers.items()}
    try:
        pipe = client.pipeline(transaction=False)
        pipe.hset(key, mapping=mapping)
        pipe.expire(key, TTL_SECONDS)
        pipe.sadd(_index(site_id), key)
        pipe.expire(_index(site_id), TTL_SECONDS)
        pipe.execute()
    except RedisError as exc:
        log.warning("permission cache not filled: %s", type(exc).__name__)


def after_commit(site_id: int) -> None:
    """Drop the site's cached answers; call after a permission write has committed."""
    client = _client()
    if client is None:
        return
    try:
        keys: Iterable[bytes] = client.smembers(_index(site_id))
        client.delete(_index(site_id), *keys)
    except RedisError as exc:
        log.warning("permission cache not invalidated (generation still protects): %s",
                    type(exc).__name__)
