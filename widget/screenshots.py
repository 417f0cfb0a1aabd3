"""Screenshots of the banner and the settings dialog for the README (docs/screenshots/).

Usage: python widget/screenshots.py [--lang en]   (needs /usr/bin/chromium and Playwright)
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import threading
from pathlib import Path

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

    logging.disable(logging.CRITICAL)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        server = make_server("127.0.0.1", 0, demo_app(Path(tmp)), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_port}/demo?lang={args.lang}"
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                         args=["--no-sandbox", "--disable-gpu"])
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
            browser.close()
        server.shutdown()
    print("\n".join(str(p.relative_to(ROOT)) for p in sorted(OUT.glob("*.png"))))


if __name__ == "__main__":
    main()
