"""Screenshots of the banner, the settings dialog and the demo's embeds (placeholders, then
loaded) for the README (docs/screenshots/). The embeds load from local stand-ins of YouTube and
Google Maps (tests/browser/fake_vendors.py), so the "loaded" picture shows those, not the real
players.

Usage: python widget/screenshots.py [--lang en]   (needs /usr/bin/chromium and Playwright)
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "mobile": {"width": 390, "height": 844}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lang", default="en", choices=["fi", "sv", "en"])
    args = parser.parse_args()
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server
    from widget_size import demo_app

    from tests.browser import fake_vendors

    logging.disable(logging.CRITICAL)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        server = make_server("127.0.0.1", 0, demo_app(Path(tmp)), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_port}/demo?lang={args.lang}"
        with sync_playwright() as pw, fake_vendors.serve(Path(tmp)) as vendors:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                         args=["--no-sandbox", "--disable-gpu",
                                               f"--host-resolver-rules={vendors.resolver_rules()}"])
            for name, viewport in VIEWPORTS.items():
                page = browser.new_context(viewport=viewport).new_page()
                page.goto(url)
                page.locator(".lupa-banner").wait_for(state="visible")
                page.screenshot(path=OUT / f"banner-{name}.png")
                page.evaluate("Lupa.show()")
                page.locator("dialog[open]").wait_for(state="visible")
                page.wait_for_timeout(200)
                page.screenshot(path=OUT / f"dialog-{name}.png")
                page.context.close()
            embeds(browser, url)
            browser.close()
        server.shutdown()
    print("\n".join(str(p.relative_to(ROOT)) for p in sorted(OUT.glob("*.png"))))


def embeds(browser: Any, url: str) -> None:
    """The demo's video and map: held behind placeholders after "Reject all", then loaded
    after "Allow marketing cookies" on one of them."""
    # Tall enough that the floating settings button sits below the embeds.
    page = browser.new_context(viewport={"width": 900, "height": 2000},
                               ignore_https_errors=True).new_page()
    page.goto(url)
    page.locator(".lupa-banner").wait_for(state="visible")
    page.locator("[data-lupa-action=reject]").first.click()
    page.locator("[data-lupa-placeholder]").first.wait_for(state="visible")
    page.wait_for_timeout(200)
    page.locator(".embeds").screenshot(path=OUT / "embeds-placeholder.png")
    page.locator("[data-lupa-placeholder] .lupa-s").first.click()
    page.locator("iframe[data-lupa-state=granted]").last.wait_for(state="visible")
    page.wait_for_timeout(500)
    page.locator(".embeds").screenshot(path=OUT / "embeds-loaded.png")
    page.context.close()


if __name__ == "__main__":
    main()
