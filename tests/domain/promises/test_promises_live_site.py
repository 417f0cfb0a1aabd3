"""The promise "cookies only after consent — observed on the live site" (docs/promises.md):
judged by the latest `lupa scan` of the site, whose result is in the audit chain."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask

from tests.domain.promises.test_promises import promise, report
from tests.domain.scan.records import DEMO_ACCEPTED, record, visit

KEY = "cookies_observed_live"


def store(app: Flask, rec: dict[str, Any], shots: dict[str, bytes] | None = None) -> int:
    """Record a scan as `lupa scan` does after its visits (judged against the notice)."""
    from service.domain import notices, scan, sites
    from service.domain.scan import store as scan_store
    from service.extensions import db

    with app.app_context():
        site = sites.get_site("demo")
        notice = notices.as_format_2(notices.current_version(site).data)
        row = scan_store.record_scan(site, rec, shots or {}, scan.judge_record(rec, notice), 1,
                                     "cli")
        db.session.commit()
        return int(row.id)


def clean() -> dict[str, Any]:
    return record(visit("none"), visit("reject", ("lupa_consent", "lupa_vid")),
                  visit("accept", DEMO_ACCEPTED))


def test_never_scanned_is_not_applicable(client: Any, demo: dict) -> None:
    p = promise(report(client, demo), KEY)
    assert (p["status"], p["counts"]) == ("not_applicable", {"scans": 0})
    assert p["notice"] == "cookie_categories"


def test_a_clean_latest_scan_holds(app: Flask, client: Any, demo: dict) -> None:
    scan_id = store(app, clean())
    p = promise(report(client, demo), KEY)
    assert p["status"] == "holds" and p["counts"]["scans"] == 1
    assert f"scan {scan_id} " in p["summary"] and p["evidence"] == []


def test_a_cookie_before_consent_on_the_live_site_breaks_it(app: Flask, client: Any,
                                                            demo: dict) -> None:
    store(app, clean())
    rec = clean()
    rec["visits"][0] = visit("none", ("_ga",))
    scan_id = store(app, rec)
    body = report(client, demo)
    p = promise(body, KEY)
    assert p["status"] == "broken" and body["ok"] is False
    assert [(e["scan"], e["rule"], e["name"], e["category"]) for e in p["evidence"]] == [
        (scan_id, "before_consent", "_ga", "analytics")]


def test_a_failed_latest_scan_is_not_checkable_never_holds(app: Flask, client: Any,
                                                           demo: dict) -> None:
    store(app, clean())
    store(app, record(visit("none", status="failed"), status="failed"))
    p = promise(report(client, demo), KEY)
    assert p["status"] == "not_checkable"
    assert "failed (timeout" in p["summary"]


def test_each_scan_is_an_audit_entry_with_its_digests(app: Flask, demo: dict) -> None:
    import hashlib

    from sqlalchemy import select

    from service.domain import audit, scan, sites
    from service.extensions import db
    from service.models import AuditEntry

    png = b"\x89PNG\r\n\x1a\nnot really"
    digest = hashlib.sha256(png).hexdigest()
    rec = clean()
    scan_id = store(app, rec, {digest: png})
    with app.app_context():
        entry = db.session.execute(select(AuditEntry).where(
            AuditEntry.action == "scan.recorded")).scalar_one()
        payload = json.loads(entry.payload)
        assert payload["scan"] == scan_id and payload["status"] == "clean"
        assert payload["record_sha256"] == scan.record_digest(rec)
        assert payload["screenshots"] == [digest]
        assert "shop.example" not in entry.payload  # URLs stay in the record, not the log
        assert audit.verify_site(sites.get_site("demo")).ok is True
        assert scan.screenshot(sites.get_site("demo"), scan_id, digest) == png
