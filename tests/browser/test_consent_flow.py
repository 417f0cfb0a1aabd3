"""The widget in a real browser against the real service: blocking, choices, records."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import consent_cookie, cookie_names, data_layer, ran, wait_until

pytestmark = pytest.mark.browser

ALL_TAGS = {"ga", "ga-config", "pixel", "preferences"}
TRACKING_COOKIES = {"_ga", "_gid", "_fbp", "kirkas_lang"}


def open_demo(page: Any, url: str) -> Any:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    expect(page.locator(".lupa-banner")).to_be_visible()
    return requests


def wait_for_record(server_choice: Any, who: Any, method: str) -> dict[str, Any]:
    """The service's record of `method` for a visitor id, or for a browser context: the id
    in its widget cookie, read again on each try (on a first visit the service gives the
    visitor its own id, which the widget adopts once its write is delivered)."""
    deadline = time.monotonic() + 10
    while True:
        visitor_id = who if isinstance(who, str) else consent_cookie(who).get("v", "")
        record = server_choice(visitor_id) if visitor_id else None
        if record is not None and record["method"] == method:
            return dict(record)
        if time.monotonic() > deadline:
            raise AssertionError(f"no {method} record for {visitor_id}: {record}")
        time.sleep(0.1)


def test_nothing_blocked_runs_or_sets_cookies_before_consent(page, context, demo_url):
    requests = open_demo(page, demo_url)
    page.wait_for_timeout(500)
    assert ran(page) == []
    assert cookie_names(context) & TRACKING_COOKIES == set()
    assert "lupa_consent" not in cookie_names(context)
    assert not [u for u in requests if "fake-" in u]
    # Scripts added to the page later stay inert too.
    page.evaluate(
        """() => { const s = document.createElement('script'); s.type = 'text/plain';
        s.dataset.category = 'marketing'; s.src = '/demo/static/fake-pixel.js';
        document.body.append(s); }"""
    )
    page.wait_for_timeout(300)
    assert ran(page) == []


def test_accept_all_runs_every_tag_and_is_recorded(page, context, demo_url, server_choice):
    open_demo(page, demo_url)
    page.get_by_role("button", name="Accept all").first.click()
    expect(page.locator(".lupa-banner")).to_be_hidden()
    wait_until(page, "(window.__ran || []).length >= 4")
    assert set(ran(page)) == ALL_TAGS
    assert TRACKING_COOKIES <= cookie_names(context)
    record = wait_for_record(server_choice, context, "accept_all")
    stored = consent_cookie(context)
    assert stored["v"] == record["visitor_id"]
    assert record["choices"] == {
        "necessary": True, "preferences": True, "analytics": True, "marketing": True
    }
    assert record["notice_version"] == int(stored["n"]) == 1
    # A returning visitor is not asked again and the tags run at once.
    page.reload()
    wait_until(page, "(window.__ran || []).length >= 4")
    expect(page.locator(".lupa-banner")).to_be_hidden()
    assert page.evaluate("Lupa.getConsent()")["categories"]["marketing"] is True


def test_reject_all_runs_nothing_and_is_recorded(page, context, demo_url, server_choice):
    open_demo(page, demo_url)
    page.get_by_role("button", name="Reject all").first.click()
    expect(page.locator(".lupa-banner")).to_be_hidden()
    record = wait_for_record(server_choice, context, "reject_all")
    assert record["choices"] == {
        "necessary": True, "preferences": False, "analytics": False, "marketing": False
    }
    page.reload()
    expect(page.locator(".lupa-fab")).to_be_visible()
    page.wait_for_timeout(300)
    expect(page.locator(".lupa-banner")).to_be_hidden()
    assert ran(page) == []
    assert cookie_names(context) & TRACKING_COOKIES == set()


def test_custom_choice_runs_only_granted_categories(page, context, demo_url, server_choice):
    open_demo(page, demo_url)
    page.get_by_role("button", name="Settings").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    switches = dialog.get_by_role("switch")
    assert switches.count() == 4
    # Nothing is pre-ticked except the locked necessary category.
    assert [switches.nth(i).is_checked() for i in range(4)] == [True, False, False, False]
    assert switches.nth(0).is_disabled()
    dialog.get_by_role("switch", name="Analytics cookies").check()
    dialog.get_by_role("button", name="Save choices").click()
    expect(dialog).to_be_hidden()
    wait_until(page, "(window.__ran || []).length >= 2")
    page.wait_for_timeout(300)
    assert set(ran(page)) == {"ga", "ga-config"}
    names = cookie_names(context)
    assert {"_ga", "_gid"} <= names and "_fbp" not in names and "kirkas_lang" not in names
    record = wait_for_record(server_choice, context, "custom")
    assert record["choices"] == {
        "necessary": True, "preferences": False, "analytics": True, "marketing": False
    }


def test_withdrawal_removes_cookies_and_is_recorded(page, context, demo_url, server_choice):
    open_demo(page, demo_url)
    page.get_by_role("button", name="Accept all").first.click()
    wait_until(page, "(window.__ran || []).length >= 4")
    assert TRACKING_COOKIES <= cookie_names(context)
    page.reload()
    page.locator(".lupa-fab").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("switch", name="Marketing cookies")).to_be_checked()
    dialog.get_by_role("button", name="Reject all").click()
    expect(dialog).to_be_hidden()
    assert cookie_names(context) & TRACKING_COOKIES == set()
    assert "lupa_consent" in cookie_names(context)
    record = wait_for_record(server_choice, context, "withdraw")
    assert not any(v for k, v in record["choices"].items() if k != "necessary")
    assert page.evaluate("Lupa.getConsent().method") == "withdraw"


def test_scripts_added_later_run_once_their_category_is_granted(page, demo_url):
    open_demo(page, demo_url)
    page.get_by_role("button", name="Accept all").first.click()
    wait_until(page, "(window.__ran || []).length >= 4")
    page.evaluate(
        """() => { const s = document.createElement('script'); s.type = 'text/plain';
        s.dataset.category = 'marketing'; s.src = '/demo/static/fake-pixel.js';
        document.body.append(s); }"""
    )
    wait_until(page, "window.__ran.filter(x => x === 'pixel').length === 2")


def test_api_show_get_consent_and_on_change(page, demo_url):
    open_demo(page, demo_url)
    assert page.evaluate("Lupa.getConsent().decided") is False
    page.evaluate(
        """() => { window.__changes = [];
        Lupa.onChange(c => __changes.push(c.method));
        document.addEventListener('lupa:change',
            e => __changes.push('event:' + e.detail.method)); }"""
    )
    page.evaluate("Lupa.show()")
    expect(page.get_by_role("dialog")).to_be_visible()
    page.get_by_role("dialog").get_by_role("button", name="Accept all").click()
    assert page.evaluate("__changes") == ["accept_all", "event:accept_all"]
    consent = page.evaluate("Lupa.getConsent()")
    assert consent["decided"] is True and consent["noticeVersion"] == 1
    assert all(consent["categories"].values())


def test_consent_mode_default_precedes_tags_and_update_follows_choice(page, demo_url):
    open_demo(page, demo_url)
    page.get_by_role("button", name="Settings").click()
    page.get_by_role("switch", name="Analytics cookies").check()
    page.get_by_role("button", name="Save choices").click()
    wait_until(page, "(window.__ran || []).includes('ga')")
    layer = data_layer(page)
    consent = [e for e in layer if isinstance(e, list) and e[:1] == ["consent"]]
    assert consent[0][1] == "default"
    assert {k: v for k, v in consent[0][2].items() if k != "wait_for_update"} == {
        "ad_storage": "denied", "ad_user_data": "denied", "ad_personalization": "denied",
        "analytics_storage": "denied", "functionality_storage": "denied",
        "personalization_storage": "denied", "security_storage": "granted",
    }
    assert layer.index(consent[0]) == 0
    updates = [e for e in consent if e[1] == "update"]
    assert updates[-1][2] == {
        "ad_storage": "denied", "ad_user_data": "denied", "ad_personalization": "denied",
        "analytics_storage": "granted", "functionality_storage": "denied",
        "personalization_storage": "denied",
    }
    first_tag = next(i for i, e in enumerate(layer) if isinstance(e, dict) or e[0] == "js")
    granting = next(i for i, e in enumerate(layer) if e in updates and "granted" in e[2].values())
    assert granting < first_tag


def test_gpc_refuses_marketing_without_asking(browser, live_server, server_choice):
    context = browser.new_context(extra_http_headers={"Sec-GPC": "1"})
    context.add_init_script(
        "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})"
    )
    page = context.new_page()
    try:
        open_demo(page, f"{live_server}/demo?lang=en")
        expect(page.locator(".lupa-banner [data-lupa-gpc]")).to_contain_text(
            "Global Privacy Control"
        )
        first = wait_for_record(server_choice, context, "gpc")
        visitor = first["visitor_id"]
        assert first["choices"]["marketing"] is False
        page.get_by_role("button", name="Accept all").first.click()
        wait_until(page, "(window.__ran || []).includes('ga')")
        page.wait_for_timeout(300)
        assert "pixel" not in ran(page) and "_fbp" not in cookie_names(context)
        deadline = time.monotonic() + 10
        while (record := server_choice(visitor)) and not record["choices"]["analytics"]:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert record["method"] == "gpc"
        assert record["choices"] == {
            "necessary": True, "preferences": True, "analytics": True, "marketing": False
        }
        page.reload()
        expect(page.locator(".lupa-banner")).to_be_hidden()
        page.locator(".lupa-fab").click()
        marketing = page.get_by_role("switch", name="Marketing cookies")
        expect(marketing).to_be_disabled()
        expect(marketing).not_to_be_checked()
    finally:
        context.close()


def test_new_notice_version_with_changed_categories_asks_again(
    page, context, demo_url, server_choice, publish_notice_v2
):
    open_demo(page, demo_url)
    page.get_by_role("button", name="Accept all").first.click()
    visitor = wait_for_record(server_choice, context, "accept_all")["visitor_id"]
    assert publish_notice_v2() == 2
    page.reload()
    expect(page.locator(".lupa-banner")).to_be_visible()
    page.wait_for_timeout(300)
    # The old consent does not cover the changed categories: nothing runs until answered.
    assert ran(page) == []
    page.get_by_role("button", name="Accept all").first.click()
    wait_until(page, "(window.__ran || []).length >= 4")
    record = server_choice(visitor)
    deadline = time.monotonic() + 10
    while record is None or record["notice_version"] != 2:
        assert time.monotonic() < deadline
        time.sleep(0.1)
        record = server_choice(visitor)
    assert record["method"] == "accept_all" and consent_cookie(context)["v"] == visitor


def test_choice_made_offline_is_queued_and_delivered_later(
    page, context, demo_url, server_choice
):
    open_demo(page, demo_url)
    context.set_offline(True)
    page.get_by_role("button", name="Accept all").first.click()
    # Applied locally at once, although the service could not be reached (the external tag
    # files cannot load offline either; the inline tags show the categories were granted).
    wait_until(page, "['ga-config', 'preferences'].every(t => (window.__ran || []).includes(t))")
    assert page.evaluate("Lupa.getConsent().decided") is True
    queue = page.evaluate("JSON.parse(localStorage.getItem('lupa_queue:demo') || '[]')")
    assert len(queue) == 1 and queue[0]["body"]["method"] == "accept_all"
    visitor = consent_cookie(context)["v"]
    assert server_choice(visitor) is None
    context.set_offline(False)
    wait_for_record(server_choice, context, "accept_all")
    wait_until(page, "localStorage.getItem('lupa_queue:demo') === null")


def test_queued_choice_survives_a_closed_page(browser, live_server, server_choice):
    context = browser.new_context()
    try:
        page = context.new_page()
        open_demo(page, f"{live_server}/demo?lang=en")
        page.route("**/api/v1/sites/*/consents", lambda route: route.abort())
        page.get_by_role("button", name="Reject all").first.click()
        wait_until(page, "localStorage.getItem('lupa_queue:demo') !== null")
        visitor = consent_cookie(context)["v"]
        page.close()
        assert server_choice(visitor) is None
        page = context.new_page()
        page.goto(f"{live_server}/demo?lang=en")
        wait_for_record(server_choice, context, "reject_all")
    finally:
        context.close()


@pytest.mark.parametrize(
    ("lang", "accept", "reject"),
    [("fi", "Hyväksy kaikki", "Hylkää kaikki"), ("sv", "Godkänn alla", "Avvisa alla"),
     ("en", "Accept all", "Reject all")],
)
def test_ui_language_follows_the_page(page, live_server, lang, accept, reject):
    open_demo(page, f"{live_server}/demo?lang={lang}")
    banner = page.locator(".lupa-banner")
    expect(banner).to_have_attribute("lang", lang)
    expect(banner.get_by_role("button", name=accept)).to_be_visible()
    expect(banner.get_by_role("button", name=reject)).to_be_visible()


def test_accept_and_reject_are_equally_prominent(page, demo_url):
    open_demo(page, demo_url)
    looks = page.evaluate(
        """() => [...document.querySelectorAll('[data-lupa-banner] [data-lupa-action]')]
          .slice(0, 2).map(b => {
          const s = getComputedStyle(b), r = b.getBoundingClientRect();
          return [b.dataset.lupaAction, s.backgroundColor, s.color, s.fontWeight, s.fontSize,
                  s.borderColor, Math.round(r.width), Math.round(r.height)]; })"""
    )
    assert [x[0] for x in looks] == ["accept", "reject"]
    assert looks[0][1:] == looks[1][1:]


def test_strict_csp_page_has_no_violations(page, context, demo_url):
    page.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " e => __csp.push(e.violatedDirective + ' ' + e.blockedURI))"
    )
    open_demo(page, demo_url)
    page.get_by_role("button", name="Accept all").first.click()
    wait_until(page, "(window.__ran || []).length >= 4")
    assert page.evaluate("window.__csp") == []
    css = page.evaluate("document.querySelector('link[data-lupa-css]').sheet.cssRules.length")
    assert css > 10


def drop_script_cookie(context: Any) -> None:
    """What Safari does to script-set cookies after 7 days: only the service's HTTP-only
    visitor cookie is left."""
    kept = [c for c in context.cookies() if c["name"] == "lupa_vid"]
    assert kept and kept[0]["httpOnly"], context.cookies()
    context.clear_cookies()
    context.add_cookies(kept)


def test_choice_is_restored_from_the_service_cookie_when_the_script_cookie_is_gone(
    page, context, demo_url, server_choice
):
    open_demo(page, demo_url)
    page.get_by_role("button", name="Reject all").first.click()
    visitor = wait_for_record(server_choice, context, "reject_all")["visitor_id"]
    drop_script_cookie(context)
    page.reload()
    wait_until(page, "!!(window.Lupa && Lupa.getConsent() && Lupa.getConsent().decided)")
    expect(page.locator(".lupa-banner")).to_be_hidden()
    consent = page.evaluate("Lupa.getConsent()")
    assert consent["visitorId"] == visitor and consent["method"] == "reject_all"
    assert consent["categories"] == {"necessary": True, "preferences": False,
                                     "analytics": False, "marketing": False}
    assert consent_cookie(context)["v"] == visitor  # written again for the next visit
    page.wait_for_timeout(300)
    assert ran(page) == []


def test_restored_choice_about_an_older_notice_version_asks_again(
    page, context, demo_url, server_choice, publish_notice_v2
):
    open_demo(page, demo_url)
    page.get_by_role("button", name="Accept all").first.click()
    wait_for_record(server_choice, context, "accept_all")
    assert publish_notice_v2() == 2
    drop_script_cookie(context)
    page.reload()
    expect(page.locator(".lupa-banner")).to_be_visible()
    page.wait_for_timeout(300)
    assert ran(page) == []
