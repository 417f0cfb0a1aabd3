"""Auditor pages in Chromium: reuses the widget suite's recipe (Debian's /usr/bin/chromium
driven by Playwright, the app served live on a loopback port)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import (  # noqa: F401 - fixtures shared with the widget suite
    axe_page,
    browser_context_args,
    browser_type_launch_args,
    fake_vendors,
    live_server,
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: needs /usr/bin/chromium (Playwright)")


@pytest.fixture(scope="module")
def browser(playwright: Any, browser_type_launch_args: dict[str, Any]  # noqa: F811
            ) -> Iterator[Any]:
    """A Chromium of this suite's own: the session's shared one, launched by whichever suite
    asks first, answered the widget suite's embed tests from another vendor stand-in."""
    launched = playwright.chromium.launch(**browser_type_launch_args)
    yield launched
    launched.close()
