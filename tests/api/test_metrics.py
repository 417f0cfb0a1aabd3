"""Prometheus metrics at /metrics: request counts by route pattern, consent writes, state."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import make_app, new_visitor

CONSENTS = "/api/v1/sites/demo/consents"


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in the text exposition format, or None."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


def scrape(client: FlaskClient) -> str:
    r = client.get("/metrics")
    assert r.status_code == 200
    assert r.mimetype == "text/plain"
    return r.get_data(as_text=True)


def test_requests_are_counted_by_route_pattern_never_by_raw_path(
    client: FlaskClient, demo: dict,
) -> None:
    visitor = new_visitor()
    before = sample(scrape(client), "lupa_http_requests_total",
                    route="/api/v1/sites/<site>/consents/<visitor_id>", status="404") or 0.0
    assert client.get(f"{CONSENTS}/{visitor}").status_code == 404
    text = scrape(client)
    after = sample(text, "lupa_http_requests_total",
                   route="/api/v1/sites/<site>/consents/<visitor_id>", method="GET", status="404")
    assert after == before + 1
    assert visitor not in text
    assert sample(text, "lupa_http_request_duration_seconds_count",
                  route="/api/v1/sites/<site>/consents/<visitor_id>", method="GET")


def test_consent_writes_are_counted_after_commit_only(client: FlaskClient, demo: dict) -> None:
    before = sample(scrape(client), "lupa_consent_writes_total", method="reject_all") or 0.0
    ok = client.post(CONSENTS, json={"notice_version": 1, "choices": {}, "method": "reject_all"})
    assert ok.status_code == 201
    bad = client.post(CONSENTS, json={"notice_version": 99, "choices": {},
                                      "method": "reject_all"})
    assert bad.status_code == 422
    assert sample(scrape(client), "lupa_consent_writes_total", method="reject_all") == before + 1


def test_chain_length_and_database_state_are_reported(client: FlaskClient, demo: dict) -> None:
    text = scrape(client)
    length = sample(text, "lupa_audit_chain_length", site="demo")
    assert length is not None and length >= 2  # site.created, notice.published, keys
    client.post(CONSENTS, json={"notice_version": 1, "choices": {}, "method": "reject_all"})
    assert sample(scrape(client), "lupa_audit_chain_length", site="demo") == length + 1
    assert sample(text, "lupa_database_up") == 1.0


def test_redis_not_configured_is_reported_as_minus_one(
    database_url: str, tmp_path: Path, demo: dict,
) -> None:
    app = make_app(database_url, tmp_path / "noredis", REDIS_URL=None)
    assert sample(scrape(app.test_client()), "lupa_redis_up") == -1.0


def test_metrics_token_is_required_when_configured(
    database_url: str, tmp_path: Path, demo: dict,
) -> None:
    app: Flask = make_app(database_url, tmp_path / "tok", LUPA_METRICS_TOKEN="s3cret-token")
    c = app.test_client()
    r = c.get("/metrics")
    assert r.status_code == 401 and r.mimetype == "application/problem+json"
    assert c.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert c.get("/metrics", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200


def test_without_a_token_metrics_answer_only_this_machine(client: FlaskClient,
                                                          demo: dict) -> None:
    """/metrics names every site: with no LUPA_METRICS_TOKEN (the demo) only a loopback
    client may read it (`lupa serve` refuses to start without a token)."""
    for address in ("127.0.0.1", "::1"):
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": address}).status_code == 200
    for address in ("192.0.2.10", "10.0.0.1", "2001:db8::1"):
        r = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
        assert r.status_code == 403 and r.mimetype == "application/problem+json"
        assert b"demo" not in r.get_data()


def test_a_token_is_wanted_from_every_address(database_url: str, tmp_path: Path,
                                               demo: dict) -> None:
    app = make_app(database_url, tmp_path / "tok2", LUPA_METRICS_TOKEN="t" * 8 + "-metrics")
    c = app.test_client()
    assert c.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 401
    ok = c.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.10"},
               headers={"Authorization": "Bearer " + "t" * 8 + "-metrics"})
    assert ok.status_code == 200


def test_metrics_turned_off_are_not_found(database_url: str, tmp_path: Path,
                                          demo: dict) -> None:
    from service.config import load_config

    for off in ("0", "false", "no", "off"):
        assert load_config({"LUPA_METRICS_ENABLED": off}, str(tmp_path))[
            "LUPA_METRICS_ENABLED"] is False
    assert load_config({}, str(tmp_path))["LUPA_METRICS_ENABLED"] is True
    app = make_app(database_url, tmp_path / "off", LUPA_METRICS_ENABLED=False,
                   LUPA_METRICS_TOKEN="t" * 16)
    r = app.test_client().get("/metrics", headers={"Authorization": "Bearer " + "t" * 16})
    assert r.status_code == 404 and r.mimetype == "application/problem+json"


def test_multiprocess_mode_aggregates_worker_files(
    tmp_path: Path, monkeypatch: Any, client: FlaskClient, demo: dict,
) -> None:
    """Under gunicorn every worker writes its own files; one scrape must sum them."""
    from prometheus_client import values

    mp = tmp_path / "prom"
    mp.mkdir()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(mp))
    # Two "workers": the same counter written through the multiprocess value class by two pids.
    value_class = values.MultiProcessValue(process_identifier=lambda: 4242)
    v1 = value_class("counter", "lupa_consent_writes", "lupa_consent_writes_total",
                     ("method",), ("gpc",), "help")
    v1.inc(3)
    value_class2 = values.MultiProcessValue(process_identifier=lambda: 4343)
    v2 = value_class2("counter", "lupa_consent_writes", "lupa_consent_writes_total",
                      ("method",), ("gpc",), "help")
    v2.inc(4)
    text = scrape(client)
    assert sample(text, "lupa_consent_writes_total", method="gpc") == 7.0
    assert sample(text, "lupa_audit_chain_length", site="demo") is not None
