"""Contextual consent for embeds in a real browser: the demo page's YouTube video and Google map
(iframe[data-lupa-src]) wait behind placeholders until the visitor loads one once or allows the
category; third-party hosts are the local stand-ins (fake_vendors.py), so every request to them
is seen."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, consent_cookie, wait_until
from tests.browser.test_category_types import FI_NOTICE, STATISTICS
from tests.browser.test_consent_flow import wait_for_record

pytestmark = pytest.mark.browser

VIDEO = 'iframe[data-vendor="youtube"]'
MAP = 'iframe[data-vendor="google_maps"]'
# The demo notice's marketing category lists the youtube and google_maps vendors of Lupa's
# vendor table (service/domain/notices/vendors.toml): what their placeholders must name.
YOUTUBE_COOKIES = "YSC, VISITOR_INFO1_LIVE, VISITOR_PRIVACY_METADATA, PREF"
MAPS_COOKIES = "NID, AEC, SOCS"
TEXTS = {
    "fi": {"once": "Lataa tämän kerran", "allow": "Salli markkinointievästeet",
           "vendor": "Palveluntarjoaja", "video": "Esimerkkivideo",
           "cookies": "Evästeet, joita palveluntarjoaja voi asettaa:"},
    "sv": {"once": "Ladda den här gången", "allow": "Tillåt marknadsföringskakor",
           "vendor": "Leverantör", "video": "Exempelvideo",
           "cookies": "Kakor som leverantören kan sätta:"},
    "en": {"once": "Load this once", "allow": "Allow marketing cookies",
           "vendor": "Provider", "video": "Example video",
           "cookies": "Cookies the provider may set:"},
}


def placeholders(page: Any) -> Any:
    return page.locator("[data-lupa-placeholder]")


def open_page(page: Any, url: str) -> list[str]:
    """Opens the demo and waits for both placeholders; returns the page's request log."""
    requests: list[str] = []
    page.on("request", lambda r: requests.append(f"{r.method} {r.url}"))
    page.goto(url)
    expect(placeholders(page)).to_have_count(2)
    return requests


def state(page: Any, selector: str) -> str:
    return str(page.locator(selector).get_attribute("data-lupa-state"))


def eventually(page: Any, check: Any, timeout: float = 20.0) -> None:
    """Polls a Python condition, letting Playwright handle the page's events meanwhile."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        page.wait_for_timeout(50)


def consent_posts(requests: list[str]) -> list[str]:
    return [r for r in requests if r.startswith("POST ") and "/consents" in r]


def frame_urls(page: Any) -> list[str]:
    """The documents loaded in the page's iframes (a held iframe has none: about:blank)."""
    return [f.url for f in page.frames[1:] if f.url != "about:blank"]


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_placeholders_say_what_whose_and_which_cookies_before_anything_loads(
        page, live_server, vendor_requests, lang):
    open_page(page, f"{live_server}/demo?lang={lang}")
    t = TEXTS[lang]
    video = placeholders(page).filter(has_text=t["video"])
    expect(video).to_have_attribute("lang", lang)
    expect(video).to_have_attribute("data-lupa-placeholder", "youtube")
    expect(video.locator("dt")).to_have_text([f"{t['vendor']}:", t["cookies"]])
    expect(video.locator("dd")).to_have_text(
        ["YouTube (Google Ireland Limited / Google LLC)", YOUTUBE_COOKIES])
    expect(video.get_by_role("button", name=t["once"])).to_be_visible()
    expect(video.get_by_role("button", name=t["allow"])).to_be_visible()
    expect(video).to_have_attribute("role", "group")
    maps = placeholders(page).filter(has_text="Google Maps (Google Ireland Limited")
    expect(maps).to_contain_text(MAPS_COOKIES)
    # The iframes stay empty and out of sight; no request reached a vendor.
    for selector in (VIDEO, MAP):
        assert page.locator(selector).get_attribute("src") is None
        assert state(page, selector) == "held"
        expect(page.locator(selector)).to_be_hidden()
    page.wait_for_timeout(300)
    assert vendor_requests.requests == []
    assert frame_urls(page) == []


def test_load_once_uses_youtubes_privacy_enhanced_host_and_records_nothing(
        page, context, live_server, vendor_requests):
    requests = open_page(page, f"{live_server}/demo?lang=en")
    video = placeholders(page).filter(has_text="Example video")
    video.get_by_role("button", name="Load this once").click()
    expect(page.locator(VIDEO)).to_be_visible()
    assert state(page, VIDEO) == "once"
    assert page.locator(VIDEO).get_attribute("src") == (
        "https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ")
    wait_until(page, "document.activeElement && document.activeElement.matches("
               "'iframe[data-vendor=youtube]')")
    eventually(page, lambda: vendor_requests.requests)
    page.wait_for_timeout(300)
    assert vendor_requests.hosts() == {"www.youtube-nocookie.com"}
    # Only that embed: the map still waits, the banner still asks, nothing was recorded.
    assert state(page, MAP) == "held"
    expect(page.locator(".lupa-banner")).to_be_visible()
    assert consent_posts(requests) == []
    assert "lupa_consent" not in {c["name"] for c in context.cookies()}
    # Once means this page view: the next one holds it again.
    page.reload()
    expect(placeholders(page)).to_have_count(2)
    assert state(page, VIDEO) == "held"


def test_load_once_of_a_vendor_without_enhanced_host_loads_its_own_source(
        page, live_server, vendor_requests):
    open_page(page, f"{live_server}/demo?lang=en")
    placeholders(page).filter(has_text="Map: Tampere").get_by_role(
        "button", name="Load this once").click()
    expect(page.locator(MAP)).to_be_visible()
    assert page.locator(MAP).get_attribute("src") == (
        "https://www.google.com/maps?q=Tampere&z=12&output=embed")
    eventually(page, lambda: vendor_requests.requests)
    page.wait_for_timeout(300)
    assert vendor_requests.hosts() == {"www.google.com"}
    assert state(page, VIDEO) == "held"


def test_allow_category_records_it_and_loads_every_embed_of_it(
        page, context, live_server, vendor_requests, server_choice):
    open_page(page, f"{live_server}/demo?lang=fi")
    placeholders(page).first.get_by_role("button", name="Salli markkinointievästeet").click()
    expect(placeholders(page)).to_have_count(0)
    for selector in (VIDEO, MAP):
        expect(page.locator(selector)).to_be_visible()
        assert state(page, selector) == "granted"
    # Granted: the site's own sources, not the privacy-enhanced one.
    assert page.locator(VIDEO).get_attribute("src") == "https://www.youtube.com/embed/aqz-KE-bpKQ"
    record = wait_for_record(server_choice, consent_cookie(context)["v"], "custom")
    assert record["choices"] == {"necessary": True, "preferences": False, "analytics": False,
                                 "marketing": True}
    wait_until(page, "document.activeElement && document.activeElement.tagName === 'IFRAME'")
    eventually(page, lambda: len(vendor_requests.hosts()) == 2)
    assert vendor_requests.hosts() == {"www.youtube.com", "www.google.com"}
    # The banner's question about the other categories is still open.
    expect(page.locator(".lupa-banner")).to_be_visible()
    assert page.evaluate("Lupa.getConsent().decided") is False
    # A later page view loads them at once.
    page.reload()
    expect(page.locator(VIDEO)).to_have_attribute("data-lupa-state", "granted")
    assert placeholders(page).count() == 0


def test_later_refusal_puts_the_placeholders_back(
        page, context, live_server, vendor_requests, server_choice):
    open_page(page, f"{live_server}/demo?lang=en")
    page.get_by_role("button", name="Accept all").first.click()
    expect(page.locator(VIDEO)).to_be_visible()
    wait_until(page, "document.querySelectorAll('iframe[data-lupa-state=granted]').length === 2")
    eventually(page, lambda: len(frame_urls(page)) == 2)
    page.evaluate("Lupa.withdraw()")
    expect(placeholders(page)).to_have_count(2)
    for selector in (VIDEO, MAP):
        expect(page.locator(selector)).to_be_hidden()
        assert page.locator(selector).get_attribute("src") is None
        assert state(page, selector) == "held"
    # The vendors' documents are gone from the page, not merely hidden.
    assert frame_urls(page) == []
    wait_for_record(server_choice, consent_cookie(context)["v"], "withdraw")
    # And allowing again brings them back.
    placeholders(page).first.get_by_role("button", name="Allow marketing cookies").click()
    expect(placeholders(page)).to_have_count(0)


def test_refusal_keeps_an_embed_loaded_once_for_this_page_view(page, live_server,
                                                                vendor_requests):
    open_page(page, f"{live_server}/demo?lang=en")
    placeholders(page).first.get_by_role("button", name="Load this once").click()
    expect(page.locator(VIDEO)).to_be_visible()
    page.get_by_role("button", name="Reject all").first.click()
    expect(page.locator(".lupa-banner")).to_be_hidden()
    page.wait_for_timeout(300)
    assert state(page, VIDEO) == "once" and state(page, MAP) == "held"


def test_keyboard_reaches_and_uses_the_placeholder(page, live_server, vendor_requests):
    open_page(page, f"{live_server}/demo?lang=en")
    page.locator("#watch").scroll_into_view_if_needed()
    page.evaluate("document.getElementById('watch').setAttribute('tabindex', '-1')")
    page.locator("#watch").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Load this once"
    described = page.evaluate(
        "document.getElementById(document.activeElement.getAttribute('aria-describedby'))"
        ".textContent")
    assert described.startswith("Example video")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Allow marketing cookies"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.locator(VIDEO)).to_be_visible()
    wait_until(page, "document.activeElement.matches('iframe[data-vendor=youtube]')")


@pytest.mark.parametrize("lang", ["fi", "en"])
def test_axe_finds_no_violations_in_placeholders(axe_page, live_server, vendor_requests, lang):
    open_page(axe_page, f"{live_server}/demo?lang={lang}")
    assert axe_violations(axe_page, ".embeds") == []


def test_embeds_cause_no_csp_violation(page, live_server, vendor_requests):
    page.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " e => __csp.push(e.violatedDirective + ' ' + e.blockedURI))"
    )
    open_page(page, f"{live_server}/demo?lang=en")
    placeholders(page).first.get_by_role("button", name="Load this once").click()
    placeholders(page).first.get_by_role("button", name="Allow marketing cookies").click()
    expect(placeholders(page)).to_have_count(0)
    page.wait_for_timeout(500)
    assert page.evaluate("window.__csp") == []
    # The placeholders' stylesheet applied (no inline styles anywhere).
    sheet = page.evaluate("document.querySelector('link[data-lupa-embeds-css]').sheet"
                          ".cssRules.length")
    assert sheet > 5
    assert page.locator("[style]").count() == 0


def test_gpc_offers_only_the_one_off_load_for_marketing(browser, live_server, vendor_requests):
    context = browser.new_context(extra_http_headers={"Sec-GPC": "1"}, ignore_https_errors=True)
    context.add_init_script(
        "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})"
    )
    try:
        page = context.new_page()
        open_page(page, f"{live_server}/demo?lang=en")
        video = placeholders(page).first
        expect(video).to_contain_text("Global Privacy Control")
        expect(video.get_by_role("button", name="Allow marketing cookies")).to_have_count(0)
        video.get_by_role("button", name="Load this once").click()
        expect(page.locator(VIDEO)).to_be_visible()
        assert page.locator(VIDEO).get_attribute("src", timeout=1000) == (
            "https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ")
    finally:
        context.close()


def test_embed_added_later_is_held_and_vimeo_once_asks_for_dnt(page, live_server,
                                                               vendor_requests):
    open_page(page, f"{live_server}/demo?lang=en")
    page.evaluate(
        """() => { const f = document.createElement('iframe');
        f.dataset.lupaSrc = 'https://player.vimeo.com/video/76979871?h=8272103f6e';
        f.dataset.category = 'marketing'; f.dataset.vendor = 'vimeo'; f.title = 'A Vimeo video';
        document.querySelector('.embeds').append(f); }"""
    )
    vimeo = placeholders(page).filter(has_text="A Vimeo video")
    expect(vimeo).to_have_attribute("data-lupa-placeholder", "vimeo")
    # Not in the demo notice: named from the widget's own list, cookies left to the notice.
    expect(vimeo.locator("dt")).to_have_text(["Provider:"])
    expect(vimeo.locator("dd")).to_have_text(["Vimeo"])
    expect(vimeo).to_contain_text("See the privacy notice for what the provider sets.")
    vimeo.get_by_role("button", name="Load this once").click()
    frame = page.locator('iframe[data-vendor="vimeo"]')
    expect(frame).to_be_visible()
    assert frame.get_attribute("src") == (
        "https://player.vimeo.com/video/76979871?h=8272103f6e&dnt=1")
    eventually(page, lambda: vendor_requests.requests)
    page.wait_for_timeout(300)
    assert vendor_requests.hosts() == {"player.vimeo.com"}


def test_a_source_that_is_not_http_is_never_loaded(page, live_server, vendor_requests):
    open_page(page, f"{live_server}/demo?lang=en")
    page.evaluate(
        """() => { const f = document.createElement('iframe');
        f.dataset.lupaSrc = 'javascript:parent.__owned = 1'; f.dataset.category = 'necessary';
        f.title = 'x'; f.id = 'bad'; document.body.append(f); }"""
    )
    wait_until(page, "document.getElementById('bad').dataset.lupaState === 'held'")
    page.get_by_role("button", name="Accept all").first.click()
    page.wait_for_timeout(300)
    assert page.locator("#bad").get_attribute("src") is None
    assert page.evaluate("window.__owned") is None
    assert placeholders(page).count() == 0  # the two demo embeds loaded; none for #bad


def test_a_page_without_embeds_never_fetches_their_code(page, live_server, publish_fi,
                                                         vendor_requests):
    """The first load stays small: a notice without marketing leaves the demo page without
    iframes, and the widget then fetches no embeds' code."""
    publish_fi({**FI_NOTICE, "cookie_categories": [STATISTICS]})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{live_server}/demo")
    expect(page.locator("[data-lupa-banner]")).to_be_visible()
    assert page.locator("iframe").count() == 0
    page.wait_for_timeout(300)
    assert [u for u in requests if "widget-embeds" in u] == []
    assert any("/widget.js" in u for u in requests)
