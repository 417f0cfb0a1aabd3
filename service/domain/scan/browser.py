"""What the scan's browser code shares: its limits, the widget's buttons, the tracking of a
visit's requests (when a page has settled, which third-party hosts it loaded) and the words for
a failed navigation. Nothing here imports Playwright (runner.py does, when a scan runs)."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run")
# The widget's button names (widget/src/i18n.js), found by role and name as a visitor would.
ACCEPT = re.compile(r"^\s*(Accept all|Hyväksy kaikki|Godkänn alla)\s*$")
REJECT = re.compile(r"^\s*(Reject all|Hylkää kaikki|Avvisa alla)\s*$")
SETTINGS = re.compile(r"^\s*(Settings|Asetukset|Inställningar)\s*$")
SAVE = re.compile(r"^\s*(Save choices|Tallenna valinnat|Spara val)\s*$")
BANNER = ".lupa-banner"
CONFIG_PATH = re.compile(r"^/api/v1/sites/[^/]+/config$")
UNREACHABLE = {"ERR_NAME_NOT_RESOLVED", "ERR_NAME_RESOLUTION_FAILED", "ERR_CONNECTION_REFUSED",
               "ERR_ADDRESS_UNREACHABLE", "ERR_CONNECTION_RESET", "ERR_CONNECTION_CLOSED",
               "ERR_CONNECTION_TIMED_OUT", "ERR_INTERNET_DISCONNECTED", "ERR_EMPTY_RESPONSE",
               "ERR_CONNECTION_FAILED", "ERR_ADDRESS_INVALID"}
SKIPPED_LINKS = re.compile(r"\.(pdf|zip|jpe?g|png|gif|svg|webp|mp4|mp3|docx?|xlsx?)$", re.I)
GPC_SCRIPT = ("Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', "
              "{get: () => true, configurable: true});")


@dataclass(frozen=True)
class Limits:
    """How far a scan may go (the CLI's --max-pages, --depth, --page-timeout, --timeout), and
    whether the widget's choices reach the service (--record-choices)."""

    max_pages: int = 20
    depth: int = 0
    page_seconds: float = 30.0
    total_seconds: float = 600.0
    settle_ms: int = 300  # no request in flight for this long = the page has settled
    banner_seconds: float = 5.0
    concurrency: int = 4
    record_choices: bool = False  # let the widget's writes reach the service (not by default)

    def as_dict(self) -> dict[str, Any]:
        return {"max_pages": self.max_pages, "depth": self.depth,
                "page_seconds": self.page_seconds, "total_seconds": self.total_seconds,
                "settle_ms": self.settle_ms, "concurrency": self.concurrency,
                "record_choices": self.record_choices}


@dataclass
class Outcome:
    """The raw record and the screenshots it names by SHA-256."""

    record: dict[str, Any]
    screenshots: dict[str, bytes] = field(default_factory=dict)


class VisitFailed(Exception):
    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind, self.detail = kind, detail


def site_of(host: str) -> str:
    """The registrable part of a host, approximated by its last two labels (an IP address or a
    single-label name is its own site); docs/scan.md notes the limits of this."""
    host = host.lower().rstrip(".")
    if re.fullmatch(r"[\d.]+|\[[0-9a-f:]+\]|[0-9a-f:]+", host) or "." not in host:
        return host
    return ".".join(host.split(".")[-2:])


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def failure_kind(exc: BaseException, seconds: float) -> VisitFailed:
    """A navigation error in words: unreachable, tls, timeout or navigation."""
    if isinstance(exc, VisitFailed):
        return exc
    msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, asyncio.TimeoutError) or "Timeout" in type(exc).__name__:
        return VisitFailed("timeout", f"the page did not load within {seconds:g} s")
    code = re.search(r"net::(ERR_[A-Z_]+)", msg)
    if code and ("CERT" in code.group(1) or "SSL" in code.group(1)):
        return VisitFailed("tls", f"TLS error {code.group(1)}: the certificate or the TLS "
                                  "connection was refused")
    if code and code.group(1) in UNREACHABLE:
        return VisitFailed("unreachable", f"the site could not be reached ({code.group(1)})")
    return VisitFailed("navigation", msg[:300])


class Network:
    """A visit's requests: what is in flight (to know when the page settles), the third-party
    hosts (each "before" the scenario's choice, or "after" when it was requested after it too)
    and the hosts Lupa's configuration came from."""

    def __init__(self, page: Any, page_site: str) -> None:
        self.pending: set[Any] = set()
        self.changed = time.monotonic()
        self.phase = "before"
        self.page_site = page_site
        self.hosts: dict[str, str] = {}
        self.lupa_hosts: set[str] = set()
        page.on("request", self._start)
        page.on("requestfinished", self._end)
        page.on("requestfailed", self._end)

    def _start(self, request: Any) -> None:
        self.pending.add(request)
        self.changed = time.monotonic()
        parts = urlsplit(request.url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not host:
            return
        if CONFIG_PATH.match(parts.path):
            self.lupa_hosts.add(host)
        if site_of(host) != self.page_site and self.hosts.get(host) != "after":
            self.hosts[host] = self.phase  # "after": (also) requested after the choice

    def _end(self, request: Any) -> None:
        self.pending.discard(request)
        self.changed = time.monotonic()

    def quiet(self, quiet_ms: int) -> bool:
        """No request in flight, and none started or ended, for `quiet_ms`."""
        return not self.pending and time.monotonic() - self.changed >= quiet_ms / 1000

    async def settle(self, deadline: float, quiet_ms: int) -> None:
        while True:
            if self.quiet(quiet_ms):
                return
            if time.monotonic() > deadline:
                raise VisitFailed("never_settled", f"{len(self.pending)} request(s) still in "
                                  "flight when the time for the page ran out")
            await asyncio.sleep(0.05)
