"""`lupa scan` works from a process whose thread already runs an event loop (here Playwright's
sync API, as in this test session; also any async caller): the scan runs in its own loop."""

from __future__ import annotations

import json

import pytest

from tests.browser.scan_site import page as html
from tests.browser.scan_site import serve

pytestmark = pytest.mark.browser


def test_a_scan_runs_beside_a_running_event_loop(app, runner, demo, page):
    page.goto("about:blank")  # Playwright's sync API now runs a loop in this thread
    with serve(app, {"/": html("")}) as base:
        result = runner.invoke(args=["scan", "--site", "demo", "--json", "--scenario", "none",
                                     f"{base}/"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    out = json.loads(result.stdout)
    assert out["error"] is None and out["pages"] == 1
