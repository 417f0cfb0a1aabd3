"""Browser tests: Debian's Chromium driven by Playwright against the real service, live."""

from __future__ import annotations

import atexit
import contextlib
import json
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from werkzeug.serving import make_server

from tests.browser.fake_vendors import FakeVendors, serve

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "widget" / "node_modules" / "axe-core" / "axe.min.js"
DEMO_NOTICE_V2 = ROOT / "service" / "demo" / "notice_v2.toml"
SITE = "demo"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: needs /usr/bin/chromium (Playwright)")


_VENDORS: dict[str, FakeVendors] = {}
_VENDORS_STACK = contextlib.ExitStack()
atexit.register(_VENDORS_STACK.close)


@pytest.fixture(scope="session")
def fake_vendors(tmp_path_factory: pytest.TempPathFactory) -> FakeVendors:
    """The stand-ins for YouTube, Google Maps and Vimeo (tests/browser/fake_vendors.py): one
    server per test process, whichever suite's conftest asks first (the auditor and console
    suites import this fixture; two servers would leave Chromium, launched once per process,
    mapping the vendors' hosts to the other one)."""
    if "server" not in _VENDORS:
        _VENDORS["server"] = _VENDORS_STACK.enter_context(
            serve(tmp_path_factory.mktemp("vendors")))
    return _VENDORS["server"]


@pytest.fixture
def vendor_requests(fake_vendors: FakeVendors) -> FakeVendors:
    """The stand-in vendors with their request log emptied for this test."""
    fake_vendors.requests.clear()
    return fake_vendors


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # The stand-in vendors' certificate is self-signed.
    return {**browser_context_args, "ignore_https_errors": True}


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], fake_vendors: FakeVendors
) -> dict[str, Any]:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            # Third-party embed hosts are answered by the local stand-ins, never the internet.
            f"--host-resolver-rules={fake_vendors.resolver_rules()}",
        ],
    }


@pytest.fixture
def live_server(app: Any, demo: Any) -> Iterator[str]:
    """The app, with the demo site and its notice, served on a free loopback port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture
def demo_url(live_server: str) -> str:
    return f"{live_server}/demo?lang=en"


@pytest.fixture
def server_choice(app: Any) -> Callable[[str], dict[str, Any] | None]:
    """The visitor's current choice as the service stored it (None if it has none)."""

    def fetch(visitor_id: str) -> dict[str, Any] | None:
        response = app.test_client().get(f"/api/v1/sites/{SITE}/consents/{visitor_id}")
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.get_data(as_text=True)
        data: dict[str, Any] = response.get_json()
        return data

    return fetch


@pytest.fixture
def publish_notice_v2(app: Any) -> Callable[[], int]:
    """Publishes the demo notice's version 2, whose marketing category adds a cookie."""

    def publish() -> int:
        from service.domain.notices import publish_notice
        from service.domain.sites import get_site
        from service.extensions import db

        data = tomllib.loads(DEMO_NOTICE_V2.read_text("utf-8"))
        with app.app_context():
            version, created = publish_notice(get_site(SITE), data, "test")
            db.session.commit()
            assert created
            return int(version.number)

    return publish


@pytest.fixture
def publish_fi(app: Any) -> Callable[[dict[str, Any]], None]:
    """Makes the demo site Finnish-only and publishes a Finnish notice on it."""

    def publish(notice: dict[str, Any]) -> None:
        from service.domain import notices, sites
        from service.extensions import db

        with app.app_context():
            site = sites.get_site(SITE)
            sites.set_languages(site, ["fi"], "test")
            notices.publish_notice(site, notice, "test")
            db.session.commit()

    return publish


def consent_cookie(context: Any) -> dict[str, str]:
    """The widget's first-party cookie, decoded (empty if absent)."""
    for cookie in context.cookies():
        if cookie["name"] == "lupa_consent":
            return dict(
                part.split("=", 1) for part in unquote(cookie["value"]).split("&") if "=" in part
            )
    return {}


def cookie_names(context: Any) -> set[str]:
    return {c["name"] for c in context.cookies()}


def ran(page: Any) -> list[str]:
    """What the demo's blocked tags recorded when they ran."""
    return list(page.evaluate("window.__ran || []"))


def data_layer(page: Any) -> list[Any]:
    """window.dataLayer with gtag's Arguments objects turned into lists."""
    return list(
        json.loads(
            page.evaluate(
                "JSON.stringify((window.dataLayer || []).map(e => "
                "Object.prototype.toString.call(e) === '[object Arguments]' ? Array.from(e) : e))"
            )
        )
    )


@pytest.fixture(autouse=True)
def _short_timeouts(request: pytest.FixtureRequest) -> None:
    """A broken widget should fail a test in seconds, not Playwright's default 30."""
    if "context" in request.fixturenames:
        request.getfixturevalue("context").set_default_timeout(10_000)


def wait_until(page: Any, expression: str, timeout: float = 10.0) -> None:
    """Polls a JS expression from Python: the demo's CSP forbids wait_for_function's eval."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        time.sleep(0.05)


def axe_violations(page: Any, context: str = "document") -> list[dict[str, Any]]:
    """axe-core's violations within `context` (a selector, or the whole document)."""
    target = "document" if context == "document" else json.dumps(context)
    result = page.evaluate(
        f"""async () => {{
          const r = await axe.run({target}, {{resultTypes: ['violations']}});
          return r.violations.map(v => ({{id: v.id, impact: v.impact,
            nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}}));
        }}"""
    )
    return list(result)


@pytest.fixture
def axe_page(page: Any) -> Any:
    """A page with axe-core loaded by an init script (not subject to the pages' strict CSP)."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} missing: run `cd widget && npm ci`")
    page.add_init_script(path=str(AXE_JS))
    return page
