"""Lupa.subscribe(form): an ordinary form on the site starts the double opt-in, linked to the
visitor's cookie choices; bad input is shown to the visitor and stores nothing."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import wait_until
from tests.browser.test_consent_flow import wait_for_record
from tests.marketing_helpers import BASE, admin

pytestmark = pytest.mark.browser

EMAIL = "Selma.Selaaja@Example.fi"


def subject_detail(app: Any, demo: dict, email: str) -> dict[str, Any]:
    client = app.test_client()
    sid = client.post(f"{BASE}/subjects", json={"email": email},
                      headers=admin(demo)).get_json()["id"]
    detail: dict[str, Any] = client.get(f"{BASE}/subjects/{sid}", headers=admin(demo)).get_json()
    return detail


def held(detail: dict[str, Any]) -> dict[tuple[str, str], str]:
    """Purpose and channel -> state, for every permission that is not simply absent."""
    return {(p["purpose"], p["channel"]): p["state"] for p in detail["permissions"]
            if p["state"] != "none"}


def test_form_signup_is_pending_and_linked_to_the_visitor(page, context, demo_url, app, demo,
                                                          server_choice):
    page.goto(demo_url)
    page.get_by_role("button", name="Accept all").click()
    # the visitor id the service gave (a first visit), once the widget has it
    visitor_id = wait_for_record(server_choice, context, "accept_all")["visitor_id"]
    form = page.locator("form[data-lupa-subscribe]")
    form.get_by_label("Email address").fill(EMAIL)
    form.get_by_role("button", name="Subscribe to the newsletter").click()
    wait_until(page, "document.querySelector('form[data-lupa-subscribe]').dataset.lupaState"
                     " === 'sent'")
    expect(form.locator("[data-lupa-status]")).to_contain_text("Confirm your subscription")
    detail = subject_detail(app, demo, EMAIL)
    assert held(detail) == {("newsletter", "email"): "pending"}
    first = detail["history"][0]
    assert first["change"] == "pending" and first["evidence"]["visitor_id"] == visitor_id


def test_rejected_signup_says_so_and_stores_nothing(page, demo_url, app, demo):
    page.goto(f"{demo_url.split('?')[0]}?lang=fi")
    page.evaluate("document.querySelector('form[data-lupa-subscribe]').dataset.purposes"
                  " = 'no-such-purpose'")
    form = page.locator("form[data-lupa-subscribe]")
    form.locator("input[name=email]").fill(EMAIL)
    form.locator("button[type=submit]").press("Enter")
    wait_until(page, "document.querySelector('form[data-lupa-subscribe]').dataset.lupaState"
                     " === 'error'")
    expect(form.locator("[data-lupa-status]")).to_contain_text("Tilaus ei onnistunut")
    assert held(subject_detail(app, demo, EMAIL)) == {}


def test_subscribe_api_resolves_with_the_service_answer(page, demo_url):
    page.goto(demo_url)
    wait_until(page, "!!(window.Lupa && Lupa.getConsent())")
    result = page.evaluate("""async () => {
        const form = document.querySelector('form[data-lupa-subscribe]');
        form.querySelector('input[name=email]').value = 'api.user@example.fi';
        const seen = new Promise((ok) => form.addEventListener('lupa:subscribe',
                                                               (e) => ok(e.detail.status)));
        const answer = await Lupa.subscribe(form)();
        return {status: answer.status, body: answer.body, event: await seen};
    }""")
    assert result == {"status": 202, "event": 202,
                      "body": {"status": "accepted",
                               "requested": [["newsletter", "email"]]}}


def test_form_is_taken_over_before_the_banner_is_up(page, demo_url):
    """The form is wired at DOMContentLoaded, not after the configuration arrives: with the
    service unreachable on a first visit (no banner at all), Enter still does not post the
    form away from the page, and the visitor is told it did not go through."""
    page.route("**/api/v1/sites/*/config", lambda route: route.abort())
    page.goto(f"{demo_url.split('?')[0]}?lang=en")
    url = page.url
    form = page.locator("form[data-lupa-subscribe]")
    form.locator("input[name=email]").fill(EMAIL)
    form.locator("button[type=submit]").press("Enter")
    wait_until(page, "document.querySelector('form[data-lupa-subscribe]').dataset.lupaState"
                     " === 'error'")
    assert page.url == url
