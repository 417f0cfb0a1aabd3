"""`lupa scan` against pages that misbehave in one way each (served locally with Lupa's widget,
third-party tag hosts simulated on loopback): each misbehaviour is reported as exactly the
finding the rules give (docs/scan.md), on exactly its page, and a clean page has none."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.scan_site import GTM, HOTJAR, RESOLVER, page, serve
from tests.conftest import demo_notice, make_app, wipe

pytestmark = pytest.mark.browser


def notice_with_linkedin() -> dict[str, Any]:
    """The demo notice, whose marketing category also names the LinkedIn Insight Tag (which
    no page loads: a stale entry)."""
    data = demo_notice()
    for cat in data["cookie_categories"]:
        if cat["key"] == "marketing":
            cat["vendors"] = ["linkedin_insight"]
    return data


@pytest.fixture(scope="module")
def scanned(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One scan (no interaction, Reject all, Accept all) of five pages: each finding says on
    which pages it was seen."""
    from service.domain import notices, sites
    from service.extensions import db

    app = make_app(database_url, tmp_path_factory.mktemp("inst"))
    wipe(app)
    with app.app_context():
        site = sites.create_site("demo", "Demo Oy", ["https://shop.example"], "test")
        notices.publish_notice(site, notice_with_linkedin(), "test")
        db.session.commit()
    pages: dict[str, str] = {}
    with serve(app, pages) as base:
        port = base.rsplit(":", 1)[1]
        pages.update({
            "/clean": page(""),
            "/outside-banner": page(f'<script src="http://{GTM}:{port}/gtag/js?set=_ga">'
                                    "</script>"),
            "/inline-cookie": page("<script>document.cookie = '_fbp=fb.1.2.3; "
                                   "Max-Age=7776000; Path=/';</script>"),
            "/undeclared-host": page(f'<script type="text/plain" data-category="analytics" '
                                     f'src="http://{HOTJAR}:{port}/c/hotjar.js"></script>'),
            "/ignores-reject": page(
                "<script>if (document.cookie.indexOf('lupa_consent=') >= 0) {"
                " var s = document.createElement('script');"
                f" s.src = 'http://{GTM}:{port}/gtag/js?after'; document.head.append(s); }}"
                "</script>"),
        })
        result = app.test_cli_runner().invoke(args=[
            "scan", "--site", "demo", "--json", "--chromium-arg", RESOLVER,
            "--scenario", "none", "--scenario", "reject", "--scenario", "accept",
            *(f"{base}{p}" for p in pages)])
        out = json.loads(result.stdout)
        out["base"], out["exit_code"] = base, result.exit_code
        yield out
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def finding(out: dict[str, Any], rule: str, kind: str, name: str) -> dict[str, Any]:
    hits = [f for f in out["findings"] if (f["rule"], f["kind"], f["name"]) == (rule, kind, name)]
    assert len(hits) == 1, (rule, kind, name, out["findings"])
    return hits[0]


def pages_of(out: dict[str, Any], f: dict[str, Any]) -> set[str]:
    return {p.removeprefix(out["base"]) for p in f["pages"]}


def test_a_broken_scan_exits_2_and_is_recorded_broken(scanned):
    assert (scanned["exit_code"], scanned["status"]) == (2, "broken")
    assert scanned["error"] is None


def test_a_tag_outside_the_banner_is_broken_before_consent(scanned):
    host = finding(scanned, "before_consent", "host", GTM)
    assert (host["severity"], host["category"]) == ("broken", "analytics")
    assert pages_of(scanned, host) == {"/outside-banner"}
    cookie = finding(scanned, "before_consent", "cookie", "_ga")
    assert (cookie["severity"], cookie["category"]) == ("broken", "analytics")
    assert pages_of(scanned, cookie) == {"/outside-banner"}


def test_a_cookie_set_by_an_inline_script_is_broken_before_consent(scanned):
    f = finding(scanned, "before_consent", "cookie", "_fbp")
    assert (f["severity"], f["category"]) == ("broken", "marketing")
    assert pages_of(scanned, f) == {"/inline-cookie"}


def test_a_tag_that_ignores_reject_is_broken_after_reject(scanned):
    f = finding(scanned, "after_reject", "host", GTM)
    assert f["severity"] == "broken"
    # The unblocked tag of /outside-banner loads after Reject all too; the clean page never.
    assert pages_of(scanned, f) == {"/ignores-reject", "/outside-banner"}


def test_an_undeclared_vendor_host_is_undeclared(scanned):
    f = finding(scanned, "undeclared", "host", HOTJAR)
    assert (f["severity"], f["vendor"]) == ("undeclared", "Hotjar (Hotjar Ltd)")
    assert pages_of(scanned, f) == {"/undeclared-host"}
    # Blocked until consent as it should be: nothing broken about it.
    assert not [x for x in scanned["findings"] if x["name"] == HOTJAR and x["rule"] != "undeclared"]


def test_a_declared_vendor_never_loaded_is_stale(scanned):
    f = finding(scanned, "stale", "vendor", "linkedin_insight")
    assert (f["severity"], f["category"], f["pages"]) == ("stale", "marketing", [])


def test_nothing_else_is_found_and_the_clean_page_has_no_finding(scanned):
    got = {(f["rule"], f["kind"], f["name"]) for f in scanned["findings"]}
    assert got == {
        ("before_consent", "host", GTM), ("before_consent", "cookie", "_ga"),
        ("before_consent", "cookie", "_fbp"), ("after_reject", "host", GTM),
        ("undeclared", "host", HOTJAR), ("stale", "vendor", "linkedin_insight"),
    }
    assert not [f for f in scanned["findings"] if f"{scanned['base']}/clean" in f["pages"]]
