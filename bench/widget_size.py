"""Widget first-load size beside two popular banners, and time from DOMContentLoaded to visible.

Usage: python bench/widget_size.py [--runs 20] [--no-timing] [--markdown]
Needs: node + npm (npm pack of the other banners, brotli via node's zlib), and for the timing
/usr/bin/chromium with Python Playwright. Results are recorded in bench/README.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from serve_env import production_env  # bench/, beside this script

ROOT = Path(__file__).resolve().parent.parent
BUILT = ROOT / "service" / "static" / "widget"
# The files a visitor downloads on first load (the script and its stylesheet), per package.
OTHERS = {
    "vanilla-cookieconsent@3.1.0": ["dist/cookieconsent.umd.js", "dist/cookieconsent.css"],
    "cookieconsent@3.1.1 (Osano)": ["build/cookieconsent.min.js", "build/cookieconsent.min.css"],
}
BROTLI_JS = (
    "const z=require('zlib');let b=[];process.stdin.on('data',d=>b.push(d)).on('end',()=>"
    "process.stdout.write(String(z.brotliCompressSync(Buffer.concat(b),{params:"
    "{[z.constants.BROTLI_PARAM_QUALITY]:11}}).length)))"
)


def gzip9(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def brotli11(data: bytes) -> int:
    out = subprocess.run(["node", "-e", BROTLI_JS], input=data, capture_output=True, check=True)
    return int(out.stdout)


def measure(files: list[bytes]) -> dict[str, int]:
    return {
        "raw": sum(len(f) for f in files),
        "gzip9": sum(gzip9(f) for f in files),
        "brotli": sum(brotli11(f) for f in files),
    }


def npm_pack(spec: str, paths: list[str], workdir: Path) -> list[bytes]:
    name = spec.split(" ")[0]
    tgz = subprocess.run(["npm", "pack", name, "--silent"], cwd=workdir, capture_output=True,
                         text=True, check=True).stdout.strip().splitlines()[-1]
    with tarfile.open(workdir / tgz) as tar:
        return [tar.extractfile(f"package/{p}").read() for p in paths]  # type: ignore[union-attr]


def sizes() -> dict[str, dict[str, int]]:
    manifest = json.loads((BUILT / "manifest.json").read_text("utf-8"))
    own = [(BUILT / manifest[kind]["file"]).read_bytes() for kind in ("js", "css")]
    result = {f"Lupa widget {manifest['version']}": measure(own)}
    with tempfile.TemporaryDirectory() as tmp:
        for spec, paths in OTHERS.items():
            result[spec] = measure(npm_pack(spec, paths, Path(tmp)))
    return result


KEYS = production_env()  # fresh keys: service.wsgi refuses weak ones


def demo_app(instance: Path) -> Any:
    os.environ["LUPA_INSTANCE_PATH"] = str(instance)
    from flask_migrate import upgrade

    from service.app import create_app
    from service.cli.demo import ensure_demo_site

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'bench.db'}",
        "SECRET_KEY": KEYS["LUPA_SECRET_KEY"],
        "LUPA_SIGNING_KEY": KEYS["LUPA_SIGNING_KEY"],
        "LUPA_ENCRYPTION_KEY": KEYS["LUPA_ENCRYPTION_KEY"],
    })
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        ensure_demo_site()
    return app


@contextmanager
def serve(server: str, instance: Path) -> Iterator[str]:
    """The demo on loopback: under gunicorn in its own process, as `lupa serve` runs it
    (default), or werkzeug's threaded server inside this process, as `lupa demo` does (it
    then shares this process's GIL with the Playwright driver)."""
    app = demo_app(instance)
    if server == "werkzeug":
        from werkzeug.serving import make_server

        httpd = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        try:
            yield f"http://127.0.0.1:{httpd.server_port}"
        finally:
            httpd.shutdown()
        return
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "LUPA_DATABASE_URL": f"sqlite:///{instance / 'bench.db'}",
           **KEYS,
           "LUPA_INSTANCE_PATH": str(instance), "LUPA_WORKERS": "2",
           "LUPA_LOG_LEVEL": "WARNING"}
    env.pop("LUPA_REDIS_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c",
                             str(ROOT / "service" / "gunicorn_conf.py"), "--bind",
                             f"127.0.0.1:{port}", "service.wsgi:app"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("gunicorn did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


TIMER = """
window.__t = {};
document.addEventListener('DOMContentLoaded', () => { __t.dcl = performance.now(); });
document.addEventListener('lupa:show', () => {
  __t.shown = performance.now();
  requestAnimationFrame(() => { __t.frame = performance.now(); });
});
"""


def time_to_visible(runs: int, server: str = "gunicorn") -> dict[str, Any]:
    """Median and p95 (ms) from DOMContentLoaded to the banner shown, first visit each run."""
    import logging

    from playwright.sync_api import sync_playwright

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp, serve(server, Path(tmp)) as base:
        url = f"{base}/demo?lang=en"
        shown: list[float] = []
        frame: list[float] = []
        own: list[float] = []  # after the config and the CSS arrived: the widget's own work
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync", "--no-first-run"],
            )
            for i in range(runs + 2):
                context = browser.new_context()  # a first visit: empty cache and cookies
                page = context.new_page()
                page.add_init_script(TIMER)
                page.goto(url)
                page.locator(".lupa-banner").wait_for(state="visible")
                page.wait_for_timeout(50)
                t = page.evaluate(
                    "({...window.__t, fetched: Math.max(...performance.getEntriesByType("
                    "'resource').filter(r => /config|widget\\.[0-9a-f]+\\.css/.test(r.name))"
                    ".map(r => r.responseEnd))})"
                )
                context.close()
                if i >= 2:  # the first two warm up Chromium and the server
                    shown.append(t["shown"] - t["dcl"])
                    frame.append(t["frame"] - t["dcl"])
                    own.append(t["shown"] - t["fetched"])
            browser.close()
    return {
        "server": server,
        "runs": runs,
        "shown_median": statistics.median(shown),
        "shown_p95": sorted(shown)[max(0, round(0.95 * len(shown)) - 1)],
        "frame_median": statistics.median(frame),
        "frame_p95": sorted(frame)[max(0, round(0.95 * len(frame)) - 1)],
        "widget_work_median": statistics.median(own),
        "load_average": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-timing", action="store_true")
    parser.add_argument("--server", choices=["gunicorn", "werkzeug"], default="gunicorn",
                        help="serve the demo as `lupa serve` (default) or as `lupa demo` does")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    result: dict[str, Any] = {"sizes": sizes()}
    if not args.no_timing:
        result["time_to_visible_ms"] = time_to_visible(args.runs, args.server)
    print("| first load (JS + CSS) | raw B | gzip -9 B | brotli 11 B |")
    print("|---|---:|---:|---:|")
    for name, s in result["sizes"].items():
        print(f"| {name} | {s['raw']} | {s['gzip9']} | {s['brotli']} |")
    if "time_to_visible_ms" in result:
        t = result["time_to_visible_ms"]
        print(f"\nDOMContentLoaded -> banner shown: median {t['shown_median']:.1f} ms, "
              f"p95 {t['shown_p95']:.1f} ms; -> next frame: median {t['frame_median']:.1f} ms, "
              f"p95 {t['frame_p95']:.1f} ms ({t['runs']} first visits, loopback, "
              f"{t['server']}); of which "
              f"the widget's own work after config and CSS arrived: median "
              f"{t['widget_work_median']:.1f} ms (load average {t['load_average']:.2f})")
    print("\n" + json.dumps(result))


if __name__ == "__main__":
    main()
