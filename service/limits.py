"""Abuse controls: rate limits on the public endpoints, per site and client, and HTTP headers.

Limits are counted in Redis when `LUPA_REDIS_URL` is set (shared by every worker and
instance) and in process memory otherwise; when Redis goes away the limiter counts in memory
and returns to Redis once it answers again. A breach is a 429 problem+json with Retry-After.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter, RequestLimit
from limits.storage import MemoryStorage

from service import problems

# Blueprints whose every endpoint is public and per site: the widget's and the one-click
# unsubscribe / signed-link endpoints of marketing.
PUBLIC_BLUEPRINTS = ("config", "consents", "signups")
# Endpoints outside the public API blueprints that are also public and per site.
PUBLIC_PAGE_ENDPOINTS = ("pages.notice_page",)
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

DEFAULT_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
# JSON and other non-HTML answers load nothing and may be framed by nobody.
API_CSP = "default-src 'none'; frame-ancestors 'none'"


class SweepingMemoryStorage(MemoryStorage):  # type: ignore[misc]
    """limits' memory storage, sweeping expired counters every few seconds, not per request.

    The stock storage starts a timer thread whenever the previous one has finished, which
    under load means one new thread per request; counters expire lazily on read anyway."""

    STORAGE_SCHEME = ["lupa-memory"]
    SWEEP_EVERY = 5.0

    def __init__(self, uri: str | None = None, **options: Any) -> None:
        self._last_sweep = 0.0
        super().__init__(uri, **options)

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 - overrides a private name
        now = time.monotonic()
        if now - self._last_sweep >= self.SWEEP_EVERY and not self.timer.is_alive():
            self._last_sweep = now
            expire = self._MemoryStorage__expire_events  # type: ignore[attr-defined]
            self.timer = threading.Timer(0.01, expire)
            self.timer.daemon = True
            self.timer.start()


def client_key() -> str:
    """The site slug plus the client address (after ProxyFix when LUPA_PROXY_COUNT is set)."""
    site = (request.view_args or {}).get("site")
    return f"{site if isinstance(site, str) else '-'}|{request.remote_addr or '-'}"


def _read_limit() -> str:
    return str(current_app.config["LUPA_RATELIMIT_PUBLIC_READ"])


def _write_limit() -> str:
    return str(current_app.config["LUPA_RATELIMIT_PUBLIC_WRITE"])


def _is_write() -> bool:
    return request.method in WRITE_METHODS


def _is_read() -> bool:
    return not _is_write()


def _breach(limit: RequestLimit) -> Response:
    retry = max(1, int(limit.reset_at - time.time()) + 1)
    return problems.problem(
        429, "Too many requests",
        f"Rate limit {limit.limit} exceeded for this site and client; retry later.",
        "too-many-requests", headers={"Retry-After": str(retry)},
    )


def limits_enabled(app: Flask) -> bool:
    setting = app.config.get("LUPA_RATELIMIT_ENABLED")
    return (not app.testing) if setting is None else bool(setting)


def build_limiter(app: Flask) -> Limiter:
    """A limiter bound to this app, storing counters in Redis or memory."""
    storage_uri = app.config.get("LUPA_RATELIMIT_STORAGE_URL") or app.config.get("REDIS_URL")
    options: dict[str, Any] = {}
    if storage_uri and storage_uri.startswith(("redis://", "rediss://", "unix://")):
        options = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
    return Limiter(
        key_func=client_key,
        app=app,
        storage_uri=storage_uri or "lupa-memory://",
        storage_options=options,
        strategy=app.config["LUPA_RATELIMIT_STRATEGY"],
        key_prefix="lupa-limits",
        enabled=limits_enabled(app),
        in_memory_fallback_enabled=True,
        swallow_errors=True,  # a broken limiter must never turn answers into 500s
        headers_enabled=False,  # X-RateLimit-* would cost a storage round trip per request
        on_breach=_breach,
    )


def init_app(app: Flask) -> None:
    """Limit the public blueprints and pages (registered before this); reads and writes have
    separate budgets."""
    limiter = build_limiter(app)
    app.extensions["lupa_limiter"] = limiter
    # Static strings: a callable limit would be parsed again on every request.
    read = limiter.shared_limit(str(app.config["LUPA_RATELIMIT_PUBLIC_READ"]), "public-read",
                                exempt_when=_is_write)
    write = limiter.shared_limit(str(app.config["LUPA_RATELIMIT_PUBLIC_WRITE"]), "public-write",
                                 exempt_when=_is_read)
    for name in PUBLIC_BLUEPRINTS:
        blueprint: Any = app.blueprints[name]
        read(blueprint)
        write(blueprint)
    for endpoint in PUBLIC_PAGE_ENDPOINTS:
        # Limits on plain views are checked by flask-limiter's wrapper, so swap it in.
        view: Any = app.view_functions[endpoint]
        app.view_functions[endpoint] = write(read(view))


def security_headers(resp: Response) -> Response:
    """Baseline headers; a view that sets its own Content-Security-Policy keeps it."""
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    resp.headers.setdefault("X-Frame-Options", "DENY")
    resp.headers.setdefault("Cross-Origin-Resource-Policy", "cross-origin")
    if resp.mimetype == "text/html":
        resp.headers.setdefault("Content-Security-Policy", DEFAULT_CSP)
    else:
        resp.headers.setdefault("Content-Security-Policy", API_CSP)
    max_age = int(current_app.config["LUPA_HSTS_MAX_AGE"])
    if request.is_secure and max_age > 0:
        resp.headers.setdefault("Strict-Transport-Security",
                                f"max-age={max_age}; includeSubDomains")
    return resp
