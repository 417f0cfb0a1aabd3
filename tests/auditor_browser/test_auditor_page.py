"""The auditor's page in Chromium: sign in, overview with charts, log filter, report, sign out;
no Content-Security-Policy violation on the way. Saves a screenshot under the test's temporary
folder, or where LUPA_SCREENSHOT_DIR says (e.g. docs/screenshots, to refresh the docs by hand)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.conftest import bearer, new_visitor
from tests.domain.audit.test_tamper import sql
from tests.domain.promises.test_promises import add_event

pytestmark = pytest.mark.browser


def history(app: Flask, demo: dict) -> None:
    """A year of choices with a drift towards refusal, and some marketing permissions."""
    client = app.test_client()
    now = datetime.now(UTC)
    sql(app, "UPDATE notice_versions SET published_at = :t", t=now - timedelta(days=400))
    for month in range(11, -1, -1):
        for i in range(8):
            add_event(app, at=now - timedelta(days=30 * month + i), audited=True,
                      choices={"necessary": True, "analytics": i < 3 + month % 5,
                               "marketing": i < 1 + month % 3, "preferences": i % 2 == 0})
    for _ in range(3):
        client.post("/api/v1/sites/demo/consents", json={
            "visitor_id": new_visitor(), "notice_version": 1, "method": "reject_all",
            "choices": {"analytics": False, "marketing": False, "preferences": False}})
    admin = bearer(demo["keys"]["admin"])
    for i, state in enumerate(["granted", "granted", "prohibited"]):
        sid = client.post("/api/v1/sites/demo/subjects", json={"email": f"c{i}@example.fi"},
                          headers=admin).get_json()["id"]
        client.put(f"/api/v1/sites/demo/subjects/{sid}/permissions/newsletter/email",
                   json={"state": state, "evidence": {"source": "web_form", "notice_version": 1,
                                                      "confirmed_at": "2026-01-01T00:00:00Z"}},
                   headers=admin)


def test_auditor_signs_in_browses_and_signs_out(app: Flask, demo: dict, page: Any,
                                                live_server: str, tmp_path: Path) -> None:
    history(app, demo)
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text)
            if "Content Security Policy" in m.text else None)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server}/auditor/demo")
    expect(page.get_by_role("heading", name="Sign in to the audit of Demo Oy")).to_be_visible()
    page.get_by_label("Auditor key").fill(demo["keys"]["admin"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not an auditor key")
    page.get_by_label("Auditor key").fill(demo["keys"]["auditor"])
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_test_id("verification")).to_have_text("INTACT")
    expect(page.locator("svg.chart").first).to_be_visible()
    acceptance = page.locator("svg.chart").first
    assert acceptance.locator("rect:has(title)").count() >= 2  # a bar per optional category
    assert page.locator("svg.chart").nth(1).locator("rect:has(title)").count() > 0  # marketing
    cookie = next(c for c in page.context.cookies() if c["name"] == "session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    # Tests never write tracked files: docs/screenshots is refreshed only when asked.
    folder = Path(os.environ.get("LUPA_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / "auditor.png"), full_page=True)
    assert (folder / "auditor.png").stat().st_size > 10_000

    page.get_by_role("link", name="Log", exact=True).click()
    page.get_by_label("Action").fill("marketing.*")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.log tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("marketing.granted")

    page.get_by_role("link", name="Promise report").click()
    expect(page.locator("#promise-chain_verifies .badge")).to_have_text("holds")
    expect(page.locator("#promise-consent_before_tracking .badge")).to_have_text("holds")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to the audit of Demo Oy")).to_be_visible()
    page.goto(f"{live_server}/auditor/demo/log")
    expect(page.get_by_label("Auditor key")).to_be_visible()
    assert violations == []
