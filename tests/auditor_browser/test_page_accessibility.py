"""axe-core over the auditor's pages and the public notice page: 0 violations (WCAG 2.x A/AA
rules axe checks), each page as a signed-in auditor or a visitor sees it."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.auditor_browser.test_auditor_page import history
from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser


def test_auditor_pages_have_no_axe_violations(app: Flask, demo: dict, axe_page: Any,
                                              live_server: str) -> None:
    history(app, demo)
    page = axe_page
    page.goto(f"{live_server}/auditor/demo")
    assert page.evaluate("typeof axe") == "object"
    assert axe_violations(page) == [], "sign-in page"
    page.get_by_label("Auditor key").fill(demo["keys"]["auditor"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("verification")).to_have_text("INTACT")
    assert axe_violations(page) == [], "overview"
    page.get_by_role("link", name="Log", exact=True).click()
    expect(page.locator("table.log")).to_be_visible()
    assert axe_violations(page) == [], "log"
    page.get_by_role("link", name="Promise report").click()
    expect(page.locator("#promise-chain_verifies .badge")).to_be_visible()
    assert axe_violations(page) == [], "promise report"


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_notice_page_has_no_axe_violations(demo: dict, axe_page: Any, live_server: str,
                                           lang: str) -> None:
    axe_page.goto(f"{live_server}/sites/demo/notice?lang={lang}")
    assert axe_page.evaluate("typeof axe") == "object"
    assert axe_violations(axe_page) == []
