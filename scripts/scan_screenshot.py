"""The screenshot of a scan on the auditor's pages (docs/screenshots/auditor-scan.png).

Runs `lupa scan`'s domain code in a scratch instance against two local pages with Lupa's
widget (one clean, one with an analytics tag outside the banner's control, its host simulated
on loopback), then signs in to the auditor's pages in Debian's Chromium and photographs the
scan. Writes only the file given (default: docs/screenshots/auditor-scan.png).

    .venv/bin/python scripts/scan_screenshot.py [--out FILE]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from site_scan import PAGE, make_app  # noqa: E402

GTM = "www.googletagmanager.com"


def serve(app: object) -> str:
    import threading

    from werkzeug.serving import make_server
    from werkzeug.wrappers import Request, Response

    def dispatch(environ: dict, start_response: object) -> object:
        request = Request(environ)
        port = request.host.rsplit(":", 1)[-1]
        if request.host.startswith(GTM):
            js = "document.cookie = '_ga=GA1.1.1.2; Max-Age=63072000; Path=/';"
            return Response(js, mimetype="text/javascript")(environ, start_response)
        if request.path == "/":
            return Response(PAGE.format(n="Home"), mimetype="text/html")(environ, start_response)
        if request.path == "/prices":
            tag = f'<script src="http://{GTM}:{port}/gtag/js"></script>'
            html = PAGE.format(n="Prices").replace("</body>", tag + "</body>")
            return Response(html, mimetype="text/html")(environ, start_response)
        return app(environ, start_response)  # type: ignore[operator]

    server = make_server("127.0.0.1", 0, dispatch, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


def main() -> None:
    import tempfile
    import tomllib

    from flask_migrate import upgrade
    from playwright.sync_api import sync_playwright

    from service.domain import notices, scan, sites
    from service.domain.scan.browser import CHROMIUM, CHROMIUM_ARGS
    from service.domain.sites import keys
    from service.extensions import db

    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots" / "auditor-scan.png"))
    out = Path(parser.parse_args().out)
    app = make_app(Path(tempfile.mkdtemp(prefix="lupa-scan-shot-")))
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        site = sites.create_site("bench", "Siivouspalvelu Kirkas Oy", ["https://kirkas.example"],
                                 "cli", ["en"])
        notice = tomllib.loads((ROOT / "service/demo/notice.toml").read_text("utf-8"))
        notices.publish_notice(site, notice, "cli")
        _, key = keys.create_key(site, "auditor", "cli")
        db.session.commit()
    base = serve(app)
    with app.app_context():
        result = scan.scan_site(sites.get_site("bench"), [f"{base}/", f"{base}/prices"],
                                scan.Limits(), "cli", ("none", "reject", "accept"),
                                extra_args=(f"--host-resolver-rules=MAP {GTM} 127.0.0.1",))
        db.session.commit()
        scan_id = result.scan.id
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/auditor/bench/login")
        page.fill("#key", key)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{base}/auditor/bench/scans/{scan_id}")
        page.screenshot(path=str(out), full_page=True)
        browser.close()
    print(f"{out}: scan {scan_id} ({result.status})")


if __name__ == "__main__":
    main()
