"""Screenshots of each example notice's Finnish page (examples/notices/), for reading them.

    PYTHONPATH=. .venv/bin/python scripts/seed_screens.py [OUT_DIR]   (default /tmp/seed-screens)

Publishes every example on a Finnish-only site of a throwaway SQLite database, serves the app on
a loopback port and saves OUT_DIR/NNN.png (full page) with Debian's Chromium. Not a test.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import tomllib
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import make_app  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def main(out: Path) -> None:
    from flask_migrate import upgrade

    from service.domain import notices, sites
    from service.extensions import db

    tmp = Path(tempfile.mkdtemp())
    app = make_app(f"sqlite:///{tmp / 'screens.db'}", tmp / "instance")
    seeds = sorted((ROOT / "examples" / "notices").glob("*.toml"))
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        for path in seeds:
            site = sites.create_site(f"seed-{path.name[:3]}", path.stem, ["https://x.example"],
                                     "screens", ["fi"])
            notices.publish_notice(site, tomllib.loads(path.read_text("utf-8")), "screens")
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    out.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1000, "height": 900})
            for path in seeds:
                number = path.name[:3]
                page.goto(f"http://127.0.0.1:{server.server_port}/sites/seed-{number}/notice"
                          "?lang=fi")
                page.screenshot(path=str(out / f"{number}.png"), full_page=True)
                print(out / f"{number}.png")
            browser.close()
    finally:
        server.shutdown()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/seed-screens"))
