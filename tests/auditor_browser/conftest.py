"""Auditor pages in Chromium: reuses the widget suite's recipe (Debian's /usr/bin/chromium
driven by Playwright, the app served live on a loopback port)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import browser_type_launch_args, live_server  # noqa: F401


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: needs /usr/bin/chromium (Playwright)")
