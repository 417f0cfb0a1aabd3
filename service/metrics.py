"""Prometheus metrics at /metrics: requests, consent writes, check sizes, chain length, Redis.

Under gunicorn, `PROMETHEUS_MULTIPROC_DIR` (set by `lupa serve` / gunicorn_conf.py) makes every
worker write its samples to files that one scrape aggregates. Gauges that describe the shared
state (chain length, database and Redis reachability) are computed at scrape time instead.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import select

from service.errors import Forbidden, NotFound, Unauthorized
from service.extensions import db, redis_holder
from service.models import AuditHead, Site

REQUESTS = Counter(
    "lupa_http_requests_total", "HTTP requests by route pattern, method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "lupa_http_request_duration_seconds", "Time to answer, by route pattern and method.",
    ["route", "method"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
CONSENT_WRITES = Counter(
    "lupa_consent_writes_total", "Visitor choices recorded (committed), by method.", ["method"],
)
CHECK_RECIPIENTS = Histogram(
    "lupa_check_recipients", "Recipients per pre-send check.", [],
    buckets=(1, 10, 100, 1_000, 10_000, 100_000, 1_000_000),
)
REDIS_FALLBACKS = Counter(
    "lupa_redis_fallbacks_total",
    "Redis calls that failed, answered from the database or memory instead.", ["operation"],
)
CONFIG_CACHE = Counter(
    "lupa_config_cache_total", "Widget config lookups by where they were answered.", ["source"],
)

bp = Blueprint("metrics", __name__)


def record_consent_write(method: str) -> None:
    CONSENT_WRITES.labels(method=method).inc()


def record_check(recipients: int) -> None:
    CHECK_RECIPIENTS.observe(recipients)


def record_redis_fallback(operation: str) -> None:
    REDIS_FALLBACKS.labels(operation=operation).inc()


def record_config_lookup(source: str) -> None:
    CONFIG_CACHE.labels(source=source).inc()


class StateCollector(Collector):
    """Scrape-time gauges: readiness of the database and Redis, and audit chain lengths."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Any]:
        database = GaugeMetricFamily("lupa_database_up", "1 when the database answers.")
        redis_up = GaugeMetricFamily(
            "lupa_redis_up", "1 when Redis answers, 0 when down, -1 when not configured.")
        chain = GaugeMetricFamily("lupa_audit_chain_length", "Entries in each site's chain.",
                                  labels=["site"])
        try:
            # The head row holds the last sequence number: one cheap query for all sites.
            rows = db.session.execute(
                select(Site.slug, AuditHead.seq).join(AuditHead, AuditHead.site_id == Site.id)
            ).all()
            for slug, seq in rows:
                chain.add_metric([slug], float(seq))
            database.add_metric([], 1.0)
        except Exception:  # noqa: BLE001 - a scrape reports the failure, never raises
            db.session.rollback()
            database.add_metric([], 0.0)
        finally:
            db.session.remove()
        if redis_holder.client is None:
            redis_up.add_metric([], -1.0)
        else:
            try:
                redis_holder.client.ping()
                redis_up.add_metric([], 1.0)
            except Exception:  # noqa: BLE001
                redis_up.add_metric([], 0.0)
        yield database
        yield redis_up
        yield chain


def _registry(app: Flask) -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        for collector in (REQUESTS, LATENCY, CONSENT_WRITES, CHECK_RECIPIENTS,
                          REDIS_FALLBACKS, CONFIG_CACHE):
            registry.register(collector)
    registry.register(StateCollector(app))
    return registry


LOOPBACK = ("127.0.0.1", "::1")


def check_access() -> None:
    """/metrics lists every site: off (404) when LUPA_METRICS_ENABLED is false; with
    LUPA_METRICS_TOKEN the bearer token is required; without one only this machine may read
    (the demo: `lupa serve` refuses to start without a token while metrics are on)."""
    if not current_app.config.get("LUPA_METRICS_ENABLED", True):
        raise NotFound("Metrics are turned off (LUPA_METRICS_ENABLED).")
    token = current_app.config.get("LUPA_METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise Unauthorized("Metrics need the metrics token.")
    elif request.remote_addr not in LOOPBACK:
        raise Forbidden("Without LUPA_METRICS_TOKEN, metrics answer only this machine.")


@bp.get("/metrics")
def metrics_view() -> Response:
    check_access()
    registry = _registry(current_app._get_current_object())  # type: ignore[attr-defined]
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    """Time every request and count it by route pattern (never the raw path)."""
    app.register_blueprint(bp)

    @app.before_request
    def _metrics_start() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _metrics_finish(resp: Response) -> Response:
        route = request.url_rule.rule if request.url_rule else "<unmatched>"
        if route == "/metrics":
            return resp
        started = g.get("metrics_started")
        REQUESTS.labels(route=route, method=request.method, status=str(resp.status_code)).inc()
        if started is not None:
            LATENCY.labels(route=route, method=request.method).observe(
                time.perf_counter() - started)
        return resp
