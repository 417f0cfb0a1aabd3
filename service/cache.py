"""Caches of the rendered widget config: per worker for a moment, in Redis across instances.

The database stays the source of truth. Every Redis call goes through `RedisGuard`, which
turns a failure into "answer without Redis" (counted in metrics) and, after one, skips Redis
for a short pause instead of waiting on a dead server for every request; Redis is used again
as soon as it answers. Entries are dropped after the commit that published a notice or changed
a site (a SQLAlchemy `after_commit` hook, so every path that publishes is covered).

Redis entries are written only if no invalidation happened since the reader looked at the
database (a generation counter checked in a Lua script), so a slow reader cannot put an old
config back after a publish.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from service import metrics
from service.domain import sites
from service.extensions import db, redis_holder
from service.models import NoticeVersion, Site

T = TypeVar("T")

CONFIG_KEY = "lupa:config:{slug}"
GENERATION_KEY = "lupa:config-gen:{slug}"
REDIS_TTL_SECONDS = 60  # like the CDN max-age: bounds staleness if an invalidation is lost
# Set KEYS[1] only while the generation is still the one read before rendering.
_SET_IF_GENERATION = """
local gen = redis.call('GET', KEYS[2]) or ''
if gen == ARGV[2] then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
  return 1
end
return 0
"""


@dataclass(frozen=True)
class RenderedConfig:
    """A widget config ready to send: body, validator and the origins CORS needs."""

    slug: str
    body: str
    etag: str
    origins: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps({"body": self.body, "etag": self.etag, "origins": self.origins})

    @classmethod
    def from_json(cls, slug: str, raw: bytes | str) -> RenderedConfig:
        data = json.loads(raw)
        return cls(slug=slug, body=data["body"], etag=data["etag"], origins=data["origins"])


class RedisGuard:
    """Run Redis calls with a fallback; after a failure, skip Redis for `pause` seconds."""

    def __init__(self, pause: float = 1.0) -> None:
        self.pause = pause
        self._down_until = 0.0

    def call(self, operation: str, fn: Callable[[Any], T], fallback: T) -> T:
        client = redis_holder.client
        if client is None:
            return fallback
        if time.monotonic() < self._down_until:
            metrics.record_redis_fallback(operation)
            return fallback
        try:
            return fn(client)
        except Exception:  # noqa: BLE001 - redis.RedisError and socket errors alike
            self._down_until = time.monotonic() + self.pause
            metrics.record_redis_fallback(operation)
            return fallback

    @property
    def suspended(self) -> bool:
        return time.monotonic() < self._down_until


guard = RedisGuard()


class ConfigCache:
    """Rendered configs of one worker, each kept for `ttl` seconds."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, RenderedConfig]] = {}
        self._lock = threading.Lock()
        # Invalidations Redis missed while it was away; retried before Redis is read again.
        self._pending: set[str] = set()

    def get(self, slug: str, render: Callable[[str], RenderedConfig]) -> RenderedConfig:
        now = time.monotonic()
        hit = self._entries.get(slug)
        if hit is not None and hit[0] > now:
            metrics.record_config_lookup("local")
            return hit[1]
        self._flush_pending()
        key = CONFIG_KEY.format(slug=slug)
        gen_key = GENERATION_KEY.format(slug=slug)
        cached, generation = guard.call(
            "config_get", lambda r: tuple(r.mget(key, gen_key)), (None, None))
        if cached is not None and not self._pending:
            entry = RenderedConfig.from_json(slug, cached)
            metrics.record_config_lookup("redis")
        else:
            entry = render(slug)
            metrics.record_config_lookup("database")
            gen = generation.decode() if isinstance(generation, bytes) else ""
            guard.call(
                "config_set",
                lambda r: r.eval(_SET_IF_GENERATION, 2, key, gen_key, entry.to_json(), gen,
                                 REDIS_TTL_SECONDS),
                None,
            )
        if self.ttl > 0:
            with self._lock:
                self._entries[slug] = (now + self.ttl, entry)
        return entry

    def invalidate(self, slugs: set[str]) -> None:
        with self._lock:
            for slug in slugs:
                self._entries.pop(slug, None)
            self._pending |= slugs
        self._flush_pending()

    def _flush_pending(self) -> None:
        if not self._pending:
            return
        pending = set(self._pending)

        def drop(r: Any) -> bool:
            pipe = r.pipeline(transaction=True)
            for slug in pending:
                pipe.incr(GENERATION_KEY.format(slug=slug))
                pipe.delete(CONFIG_KEY.format(slug=slug))
            pipe.execute()
            return True

        if redis_holder.client is None or guard.call("config_invalidate", drop, False):
            with self._lock:
                self._pending -= pending


@dataclass(frozen=True)
class SiteRef:
    """What hot read paths need of a site: its id for queries, its origins for CORS."""

    id: int
    slug: str
    origins: list[str]


class SiteCache:
    """Site lookups of one worker, kept for `ttl` seconds and dropped after a site change."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, SiteRef]] = {}

    def get(self, slug: str) -> SiteRef:
        now = time.monotonic()
        hit = self._entries.get(slug)
        if hit is not None and hit[0] > now:
            return hit[1]
        site = sites.get_site(slug)
        ref = SiteRef(id=site.id, slug=site.slug, origins=list(site.origins or []))
        if self.ttl > 0:
            self._entries[slug] = (now + self.ttl, ref)
        return ref

    def invalidate(self, slugs: set[str]) -> None:
        for slug in slugs:
            self._entries.pop(slug, None)


def site_ref(slug: str) -> SiteRef:
    """The site by slug from this worker's short-lived cache (NotFound as `get_site`)."""
    cache: SiteCache = current_app.extensions["lupa_site_cache"]
    return cache.get(slug)


def config_cache() -> ConfigCache:
    cache: ConfigCache = current_app.extensions["lupa_config_cache"]
    return cache


# --- invalidation after commit ---------------------------------------------------------------
_INFO_KEY = "lupa_config_changed"


def _changed_slugs(session: Session, _flush_context: Any) -> None:
    changed: set[str] = session.info.setdefault(_INFO_KEY, set())
    site_ids: set[int] = set()
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Site):
            changed.add(obj.slug)
        elif isinstance(obj, NoticeVersion):
            site_ids.add(obj.site_id)
    for site_id in site_ids:
        with session.no_autoflush:
            site = session.get(Site, site_id)
        if site is not None:
            changed.add(site.slug)


def _after_commit(session: Session) -> None:
    changed: set[str] = session.info.pop(_INFO_KEY, set())
    if changed and has_app_context() and "lupa_config_cache" in current_app.extensions:
        current_app.extensions["lupa_site_cache"].invalidate(changed)
        config_cache().invalidate(changed)


def _after_rollback(session: Session) -> None:
    session.info.pop(_INFO_KEY, None)


def _listen_once() -> None:
    target = db.session
    if not event.contains(target, "after_flush", _changed_slugs):
        event.listen(target, "after_flush", _changed_slugs)
        event.listen(target, "after_commit", _after_commit)
        event.listen(target, "after_soft_rollback", lambda s, _t: _after_rollback(s))


def init_app(app: Flask) -> None:
    ttl = float(app.config["LUPA_CONFIG_LOCAL_TTL"])
    app.extensions["lupa_config_cache"] = ConfigCache(ttl)
    app.extensions["lupa_site_cache"] = SiteCache(ttl)
    _listen_once()
