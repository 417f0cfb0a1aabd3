"""The auditor's scan pages in a browser: no axe violations, and a scan's screenshot shows."""

from __future__ import annotations

import hashlib
import struct
import zlib
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations
from tests.domain.promises.test_promises_live_site import clean, store
from tests.domain.scan.records import visit

pytestmark = pytest.mark.browser


def png(width: int = 16, height: int = 10) -> bytes:
    """A small valid grey PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    rows = b"".join(b"\0" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0,
                                                             0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def test_scan_pages_are_accessible_and_show_the_screenshots(app: Flask, demo: dict,
                                                            axe_page: Any,
                                                            live_server: str) -> None:
    image = png()
    sha = hashlib.sha256(image).hexdigest()
    rec = clean()
    rec["visits"][0] = visit("none", ("_ga",))
    for v in rec["visits"]:
        v["screenshot"] = sha
    scan_id = store(app, rec, {sha: image})
    page = axe_page
    page.goto(f"{live_server}/auditor/demo")
    page.get_by_label("Auditor key").fill(demo["keys"]["auditor"])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Scans").click()
    expect(page.locator(f"#scan-{scan_id}")).to_be_visible()
    assert axe_violations(page) == [], "scans"
    page.get_by_role("link", name=f"Scan {scan_id}").click()
    expect(page.locator("table.findings")).to_contain_text("before_consent")
    assert axe_violations(page) == [], "scan"
    shot = page.get_by_role("img", name="Screenshot: none on https://shop.example/")
    expect(shot).to_be_visible()
    assert shot.evaluate("img => img.naturalWidth") == 16
