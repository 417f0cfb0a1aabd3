"""`lupa scan` against the demo page served by the real app: it keeps every cookie promise of
its notice, so the scan must come out clean, with its evidence in the audit chain."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def scan_json(runner: Any, *args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(args=["scan", "--site", "demo", "--json", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.stdout)


def test_the_demo_scans_clean(runner, live_server):
    code, out = scan_json(runner, f"{live_server}/demo?lang=en", "--page-timeout", "20")
    assert out["findings"] == [], out
    assert (code, out["status"]) == (0, "clean")
