"""Scan retention (`lupa retention purge`, LUPA_SCAN_RETENTION_DAYS): an old scan's raw record
and screenshots go, its status, findings and digests stay; the latest scan of a site is kept
whole (it is the promise report's evidence); the purge is audited and the chain verifies."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from tests.domain.promises.test_promises_live_site import clean, store

PNG = b"\x89PNG\r\n\x1a\nold"
SHA = hashlib.sha256(PNG).hexdigest()


def aged(days: int) -> dict[str, Any]:
    rec = clean()
    at = (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    rec["started_at"] = rec["finished_at"] = at
    return rec


def rows(app: Flask) -> list[tuple[int, bool, int, bool]]:
    """(id, record kept, screenshots, purged) per scan."""
    from sqlalchemy import func, select

    from service.extensions import db
    from service.models import ScanScreenshot, SiteScan

    with app.app_context():
        out = []
        for s in db.session.execute(select(SiteScan).order_by(SiteScan.id)).scalars():
            shots = db.session.execute(select(func.count()).select_from(ScanScreenshot).where(
                ScanScreenshot.scan_id == s.id)).scalar_one()
            out.append((s.id, s.record is not None, shots, s.purged_at is not None))
        return out


def test_old_scans_lose_record_and_screenshots_but_the_latest_is_kept(
        app: Flask, runner: Any, demo: dict) -> None:
    old = store(app, aged(400), {SHA: PNG})
    recent = store(app, aged(10), {SHA: PNG})
    dry = runner.invoke(args=["retention", "purge", "--site", "demo", "--dry-run"])
    assert "demo\tscan_records\twould_delete\t1" in dry.stdout
    assert rows(app) == [(old, True, 1, False), (recent, True, 1, False)]
    res = runner.invoke(args=["retention", "purge", "--site", "demo"])
    assert res.exit_code == 0, res.output
    assert "demo\tscan_records\tdeleted\t1" in res.stdout
    assert rows(app) == [(old, False, 0, True), (recent, True, 1, False)]
    # The latest scan is kept whole however old it is.
    app.config["LUPA_SCAN_RETENTION_DAYS"] = 1
    res = runner.invoke(args=["retention", "purge", "--site", "demo"])
    assert "demo\tscan_records\tdeleted\t0" in res.stdout
    assert rows(app)[-1] == (recent, True, 1, False)
    verify = runner.invoke(args=["audit", "verify", "--site", "demo"])
    assert verify.exit_code == 0, verify.output


def test_a_purged_scan_keeps_its_findings_on_the_auditor_page(app: Flask, client: Any,
                                                              runner: Any, demo: dict) -> None:
    from tests.auditor.test_auditor_pages import BASE, sign_in

    old = store(app, aged(400))
    store(app, aged(1))
    runner.invoke(args=["retention", "purge", "--site", "demo"])
    sign_in(client, demo["keys"]["auditor"])
    html = client.get(f"{BASE}/scans/{old}").get_data(as_text=True)
    assert "past the scan retention" in html
    assert client.get(f"{BASE}/scans/{old}/record.json").status_code == 410
