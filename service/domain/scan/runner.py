"""A scan run: Debian's Chromium driven by Playwright (the optional extra `lupa[scan]`, imported
only when a scan runs) visits each page in a fresh context per scenario, a few visits at a
time, following same-site links to the depth given. Bounded by page count, time per visit and
total time; a visit or a scan that fails is recorded as failed, never as clean."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

from service.domain.scan.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SKIPPED_LINKS,
    Limits,
    Outcome,
    iso,
    site_of,
)
from service.domain.scan.scenarios import NONE, REJECT, Scenario
from service.domain.scan.visit import visit
from service.errors import InvalidInput, Unavailable

RECORD_FORMAT = 1


def check_urls(urls: list[str]) -> list[str]:
    """The start pages, each an http(s) URL with a host (fragment dropped)."""
    bad = [u for u in urls if urlsplit(u).scheme not in ("http", "https")
           or not urlsplit(u).hostname]
    if not urls or bad:
        raise InvalidInput("Give the pages to scan as http:// or https:// URLs.",
                           errors={"urls": bad or ["none given"]})
    return [urldefrag(u)[0] for u in urls]


def run(urls: list[str], scenarios: list[Scenario], limits: Limits,
        chromium: str = CHROMIUM, extra_args: tuple[str, ...] = ()) -> Outcome:
    """Scan the pages (see the module docstring); raises Unavailable only when no browser can
    run at all (Playwright or Chromium missing), every other failure is in the record."""
    urls = check_urls(urls)
    try:
        import playwright.async_api  # noqa: F401 - the optional extra lupa[scan]
    except ImportError as exc:
        raise Unavailable("lupa scan needs Playwright: pip install 'lupa[scan]' "
                          "(it drives the system's Chromium; no browser download)") from exc
    if not Path(chromium).exists():
        raise Unavailable(f"lupa scan needs Chromium at {chromium} (apt install chromium).")
    return _own_loop(lambda: _run(urls, scenarios, limits, chromium, extra_args))


def _own_loop(make: Callable[[], Coroutine[Any, Any, Outcome]]) -> Outcome:
    """asyncio.run, in a thread of its own when this thread already runs an event loop (a
    caller inside async code, or Playwright's sync API in the same process)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["outcome"] = asyncio.run(make())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="lupa-scan")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    outcome: Outcome = box["outcome"]
    return outcome


async def _run(urls: list[str], scenarios: list[Scenario], limits: Limits, chromium: str,
               extra_args: tuple[str, ...]) -> Outcome:
    from playwright.async_api import Error, async_playwright

    started = time.monotonic()
    record: dict[str, Any] = {
        "format": RECORD_FORMAT, "started_at": iso(time.time()), "urls": urls,
        "limits": limits.as_dict(), "scenarios": [s.key for s in scenarios], "pages": [],
        "visits": [], "status": "completed", "error": None}
    outcome = Outcome(record)
    async with async_playwright() as pw:
        try:
            browser = await pw.chromium.launch(executable_path=chromium, headless=True,
                                               args=[*CHROMIUM_ARGS, *extra_args])
        except Error as exc:
            raise Unavailable(f"Chromium did not start: {str(exc).splitlines()[0]}") from exc
        try:
            await asyncio.wait_for(_crawl(browser, scenarios, limits, outcome),
                                   limits.total_seconds)
        except TimeoutError:
            record["status"] = "failed"
            record["error"] = {"kind": "total_time", "detail": "the scan's total time of "
                               f"{limits.total_seconds:g} s ran out before every visit ended"}
        finally:
            await browser.close()
    _finish(record, started)
    return outcome


def _finish(record: dict[str, Any], started: float) -> None:
    order = {p: i for i, p in enumerate(record["pages"])}
    scen = {s: i for i, s in enumerate(record["scenarios"])}
    record["visits"].sort(key=lambda v: (order.get(v["page"], 0), scen.get(v["scenario"], 0)))
    record["lupa_hosts"] = sorted({h for v in record["visits"] for h in v.get("lupa_hosts", [])})
    failed = next((v for v in record["visits"] if v["status"] != "ok"), None)
    if record["status"] == "completed" and failed is not None:
        record["status"] = "failed"
        record["error"] = {**failed["error"], "page": failed["page"],
                           "scenario": failed["scenario"]}
    record["finished_at"] = iso(time.time())
    record["elapsed_ms"] = round((time.monotonic() - started) * 1000)


async def _crawl(browser: Any, scenarios: list[Scenario], limits: Limits,
                 outcome: Outcome) -> None:
    """Visits from a queue, `limits.concurrency` at a time; the first scenario's visit of a page
    collects its same-site links for the next depth."""
    record = outcome.record
    queue: asyncio.Queue[tuple[str, int, Scenario]] = asyncio.Queue()
    seen: set[str] = set()
    # No interaction is what the Reject all visit shows before its click (a fresh context
    # all the same): one visit observes both, unless Reject all is not planned.
    merged = {s.key for s in scenarios} >= {NONE, REJECT}
    planned = [s for s in scenarios if not (merged and s.key == NONE)]
    first = planned[0].key if planned else NONE

    def admit(url: str, depth: int) -> None:
        url = urldefrag(url)[0]
        if url in seen or len(record["pages"]) >= limits.max_pages:
            return
        seen.add(url)
        record["pages"].append(url)
        for scenario in planned:
            queue.put_nowait((url, depth, scenario))

    async def worker() -> None:
        while True:
            url, depth, scenario = await queue.get()
            try:
                want = scenario.key == first and depth < limits.depth
                results, links = await visit(browser, url, scenario, limits, want,
                                             first_look=merged and scenario.key == REJECT)
                for result, shot in results:
                    record["visits"].append(result)
                    if shot is not None:
                        outcome.screenshots[result["screenshot"]] = shot
                for link in same_site_links(links, url):
                    admit(link, depth + 1)
            finally:
                queue.task_done()

    for url in record["urls"]:
        admit(url, 0)
    workers = [asyncio.create_task(worker()) for _ in range(max(1, limits.concurrency))]
    try:
        await queue.join()
    finally:
        for w in workers:
            w.cancel()
        await asyncio.gather(*workers, return_exceptions=True)


def same_site_links(links: list[str], page: str) -> list[str]:
    """The page's links to its own site (http or https), without fragments or files."""
    own = site_of(urlsplit(page).hostname or "")
    out: list[str] = []
    for link in links:
        parts = urlsplit(link)
        if parts.scheme in ("http", "https") and site_of(parts.hostname or "") == own \
                and not SKIPPED_LINKS.search(parts.path):
            url = urldefrag(link)[0]
            if url not in out:
                out.append(url)
    return out
