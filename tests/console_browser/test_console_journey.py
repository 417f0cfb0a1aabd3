"""The console in Chromium, as a new operator uses it: sign in with the admin key, add and
test an origin, create and revoke a key, record and complete a data-subject request, read the
week's choices, import opt-outs, switch to a second site; every page at 0 axe-core
violations and no Content-Security-Policy complaint. Screenshots of each page go to a
temporary folder, or to LUPA_SCREENSHOT_DIR when set (docs/screenshots/console/)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations
from tests.conftest import bearer
from tests.domain.promises.test_promises import add_event

pytestmark = pytest.mark.browser


def week_of_choices(app: Flask) -> None:
    now = datetime.now(UTC)
    for day in range(7):  # 3, 4, 5, 3, 4, 5, 3 choices: 27
        for i in range(3 + day % 3):
            method = ("accept_all", "reject_all", "custom", "gpc")[(i + day) % 4]
            add_event(app, method=method, at=now - timedelta(days=day, seconds=i),
                      choices={"necessary": True, "analytics": method in ("accept_all", "custom"),
                               "marketing": method == "accept_all",
                               "preferences": method != "reject_all"})


def checked(page: Any, folder: Path, name: str) -> None:
    assert axe_violations(page) == [], name
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_operator_runs_the_site_from_the_console(app: Flask, client: Any, demo: dict,
                                                 axe_page: Any, live_server: str,
                                                 tmp_path: Path) -> None:
    week_of_choices(app)
    client.post("/api/v1/sites/demo/subjects", json={"email": "anna@example.fi"},
                headers=bearer(demo["keys"]["admin"]))
    folder = Path(os.environ.get("LUPA_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page = axe_page
    csp: list[str] = []
    page.on("console", lambda m: csp.append(m.text)
            if "Content Security Policy" in m.text else None)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{live_server}/console/demo?lang=en")
    expect(page.get_by_role("heading", name="Sign in to the console of Demo Oy")).to_be_visible()
    page.get_by_label("Admin key").fill(demo["keys"]["sender"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not an admin key")
    checked(page, folder, "console-sign-in")
    page.get_by_label("Admin key").fill(demo["keys"]["admin"])
    page.get_by_role("button", name="Sign in").click()

    # settings: add an origin, then test one that is allowed and one that is not
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()
    page.get_by_label("Origin", exact=True).fill("https://www.shop.example")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("status").first).to_have_text("Saved.")
    expect(page.locator("ul.origins")).to_contain_text("https://www.shop.example")
    page.get_by_label("Origin", exact=True).fill("https://staging.shop.example")
    page.get_by_role("button", name="Test", exact=True).click()
    expect(page.get_by_test_id("origin-test")).to_contain_text("Refused")
    page.get_by_role("button", name="Test https://www.shop.example").click()
    expect(page.get_by_test_id("origin-test")).to_contain_text("Allowed")
    checked(page, folder, "console-settings")

    # notice: a wording change checked (no re-consent), compared, published
    page.get_by_role("link", name="Notice").click()
    editor = page.get_by_label("The notice (TOML, docs/notice-format.md)")
    editor.fill(editor.input_value().replace('title.en = "Analytics cookies"',
                                             'title.en = "Statistics cookies"'))
    page.get_by_role("button", name="Check and compare").click()
    expect(page.get_by_test_id("asks-again")).to_contain_text("will not ask again")
    expect(page.locator("table.diff")).to_contain_text("Statistics cookies")
    checked(page, folder, "console-notice")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status").first).to_have_text("Version 2 published.")

    # keys: create one (shown once), then revoke it with the confirmation
    page.get_by_role("link", name="Keys").click()
    page.get_by_label("Role").select_option("sender")
    page.get_by_label("Label").fill("newsletter tool")
    page.get_by_role("button", name="Create").click()
    secret = page.get_by_test_id("secret").inner_text()
    assert secret.startswith("lupa_")
    checked(page, folder, "console-keys")
    new_id = secret.split("_")[1]
    page.get_by_label(f"Yes, revoke key {new_id}").check()
    page.locator(f"#key-{new_id}").get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status").first).to_have_text(f"Key {new_id} revoked.")
    assert secret not in page.content()

    # requests: record a letter, then complete it (the export downloads)
    page.get_by_role("link", name="Requests").click()
    page.get_by_label("Identifier of the person").fill("anna@example.fi")
    page.get_by_label("Came by").select_option("letter")
    page.get_by_label("Note").fill("Letter asking for a copy of the data")
    page.get_by_role("button", name="Record a request").click()
    expect(page.get_by_role("status").first).to_contain_text("Request recorded; due")
    expect(page.locator("table.requests tbody tr").first).to_contain_text("open")
    checked(page, folder, "console-requests")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export and download").click()
    export = json.loads(Path(download.value.path()).read_text("utf-8"))
    assert export["identifiers"] == {"email": "anna@example.fi"}
    page.reload()
    expect(page.locator("table.requests tbody tr").first).to_contain_text("completed")

    # statistics: the week's choices, as a chart and a table
    page.get_by_role("link", name="Statistics").click()
    expect(page.locator("svg.chart")).to_be_visible()
    assert page.locator("svg.chart rect[height]").count() > 0
    expect(page.get_by_text("27 choices in the last 7 days.")).to_be_visible()
    checked(page, folder, "console-statistics")

    # opt-out import by upload
    page.get_by_role("link", name="Opt-out import").click()
    page.get_by_label("CSV file").set_input_files(files=[{
        "name": "unsubscribes.csv", "mimeType": "text/csv",
        "buffer": b"Email Address\nbertil@example.fi\ncecilia@example.fi\n"}])
    page.get_by_label("Purpose").select_option("newsletter")
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_test_id("import-result")).to_contain_text("2 rows, 2 changed")
    checked(page, folder, "console-optouts")

    # a second site in the same session, and the switcher between them
    page.get_by_label("Sign in to another site").fill("other")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Admin key").fill(demo["other_keys"]["admin"])
    page.get_by_role("button", name="Sign in").click()
    switcher = page.get_by_role("complementary")
    expect(switcher.get_by_role("link", name="other")).to_have_attribute("aria-current", "page")
    switcher.get_by_role("link", name="demo").click()
    expect(page.locator(".top .site")).to_contain_text("Demo Oy")

    # the site's own languages
    page.get_by_role("link", name="suomi").click()
    expect(page.get_by_role("heading", name="Asetukset")).to_be_visible()
    checked(page, folder, "console-settings-fi")
    page.get_by_role("button", name="Kirjaudu ulos").click()
    expect(page.get_by_label("Ylläpitäjän avain")).to_be_visible()
    assert csp == []
