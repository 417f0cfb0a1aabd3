"""Redis cache of current permission answers for checks, keyed by the site's generation.

Why a generation: every permission write bumps it in its own transaction, and every check
batch reads it from the database first, so an answer cached before a write can never be
served after that write is acknowledged, even when the explicit invalidation after the commit
could not reach Redis (Redis down, another instance, a network split). The explicit
invalidation only frees memory early. Every Redis error falls back to the database.

The answers also depend on the purpose's basis (from the notice) and, for a
customer-relationship purpose, on the day (relationships end on a day, with no write): both
are the key's `variant`, so an answer is never used under another basis or on another day.
"""

from __future__ import annotations

import logging
import struct
import threading
from collections.abc import Iterable, Mapping
from typing import Any

import redis
from flask import current_app
from redis import RedisError

log = logging.getLogger("lupa.marketing.cache")
PREFIX = "lupa:mk2"  # 2: answers packed as 9 bytes (mk held "sid:code" text)
CONSENT = "consent"  # the variant of a consent purpose's answers
TTL_SECONDS = 3600
CHUNK = 2000  # answers per script call: Redis is never blocked for more than ~2 ms

Answer = tuple[int | None, int]  # (subject id or None when unknown, outcome code)

# Each answer in Redis: subject id (little-endian int64, -1 for none) and outcome (one byte).
_PACKED = struct.Struct("<qB")
_MISSING = 255

# Hash fields cost Python ~1 us each to send or read one by one through redis-py; these
# scripts take and give one string per chunk instead, so Python handles 2,000 answers with
# a join and one struct.iter_unpack.
_GET = """
local blob, n, out = ARGV[1], #ARGV[1] / 32, {}
local missing = string.rep('\\255', 9)
local i = 0
while i < n do
  local m = math.min(n - i, 500)
  local fields = {}
  for j = 1, m do fields[j] = string.sub(blob, (i + j - 1) * 32 + 1, (i + j) * 32) end
  local values = redis.call('HMGET', KEYS[1], unpack(fields))
  for j = 1, m do
    local v = values[j]
    if v and #v == 9 then out[i + j] = v else out[i + j] = missing end
  end
  i = i + m
end
return table.concat(out)
"""
_PUT = """
local hashes, answers, n, args = ARGV[1], ARGV[2], #ARGV[1] / 32, {}
for i = 0, n - 1 do
  args[#args + 1] = string.sub(hashes, i * 32 + 1, (i + 1) * 32)
  args[#args + 1] = string.sub(answers, i * 9 + 1, (i + 1) * 9)
  if #args >= 1000 then redis.call('HSET', KEYS[1], unpack(args)); args = {} end
end
if #args > 0 then redis.call('HSET', KEYS[1], unpack(args)) end
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('SADD', KEYS[2], KEYS[1])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return n
"""


_CLIENT_LOCK = threading.Lock()


def pack(answer: Answer) -> bytes:
    sid, code = answer
    return _PACKED.pack(-1 if sid is None else sid, code)


def _client() -> Any:
    """This app's client and scripts (None without LUPA_REDIS_URL); per app, so that several
    app instances in one process (tests, tools) each keep their own connection."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if "lupa_marketing_redis" not in app.extensions:
        with _CLIENT_LOCK:  # a check's lookup threads may ask first at the same moment
            if "lupa_marketing_redis" not in app.extensions:
                url = app.config.get("REDIS_URL")
                client = redis.Redis.from_url(
                    url, socket_timeout=0.5, socket_connect_timeout=0.5,
                    health_check_interval=10
                ) if url else None
                app.extensions["lupa_marketing_redis"] = client and _Scripts(client)
    return app.extensions["lupa_marketing_redis"]


class _Scripts:
    def __init__(self, client: Any) -> None:
        self.client = client
        self.get = client.register_script(_GET)
        self.put = client.register_script(_PUT)


# The site id in braces is the Redis Cluster hash tag: a site's answer hashes and its index
# share a slot, so one script may touch both.
def _key(site_id: int, generation: int, purpose: str, channel: str, variant: str) -> str:
    return f"{PREFIX}:{{{site_id}}}:{generation}:{purpose}:{channel}:{variant}"


def _index(site_id: int) -> str:
    return f"{PREFIX}:{{{site_id}}}:keys"


def get_many(site_id: int, generation: int, purpose: str, channel: str,
             hashes: list[bytes], variant: str = CONSENT) -> dict[bytes, Answer]:
    redis_ = _client()
    if redis_ is None or not hashes:
        return {}
    key = _key(site_id, generation, purpose, channel, variant)
    try:
        pipe = redis_.client.pipeline(transaction=False)
        for i in range(0, len(hashes), CHUNK):
            redis_.get(keys=[key], args=[b"".join(hashes[i:i + CHUNK])], client=pipe)
        packed = b"".join(pipe.execute())
    except RedisError as exc:
        log.warning("permission cache unavailable, reading the database: %s", type(exc).__name__)
        return {}
    if len(packed) != _PACKED.size * len(hashes):
        log.warning("permission cache gave a malformed answer; reading the database")
        return {}
    missing = _MISSING
    return {digest: (sid if sid >= 0 else None, code)
            for digest, (sid, code) in zip(hashes, _PACKED.iter_unpack(packed), strict=True)
            if code != missing}


def cached(site_id: int, generation: int, purpose: str, channel: str,
           variant: str = CONSENT) -> int:
    """How many answers Redis holds for this generation (0 without Redis or on error)."""
    redis_ = _client()
    if redis_ is None:
        return 0
    try:
        return int(redis_.client.hlen(_key(site_id, generation, purpose, channel, variant)))
    except RedisError:
        return 0


def put_many(site_id: int, generation: int, purpose: str, channel: str,
             answers: Mapping[bytes, Answer], variant: str = CONSENT) -> None:
    redis_ = _client()
    if redis_ is None or not answers:
        return
    key, index = _key(site_id, generation, purpose, channel, variant), _index(site_id)
    hashes = list(answers)
    packer = _PACKED.pack
    try:
        pipe = redis_.client.pipeline(transaction=False)
        for i in range(0, len(hashes), CHUNK):
            chunk = hashes[i:i + CHUNK]
            values = b"".join([packer(-1 if sid is None else sid, code)
                               for sid, code in map(answers.__getitem__, chunk)])
            redis_.put(keys=[key, index], args=[b"".join(chunk), values, TTL_SECONDS],
                       client=pipe)
        pipe.execute()
    except RedisError as exc:
        log.warning("permission cache not filled: %s", type(exc).__name__)


def after_commit(site_id: int) -> None:
    """Drop the site's cached answers; call after a permission write has committed."""
    redis_ = _client()
    if redis_ is None:
        return
    try:
        keys: Iterable[bytes] = redis_.client.smembers(_index(site_id))
        redis_.client.delete(_index(site_id), *keys)
    except RedisError as exc:
        log.warning("permission cache not invalidated (generation still protects): %s",
                    type(exc).__name__)
