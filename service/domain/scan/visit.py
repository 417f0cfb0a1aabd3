"""One visit: one page under one scenario in a fresh browser context; what it observed, its
screenshot and (for the no-interaction visit) the page's links."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from typing import Any
from urllib.parse import urlsplit

from service.domain.scan.browser import (
    ACCEPT,
    BANNER,
    GPC_SCRIPT,
    REJECT,
    SAVE,
    SETTINGS,
    Limits,
    Network,
    VisitFailed,
    failure_kind,
    iso,
    site_of,
)
from service.domain.scan.scenarios import NONE, ONLY, Scenario

VIEWPORT = {"width": 1280, "height": 800}
CONSENTS = re.compile(r"/api/v1/sites/[^/]+/consents$")
WIDGET_VIEW = ("() => { try { const c = window.Lupa && window.Lupa.getConsent(); return c ? "
               "{decided: c.decided, method: c.method, categories: c.categories} : null; } "
               "catch (e) { return null; } }")


async def _answer_choice(route: Any) -> None:
    """The scanner is no visitor: a choice its clicks make is answered as the service would
    answer it (201, the same fields) but not stored, so scans leave no consent events, no
    statistics and no visitor cookie behind (`record_choices` lets them through)."""
    request = route.request
    if request.method != "POST":
        await route.continue_()
        return
    try:
        body = json.loads(request.post_data or "{}")
    except ValueError:
        body = {}
    answer = {k: body.get(k) for k in ("visitor_id", "notice_version", "choices", "method")}
    answer["recorded_at"] = iso(time.time())
    origin = request.headers.get("origin")
    headers = ({"Access-Control-Allow-Origin": origin, "Vary": "Origin",
                "Access-Control-Allow-Credentials": "true"} if origin else {})
    await route.fulfill(status=201, json=answer, headers=headers)


Shot = tuple[dict[str, Any], bytes | None]  # a visit's record and its screenshot


async def visit(browser: Any, url: str, scenario: Scenario, limits: Limits,
                want_links: bool, first_look: bool = False) -> tuple[list[Shot], list[str]]:
    """The visit's record and screenshot (and, with `first_look`, the no-interaction scenario's
    too: what the same fresh context showed before the choice), and the links found. A record
    says when it failed, and why."""
    started = time.monotonic()
    deadline = started + limits.page_seconds
    main = _blank(url, scenario.key)
    look = _blank(url, NONE) if first_look and scenario.action != NONE else None
    done: list[Shot] = []
    links: list[str] = []
    context = await browser.new_context(
        viewport=VIEWPORT, extra_http_headers={"Sec-GPC": "1"} if scenario.gpc else None)
    try:
        if scenario.gpc:
            await context.add_init_script(GPC_SCRIPT)
        context.set_default_timeout(max(1.0, limits.page_seconds) * 1000)
        if not limits.record_choices:
            await context.route(lambda u: bool(CONSENTS.search(urlsplit(u).path)),
                                _answer_choice)
        page = await context.new_page()
        net = Network(page, site_of(_host(url)))
        await _load(page, url, limits)
        main["banner"] = await _settle_watching_banner(page, net, started, deadline, limits)
        if look is not None:
            look["banner"] = dict(main["banner"])
            done.append((look, await _snapshot(look, context, page, net, started)))
        if want_links:
            links = await _links(page)
        if scenario.action != NONE:
            if not main["banner"]["shown"]:
                raise VisitFailed("banner_missing", "the consent banner did not appear, so "
                                  "the scenario's choice could not be made")
            net.phase = "after"
            await _choose(page, scenario)
            await net.settle(deadline, limits.settle_ms)
            # The next page view under the choice: tags a site loads on later views show here.
            await page.reload(wait_until="load")
            await net.settle(deadline, limits.settle_ms)
        done.append((main, await _snapshot(main, context, page, net, started)))
    except Exception as exc:  # noqa: BLE001 - every failure is recorded, never raised past
        failed = failure_kind(exc, limits.page_seconds)
        for rec in (look, main):
            if rec is not None and not any(rec is r for r, _ in done):
                rec.update(status="failed", error={"kind": failed.kind, "detail": failed.detail},
                           elapsed_ms=round((time.monotonic() - started) * 1000))
                done.append((rec, None))
    finally:
        await context.close()
    return done, links


def _blank(url: str, key: str) -> dict[str, Any]:
    return {"page": url, "scenario": key, "status": "ok", "error": None,
            "banner": {"shown": False, "ms": None}}


async def _snapshot(out: dict[str, Any], context: Any, page: Any, net: Network,
                    started: float) -> bytes:
    """Fills in what the visit observes now; returns the screenshot."""
    out.update(await _observe(context, page, out["page"]))
    out["hosts"] = [{"host": h, "phase": p} for h, p in sorted(net.hosts.items())]
    out["lupa_hosts"] = sorted(net.lupa_hosts)
    out["consent"] = await page.evaluate(WIDGET_VIEW)  # what the widget believes now
    shot: bytes = await page.screenshot(type="png", animations="disabled")
    out["screenshot"] = hashlib.sha256(shot).hexdigest()
    out["elapsed_ms"] = round((time.monotonic() - started) * 1000)
    return shot


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


async def _load(page: Any, url: str, limits: Limits) -> None:
    response = await page.goto(url, wait_until="load", timeout=limits.page_seconds * 1000)
    if response is not None and response.status >= 400:
        raise VisitFailed("http_error", f"the page answered HTTP {response.status}")


async def _settle_watching_banner(page: Any, net: Network, started: float, deadline: float,
                                  limits: Limits) -> dict[str, Any]:
    """Waits until the page has settled, noting whether the banner appeared and how long after
    the visit started (ms); a banner not up when the page settles is waited for up to
    `limits.banner_seconds` more when the widget is on the page. The banner is watched inside
    the page (Playwright's own wait), not polled over the protocol."""
    shown: dict[str, Any] = {"shown": False, "ms": None}
    banner = page.locator(BANNER).first

    async def watch() -> None:
        await banner.wait_for(state="visible", timeout=max(0.1, deadline - time.monotonic())
                              * 1000)
        shown.update(shown=True, ms=round((time.monotonic() - started) * 1000))

    watcher = asyncio.create_task(watch())
    try:
        await net.settle(deadline, limits.settle_ms)
        if not shown["shown"] and await page.locator("script[data-site]").count() \
                and not await banner.count():  # a hidden banner: nothing to ask
            wait = min(limits.banner_seconds, max(0.0, deadline - time.monotonic()))
            await asyncio.wait({watcher}, timeout=wait)
    finally:
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
    return shown


async def _choose(page: Any, scenario: Scenario) -> None:
    banner = page.locator(BANNER).first
    if scenario.action == ONLY:
        await banner.get_by_role("button", name=SETTINGS).click()
        dialog = page.get_by_role("dialog")
        names = "|".join(re.escape(t) for t in scenario.titles)
        await dialog.get_by_role("switch", name=re.compile(rf"^\s*({names})\s*$")).check()
        await dialog.get_by_role("button", name=SAVE).click()
    else:
        name = ACCEPT if scenario.action == "accept" else REJECT
        await banner.get_by_role("button", name=name).click()


async def _observe(context: Any, page: Any, url: str) -> dict[str, Any]:
    """The cookies (every domain the context holds) and the page's storage keys."""
    own = site_of(_host(url))
    cookies = []
    for c in await context.cookies():
        domain = c["domain"].lstrip(".").lower()
        cookies.append({
            "name": c["name"], "domain": c["domain"],
            "party": "first" if site_of(domain) == own else "third",
            "expires": "session" if c.get("expires", -1) < 0 else iso(c["expires"]),
        })
    storage = await page.evaluate(
        "() => { const keys = s => { try { return Object.keys(s).sort(); } catch (e) "
        "{ return []; } }; return {local: keys(window.localStorage), "
        "session: keys(window.sessionStorage)}; }")
    # embeds the widget holds until consent (docs/widget-contract.md): their vendors are on
    # the page even while nothing of theirs has loaded
    embeds = await page.evaluate(
        "() => [...new Set([...document.querySelectorAll('iframe[data-lupa-src][data-vendor]')]"
        ".map(f => f.getAttribute('data-vendor')))].sort()")
    return {"cookies": sorted(cookies, key=lambda c: (c["name"], c["domain"])),
            "storage": {"local": list(storage["local"]), "session": list(storage["session"])},
            "embeds": list(embeds)}


async def _links(page: Any) -> list[str]:
    found = await page.evaluate(
        "() => Array.from(document.querySelectorAll('a[href]'), a => a.href)")
    return [str(u) for u in found]
