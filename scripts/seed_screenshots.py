"""Screenshots of each example notice's Finnish page (docs/screenshots/seeds/NNN.png).

Serves each `examples/notices/NNN-*.toml` with `lupa demo --notice FILE` in a scratch
instance directory and photographs `/sites/demo/notice?lang=fi` in Debian's Chromium, full
page. Writes only under the output directory given (default: docs/screenshots/seeds).

    .venv/bin/python scripts/seed_screenshots.py [--out DIR]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")


def shoot(notice: Path, out: Path, browser: object) -> None:
    port = free_port()
    with tempfile.TemporaryDirectory() as instance:
        env = {**os.environ, "LUPA_INSTANCE_PATH": instance}
        proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("lupa")), "demo", "--port", str(port),
             "--notice", str(notice)], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(f"{base}/readyz")
            page = browser.new_page(viewport={"width": 1000, "height": 800})  # type: ignore[attr-defined]
            page.goto(f"{base}/sites/demo/notice?lang=fi", wait_until="networkidle")
            page.screenshot(path=str(out), full_page=True)
            page.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots" / "seeds")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for notice in sorted((ROOT / "examples" / "notices").glob("*.toml")):
            target = args.out / f"{notice.name[:3]}.png"
            shoot(notice, target, browser)
            print(f"{notice.name} -> {target}", flush=True)
        browser.close()


if __name__ == "__main__":
    main()
