"""Keyboard-only use, dialog semantics and an axe-core scan of the banner and the dialog."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, wait_until
from tests.browser.test_consent_flow import open_demo, wait_for_record

pytestmark = pytest.mark.browser

FOCUSED = "document.activeElement"


def focused(page: Any, prop: str = "textContent") -> str:
    return str(page.evaluate(f"{FOCUSED} && {FOCUSED}.{prop}"))


def focus_inside_dialog(page: Any) -> bool:
    return bool(page.evaluate(f"!!{FOCUSED}.closest('dialog[open]')"))


def tab_to(page: Any, text: str, limit: int = 30) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page).strip() == text:
            return
    raise AssertionError(f"{text!r} not reachable with Tab; stuck at {focused(page)!r}")


def test_keyboard_only_visitor_can_choose_categories(page, context, demo_url, server_choice):
    open_demo(page, demo_url)
    # The banner comes first in the tab order, before the page's own links.
    page.keyboard.press("Tab")
    assert page.evaluate(f"!!{FOCUSED}.closest('.lupa-banner')")
    tab_to(page, "Settings")
    outline = page.evaluate(f"getComputedStyle({FOCUSED}).outlineStyle")
    assert outline != "none", "focus must be visible"
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    assert focus_inside_dialog(page)
    # Focus stays trapped in the dialog both ways.
    for key in ["Tab"] * 15 + ["Shift+Tab"] * 15:
        page.keyboard.press(key)
        assert focus_inside_dialog(page), f"focus escaped the dialog after {key}"
    # Esc closes and focus returns to the button that opened it.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert focused(page).strip() == "Settings"
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    for _ in range(15):
        page.keyboard.press("Tab")
        if focused(page, "name") == "analytics":
            break
    assert focused(page, "name") == "analytics"
    page.keyboard.press("Space")
    expect(dialog.get_by_role("switch", name="Analytics cookies")).to_be_checked()
    tab_to(page, "Save choices")
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    wait_until(page, "(window.__ran || []).includes('ga')")
    record = wait_for_record(server_choice, context, "custom")
    assert record["choices"]["analytics"] is True and record["choices"]["marketing"] is False


def test_dialog_semantics(page, demo_url):
    open_demo(page, demo_url)
    page.get_by_role("button", name="Settings").click()
    dialog = page.locator("dialog.lupa-dlg")
    expect(dialog).to_have_attribute("aria-modal", "true")
    expect(page.get_by_role("dialog", name="Cookie settings")).to_be_visible()
    href = dialog.get_by_role("link", name="Privacy notice").get_attribute("href") or ""
    assert "/sites/demo/notice?lang=en" in href
    # Modal: the backdrop, not the page under it, takes a pointer anywhere outside the dialog.
    assert page.evaluate("document.elementFromPoint(5, 5).matches('dialog.lupa-dlg')")
    page.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(".lupa-banner")).to_be_visible()


@pytest.mark.parametrize("lang", ["fi", "en"])
def test_axe_finds_no_violations_in_banner(axe_page, live_server, lang):
    open_demo(axe_page, f"{live_server}/demo?lang={lang}")
    assert axe_page.evaluate("typeof axe") == "object"
    assert axe_violations(axe_page, "#lupa") == []


@pytest.mark.parametrize("lang", ["fi", "en"])
def test_axe_finds_no_violations_in_dialog(axe_page, live_server, lang):
    open_demo(axe_page, f"{live_server}/demo?lang={lang}")
    axe_page.evaluate("Lupa.show()")
    expect(axe_page.locator("dialog[open]")).to_be_visible()
    axe_page.locator("dialog details").first.evaluate("d => d.open = true")
    assert axe_violations(axe_page, "#lupa") == []
