"""The auditor's scan pages: the timeline, one scan's findings and visits, its screenshots and
its raw record (whose digest is the audit entry's), for the site's auditor only."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Flask

from tests.auditor.test_auditor_pages import BASE, sign_in
from tests.domain.promises.test_promises_live_site import clean, store
from tests.domain.scan.records import visit

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
SHA = hashlib.sha256(PNG).hexdigest()


def broken_scan(app: Flask) -> int:
    rec = clean()
    rec["visits"][0] = visit("none", ("_ga",))
    for v in rec["visits"]:
        v["screenshot"] = SHA
    return store(app, rec, {SHA: PNG})


def test_scan_pages_need_the_sites_auditor(app: Flask, client: Any, demo: dict) -> None:
    scan_id = broken_scan(app)
    for path in ("/scans", f"/scans/{scan_id}", f"/scans/{scan_id}/record.json",
                 f"/scans/{scan_id}/screenshots/{SHA}.png"):
        assert client.get(BASE + path).status_code == 302
    sign_in(client, demo["other_keys"]["auditor"], site="other")
    assert client.get(f"/auditor/other/scans/{scan_id}").status_code == 404
    assert client.get(f"/auditor/other/scans/{scan_id}/screenshots/{SHA}.png").status_code == 404


def test_timeline_and_findings_show_what_the_scan_found(app: Flask, client: Any,
                                                        demo: dict) -> None:
    first = store(app, clean())
    scan_id = broken_scan(app)
    sign_in(client, demo["keys"]["auditor"])
    html = client.get(BASE + "/scans").get_data(as_text=True)
    assert html.index(f'id="scan-{scan_id}"') < html.index(f'id="scan-{first}"')
    assert ">broken<" in html and ">clean<" in html
    page = client.get(f"{BASE}/scans/{scan_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "before_consent" in html and "<code>_ga</code>" in html
    assert f"/scans/{scan_id}/screenshots/{SHA}.png" in html


def test_screenshot_and_raw_record_match_the_audit_entrys_digests(app: Flask, client: Any,
                                                                  demo: dict) -> None:
    scan_id = broken_scan(app)
    sign_in(client, demo["keys"]["auditor"])
    shot = client.get(f"{BASE}/scans/{scan_id}/screenshots/{SHA}.png")
    assert (shot.status_code, shot.mimetype, shot.data) == (200, "image/png", PNG)
    raw = client.get(f"{BASE}/scans/{scan_id}/record.json").data
    entries = client.get(BASE + "/export.jsonl?action=scan.recorded").get_data(as_text=True)
    payload = json.loads(entries.splitlines()[0])["payload"]
    payload = json.loads(payload) if isinstance(payload, str) else payload
    assert hashlib.sha256(raw).hexdigest() == payload["record_sha256"]
    assert payload["screenshots"] == [SHA]
    assert client.get(f"{BASE}/scans/{scan_id}/screenshots/{'0' * 64}.png").status_code == 404
    assert client.get(f"{BASE}/scans/{scan_id}/screenshots/..%2Fx.png").status_code == 404
    assert client.get(f"{BASE}/scans/999999").status_code == 404
