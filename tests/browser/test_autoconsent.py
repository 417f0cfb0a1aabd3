"""DuckDuckGo's autoconsent (the npm package its browsers use to answer cookie banners) against
Lupa's banner on the demo page, with the rule Lupa ships (widget/autoconsent/lupa.json) beside
every rule the package ships. The harness is autoconsent's own Playwright one
(playwright/runner.ts) in Python: its content script (dist/autoconsent.playwright.js) in every
frame, a binding for its messages, and the background's answers (rules and config, evals, the
self-test)."""

from __future__ import annotations

import json
import re
import time
from typing import Any
from urllib.parse import unquote

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, cookie_names, ran
from tests.browser.test_consent_flow import TRACKING_COOKIES, wait_for_record

pytestmark = pytest.mark.browser

PACKAGE = ROOT / "widget" / "node_modules" / "@duckduckgo" / "autoconsent"
CONTENT_SCRIPT = PACKAGE / "dist" / "autoconsent.playwright.js"
LUPA_RULE = ROOT / "widget" / "autoconsent" / "lupa.json"
VENDOR_COOKIES = {"YSC", "VISITOR_INFO1_LIVE", "NID", "vuid"}
# docs/widget-contract.md: the cookie's shape, parameters in this order.
COOKIE_SHAPE = re.compile(
    r"v=[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}&n=[1-9][0-9]*"
    r"&h=[0-9a-f]{16}&m=(accept_all|reject_all|custom|gpc|withdraw)&c=[a-z0-9_%C]*&d=[01]"
)
# The background's settings, as autoconsent's own test runner and DuckDuckGo's apps use them.
CONFIG = {"enabled": True, "autoAction": "optOut", "disabledCmps": [], "enablePrehide": True,
          "enableCosmeticRules": True, "detectRetries": 20, "visualTest": False}


def upstream_rules() -> list[dict[str, Any]]:
    if not CONTENT_SCRIPT.exists():
        pytest.fail(f"{PACKAGE} missing: run `cd widget && npm ci`")
    rules: list[dict[str, Any]] = json.loads((PACKAGE / "rules" / "rules.json").read_text())[
        "autoconsent"]
    return rules


def lupa_rule() -> dict[str, Any]:
    rule: dict[str, Any] = json.loads(LUPA_RULE.read_text("utf-8"))
    return rule


class Autoconsent:
    """The background side of autoconsent for one page: answers its content scripts."""

    def __init__(self, page: Any, rules: list[dict[str, Any]], action: str = "optOut") -> None:
        self.page = page
        # As a JSON string: Playwright's structured serialisation of ~300 rules takes seconds.
        self.init = json.dumps({"type": "initResp", "config": {**CONFIG, "autoAction": action},
                                "rules": {"autoconsent": rules}})
        self.inbox: list[tuple[Any, dict[str, Any]]] = []
        self.messages: list[dict[str, Any]] = []
        self.self_test_frame: Any = None
        page.expose_binding("autoconsentSendMessage",
                            lambda source, msg: self.inbox.append((source["frame"], msg)))
        page.add_init_script(path=str(CONTENT_SCRIPT))

    def pump(self) -> None:
        while self.inbox:
            frame, msg = self.inbox.pop(0)
            self.messages.append(msg)
            try:
                self.answer(frame, msg)
            except Exception as error:  # a frame detached meanwhile: as the runner does
                if "detached" not in str(error) and "destroyed" not in str(error):
                    raise

    def answer(self, frame: Any, msg: dict[str, Any]) -> None:
        receive = "m => autoconsentReceiveMessage(m)"
        if msg["type"] == "init":
            frame.evaluate("s => autoconsentReceiveMessage(JSON.parse(s))", self.init)
        elif msg["type"] == "eval":
            result = frame.evaluate(msg["code"])
            frame.evaluate(receive, {"id": msg["id"], "type": "evalResp", "result": result})
        elif msg["type"] == "optOutResult" and msg.get("scheduleSelfTest"):
            self.self_test_frame = frame
        elif msg["type"] == "autoconsentDone" and self.self_test_frame is not None:
            self.self_test_frame.evaluate(receive, {"type": "selfTest"})

    def found(self, kind: str, **fields: Any) -> list[dict[str, Any]]:
        return [m for m in self.messages
                if m["type"] == kind and all(m.get(k) == v for k, v in fields.items())]

    def wait_for(self, kind: str, timeout: float = 20.0, **fields: Any) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            self.pump()
            hits = self.found(kind, **fields)
            if hits:
                return hits[0]
            assert time.monotonic() < deadline, (
                f"no {kind} {fields}; got {[m['type'] for m in self.messages]}")
            self.page.wait_for_timeout(50)

    def settle(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.pump()
            self.page.wait_for_timeout(50)


def raw_consent_cookie(context: Any) -> str:
    return next(unquote(c["value"]) for c in context.cookies() if c["name"] == "lupa_consent")


def assert_nothing_tracked(context: Any, page: Any, requests: list[str], vendors: Any) -> None:
    assert cookie_names(context) & (TRACKING_COOKIES | VENDOR_COOKIES) == set()
    assert ran(page) == []
    assert [r for r in requests if "/demo/static/fake-" in r] == []
    assert vendors.requests == []


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_autoconsent_opts_out_of_lupa_with_the_shipped_rule(
        page, context, live_server, server_choice, vendor_requests, lang):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(f"{r.method} {r.url}"))
    ac = Autoconsent(page, [lupa_rule(), *upstream_rules()])
    page.goto(f"{live_server}/demo?lang={lang}")
    # Detected, by this rule alone (no upstream rule claims the banner), and opted out.
    ac.wait_for("cmpDetected", cmp="lupa")
    ac.wait_for("popupFound", cmp="lupa")
    assert ac.wait_for("optOutResult")["result"] is True
    ac.wait_for("autoconsentDone", cmp="lupa")
    # autoconsent's own self-test (the rule's "test" steps) passes.
    assert ac.wait_for("selfTestResult")["result"] is True
    ac.settle(0.3)
    assert {m["cmp"] for m in ac.found("cmpDetected")} == {"lupa"}
    assert ac.found("autoconsentError") == []
    expect(page.locator("[data-lupa-banner]")).to_be_hidden()
    # The service recorded the refusal, and the cookie has the documented shape.
    raw = raw_consent_cookie(context)
    assert COOKIE_SHAPE.fullmatch(raw), raw
    visitor = dict(p.split("=", 1) for p in raw.split("&"))["v"]
    record = wait_for_record(server_choice, visitor, "reject_all")
    assert record["choices"] == {"necessary": True, "preferences": False, "analytics": False,
                                 "marketing": False}
    assert_nothing_tracked(context, page, requests, vendor_requests)
    # A reload: autoconsent finds Lupa but no banner to answer; nothing is sent or run.
    requests.clear()
    ac.messages.clear()
    page.reload()
    ac.wait_for("cmpDetected", cmp="lupa")
    ac.settle(5.5)  # autoconsent looks for an open popup for 5 s (10 x 500 ms)
    assert ac.found("popupFound") == [] and ac.found("optOutResult") == []
    expect(page.locator("[data-lupa-banner]")).to_be_hidden()
    assert [r for r in requests if not r.startswith("GET ")] == []
    assert page.evaluate("Lupa.getConsent().method") == "reject_all"
    assert_nothing_tracked(context, page, requests, vendor_requests)


def test_autoconsent_opts_in_with_the_shipped_rule(page, context, live_server, server_choice,
                                                   vendor_requests):
    """Users who set their browser to accept banners get exactly the banner's Accept all."""
    ac = Autoconsent(page, [lupa_rule(), *upstream_rules()], action="optIn")
    page.goto(f"{live_server}/demo?lang=sv")
    ac.wait_for("popupFound", cmp="lupa")
    assert ac.wait_for("optInResult")["result"] is True
    ac.wait_for("autoconsentDone", cmp="lupa")
    expect(page.locator("[data-lupa-banner]")).to_be_hidden()
    visitor = dict(p.split("=", 1) for p in raw_consent_cookie(context).split("&"))["v"]
    record = wait_for_record(server_choice, visitor, "accept_all")
    assert set(record["choices"].values()) == {True}


def test_without_lupas_rule_autoconsent_does_not_recognise_the_banner(
        page, live_server, vendor_requests):
    """The control: the package's own rules alone leave Lupa's banner up (the issue's finding),
    so the test above passes because of the shipped rule."""
    requests: list[str] = []
    page.on("request", lambda r: requests.append(f"{r.method} {r.url}"))
    ac = Autoconsent(page, upstream_rules())
    page.goto(f"{live_server}/demo?lang=en")
    expect(page.locator("[data-lupa-banner]")).to_be_visible()
    _wait_nothing_detected(ac)
    assert ac.found("cmpDetected") == [] and ac.found("optOutResult") == []
    expect(page.locator("[data-lupa-banner]")).to_be_visible()
    assert [r for r in requests if "/consents" in r and r.startswith("POST ")] == []


def _wait_nothing_detected(ac: Autoconsent, timeout: float = 30.0) -> None:
    """Until the top frame reports that its detection ended without a CMP. Between its tries
    autoconsent waits for the page's DOM to change, as a live page's does: the test ticks an
    attribute so that its 20 tries take seconds, not a minute each."""
    deadline = time.monotonic() + timeout
    while not any(m["type"] == "report" and m.get("mainFrame")
                  and m["state"].get("lifecycle") == "nothingDetected" for m in ac.messages):
        assert time.monotonic() < deadline, "autoconsent's detection did not end"
        ac.pump()
        ac.page.evaluate("document.body.dataset.tick = Date.now()")
        ac.page.wait_for_timeout(100)


def test_rule_uses_only_the_documented_language_independent_contract() -> None:
    rule = lupa_rule()
    selectors: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("exists", "visible", "waitFor", "waitForVisible", "click",
                           "waitForThenClick", "hide"):
                    selectors.extend([value] if isinstance(value, str) else value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: rule[k] for k in ("detectCmp", "detectPopup", "optIn", "optOut", "test")})
    selectors += rule["prehideSelectors"]
    assert selectors
    for selector in selectors:
        # No text, no XPath, no class names (styling may change): ids and data-lupa-*.
        assert not selector.startswith("xpath/"), selector
        assert "." not in selector and ":" not in selector, selector
        attributes = re.findall(r"\[([a-z-]+)", selector)
        assert all(a.startswith("data-lupa-") for a in attributes), selector
        assert set(re.findall(r"#([\w-]+)", selector)) <= {"lupa"}, selector
    steps = json.dumps(rule["test"])
    assert "m=reject_all" in steps and "eval" not in steps
    # The contract is documented, each attribute and the cookie's parameters.
    doc = (ROOT / "docs" / "widget-contract.md").read_text("utf-8")
    for name in ("data-lupa-banner", "data-lupa-action", "#lupa", "lupa_consent",
                 "widget/autoconsent/lupa.json"):
        assert name in doc, name


def test_the_built_widget_carries_the_contracts_attributes() -> None:
    js = (ROOT / "service" / "static" / "widget" / "widget.js").read_text("utf-8")
    for needle in ('"data-lupa-banner"', '"data-lupa-action"', '"[data-lupa-action]"',
                   'id:"lupa"', '"lupa_consent"'):
        assert needle in js, needle
