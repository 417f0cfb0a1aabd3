"""Benchmark: `lupa scan` of N local pages (default 20) under the three basic scenarios (no
interaction, Reject all, Accept all): 60 visits, each in a fresh Chromium context.

    .venv/bin/python bench/site_scan.py [--pages 20] [--concurrency 4] [--runs 1]

Each page embeds Lupa's widget (served by the real app on the same loopback port) and the demo
page's blocked stand-in tags (Google Analytics, Facebook Pixel, a preference cookie), so every
visit loads the widget, its configuration and, after a choice, records it and reloads the
page. A scratch SQLite database and the demo notice; the scan is judged and recorded as
`lupa scan` does (audit entry included). Prints the wall time of the scan and per visit, and
the CPU time it took (the figure that does not depend on what else the machine is doing).
"""

from __future__ import annotations

import argparse
import base64
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Page {n}</title>
<script src="/widget.js" data-site="bench" defer></script>
<script type="text/plain" data-category="analytics" src="/demo/static/fake-ga.js"></script>
<script type="text/plain" data-category="marketing" src="/demo/static/fake-pixel.js"></script>
<script type="text/plain" data-category="preferences">
  document.cookie = 'kirkas_lang=en; Max-Age=31536000; Path=/; SameSite=Lax';
</script></head><body><h1>Page {n}</h1><p>Services and prices.</p></body></html>"""


def make_app(tmp: Path) -> Any:
    from service.app import create_app

    os.environ["LUPA_INSTANCE_PATH"] = str(tmp / "instance")
    return create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}",
        "SECRET_KEY": "bench", "LUPA_SIGNING_KEY": base64.b64encode(b"\x05" * 32).decode(),
        "LUPA_ENCRYPTION_KEY": base64.b64encode(b"\x06" * 32).decode(),
        "LUPA_RATELIMIT_ENABLED": False, "LUPA_PUBLIC_URL": "http://localhost"})


def serve(app: Any, pages: int) -> str:
    from werkzeug.serving import make_server
    from werkzeug.wrappers import Response

    def dispatch(environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/p/") and path[3:].isdigit() and 0 < int(path[3:]) <= pages:
            return Response(PAGE.format(n=path[3:]), mimetype="text/html")(
                environ, start_response)
        return app(environ, start_response)

    server = make_server("127.0.0.1", 0, dispatch, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    from flask_migrate import upgrade

    from service.domain import notices, scan, sites
    from service.extensions import db

    tmp = Path(tempfile.mkdtemp(prefix="lupa-bench-scan-"))
    app = make_app(tmp)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        site = sites.create_site("bench", "Bench Oy", ["https://bench.example"], "bench")
        notice = tomllib.loads((ROOT / "service/demo/notice.toml").read_text("utf-8"))
        notices.publish_notice(site, notice, "bench")
        db.session.commit()
    base = serve(app, args.pages)
    urls = [f"{base}/p/{n}" for n in range(1, args.pages + 1)]
    limits = scan.Limits(max_pages=args.pages, concurrency=args.concurrency)
    for run in range(1, args.runs + 1):
        with app.app_context():
            cpu_before, own_before = _cpu(), _own()
            started = time.monotonic()
            result = scan.scan_site(sites.get_site("bench"), urls, limits, "bench",
                                    ("none", "reject", "accept"))
            db.session.commit()
            wall = time.monotonic() - started
            cpu, own = _cpu() - cpu_before, _own() - own_before
            visits = result.outcome.record["visits"]
            per = [v["elapsed_ms"] / 1000 for v in visits]
            banner = [v["banner"]["ms"] for v in visits if v["banner"]["ms"] is not None]
            print(f"run {run}: {args.pages} pages x 3 scenarios = {len(visits)} visits, "
                  f"concurrency {args.concurrency}: {wall:.1f} s wall "
                  f"({result.status}, {sum(v['status'] != 'ok' for v in visits)} failed); "
                  f"per visit median {statistics.median(per):.2f} s, max {max(per):.2f} s; "
                  f"banner median {statistics.median(banner):.0f} ms; "
                  f"CPU {cpu:.1f} s in all ({own:.1f} s in this process: the scan's Python "
                  f"and the app serving the pages; the rest Playwright's driver and "
                  f"Chromium); load average {os.getloadavg()[0]:.1f}")


def _own() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def _cpu() -> float:
    """CPU seconds of this process (the scan and the app's server threads) and of its ended
    children (Playwright's driver and Chromium, reaped when the scan ends)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main()
