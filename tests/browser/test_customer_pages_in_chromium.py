"""The customer pages in Chromium: each page (confirm before and after, preferences with the
code form, unsubscribe, the link request, the SMS code, an invalid link) has no axe-core
violations, loads its stylesheet under the page's own CSP, and fits a phone's width.
Screenshots of the preferences and confirm pages go to a temporary folder, or where
LUPA_SCREENSHOT_DIR says (e.g. docs/screenshots/customer, to refresh the docs by hand)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations
from tests.marketing_helpers import BASE, new_subject, preferences_path, printed, sender

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}


def confirm_path(client: Any) -> str:
    body = {"email": "selma@example.fi", "purposes": ["newsletter", "offers"],
            "channels": ["email"], "notice_version": 1, "language": "en"}
    mail = printed(lambda: client.post(f"{BASE}/signups", json=body,
                                       headers={"Origin": "https://shop.example"}))
    match = re.search(r"http://localhost(/sites/demo/confirm/[^?\s]+)\?lang=en", mail)
    assert match, mail
    return match.group(1)


def unsubscribe_path(client: Any, demo: dict) -> str:
    resp = client.post(f"{BASE}/unsubscribe-links", headers=sender(demo),
                       json={"purpose": "newsletter", "recipients": ["asiakas@example.fi"]})
    url = resp.get_json()["links"][0]["list_unsubscribe"].strip("<>")
    return str(url.removeprefix("http://localhost"))


def checked(page: Any, name: str) -> list[dict[str, Any]]:
    """axe-core's violations on the page, and the page fits a phone without sideways
    scrolling and styled by its stylesheet (the CSP let it load)."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name
    assert page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth") != \
        "none", f"{name}: customer.css not applied"
    return [{"page": name, **v} for v in axe_violations(page)]


def shot(page: Any, tmp_path: Path, name: str) -> None:
    folder = Path(os.environ.get("LUPA_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / name), full_page=True)
    assert (folder / name).stat().st_size > 10_000


def test_every_customer_page_is_accessible_and_fits_a_phone(axe_page: Any, live_server: str,
                                                           app: Any, demo: dict,
                                                           tmp_path: Path) -> None:
    page = axe_page
    client = app.test_client()
    new_subject(client, demo, email="asiakas@example.fi", phone="+358401234567")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    violations: list[dict[str, Any]] = []
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server}/sites/demo/preferences?lang=en")
    expect(page.get_by_role("link", name="Demo Oy", exact=True)).to_have_attribute(
        "href", "https://shop.example")
    violations += checked(page, "request")
    page.get_by_label("E-mail address").fill("nobody@example.fi")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("status")).to_contain_text("If we know the address")
    violations += checked(page, "request sent")

    path = preferences_path(client, "asiakas@example.fi")
    page.goto(f"{live_server}{path}?lang=en")
    expect(page.get_by_role("heading", name="Newsletter")).to_be_visible()
    violations += checked(page, "preferences")
    page.get_by_role("group", name="Channels: Newsletter").get_by_label("email").check()
    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_role("status")).to_have_text("Your choices have been saved.")
    assert "lang=en" in page.url
    page.set_viewport_size({"width": 900, "height": 900})
    shot(page, tmp_path, "preferences.png")
    page.set_viewport_size(PHONE)
    printed(lambda: page.get_by_role("button", name="Send a confirmation code to my phone")
            .click())
    expect(page.get_by_label("Confirmation code")).to_be_visible()
    violations += checked(page, "preferences with the code form")
    code_path = page.locator("#phone-code form").get_attribute("action")
    page.get_by_role("button", name="Prohibit all direct marketing").click()
    expect(page.get_by_text("You have prohibited all direct marketing.")).to_be_visible()
    violations += checked(page, "preferences, all prohibited")

    page.goto(f"{live_server}{code_path}")
    violations += checked(page, "sms code")

    confirm = confirm_path(client)
    page.goto(f"{live_server}{confirm}?lang=en")
    violations += checked(page, "confirm")
    page.get_by_role("button", name="I confirm").click()
    expect(page.get_by_role("status")).to_contain_text("Your subscription is confirmed")
    page.goto(f"{live_server}{confirm}?lang=en")
    expect(page.get_by_role("status")).to_contain_text("You confirmed this on")
    expect(page.get_by_role("button", name="I confirm")).to_have_count(0)
    page.set_viewport_size({"width": 900, "height": 560})
    shot(page, tmp_path, "confirm.png")
    page.set_viewport_size(PHONE)
    violations += checked(page, "confirm, used")

    page.goto(f"{live_server}{unsubscribe_path(client, demo)}?lang=fi")
    violations += checked(page, "unsubscribe")
    page.get_by_role("button", name="Peru tilaus").click()
    expect(page.get_by_role("status")).to_contain_text("Tilaus on peruttu")
    violations += checked(page, "unsubscribed")

    page.goto(f"{live_server}{confirm[:-4]}AAAA?lang=sv")
    expect(page.get_by_role("link", name="Be om en ny länk")).to_be_visible()
    violations += checked(page, "invalid link")

    assert violations == []
    assert not [e for e in errors if "Content Security Policy" in e], errors
