"""What a scan matches its findings against: the notice's declared cookies and vendors (the same
list the notice page and the widget's cookie-removal list are made from: each category's own
cookies, then its vendors' cookies), Lupa's own cookies and storage keys, and Lupa's shipped
vendor table (`notices/vendors.toml`) with the scanner's hosts and category types for it
(`hosts.toml`)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from service.domain.notices import EEA, vendors

HOSTS_TABLE = Path(__file__).with_name("hosts.toml")
NECESSARY = "necessary"
# The widget's own browser storage (its cached configuration and its queue of unsent choices).
LUPA_STORAGE_PREFIXES = ("lupa_cfg:", "lupa_queue:")


@dataclass(frozen=True)
class Match:
    """What an observed cookie, storage key or host is, as far as the notice and the table say.

    `declared`: the notice declares it (or it is Lupa's own); `category`/`type`: the notice's
    category (for an undeclared item of a known vendor: no key, the vendor's usual type);
    `countries`: where its vendor processes data, when known."""

    declared: bool
    category: str | None = None
    type: str | None = None
    vendor: str | None = None
    vendor_id: str | None = None
    countries: tuple[str, ...] = ()

    @property
    def optional(self) -> bool:
        """Needs consent: of a known type other than necessary."""
        return self.type is not None and self.type != NECESSARY

    @property
    def outside_eea(self) -> tuple[str, ...]:
        return tuple(c for c in self.countries if c not in EEA)


UNKNOWN = Match(declared=False)


def name_matches(pattern: str, name: str) -> bool:
    """A cookie pattern: a name, or a prefix ending in `*` (`_ga_*`)."""
    return name.startswith(pattern[:-1]) if pattern.endswith("*") else name == pattern


def host_matches(pattern: str, host: str) -> bool:
    """A host pattern: a host name, or `*.example.com` for it and its subdomains."""
    host = host.lower().rstrip(".")
    if pattern.startswith("*."):
        base = pattern[2:]
        return host == base or host.endswith("." + base)
    return host == pattern


@cache
def scanner_table() -> dict[str, dict[str, Any]]:
    """Vendor id -> {"type", "hosts"} (hosts.toml)."""
    return tomllib.loads(HOSTS_TABLE.read_text("utf-8"))


def shipped_vendor(vendor_id: str) -> dict[str, Any]:
    """A table vendor with the scanner's type and hosts added."""
    entry = vendors.vendor(vendor_id)
    extra = scanner_table().get(vendor_id, {})
    return {**entry, "type": extra.get("type"), "hosts": list(extra.get("hosts", []))}


@dataclass
class Declared:
    """One cookie or vendor the notice declares, and whether a scan saw it."""

    kind: str  # "cookie" or "vendor"
    name: str  # a cookie pattern, or the vendor's id
    label: str  # the vendor's name for a vendor, the cookie's vendor for a cookie
    category: str
    type: str
    countries: tuple[str, ...] = ()
    cookies: tuple[str, ...] = ()  # a vendor's cookie patterns
    hosts: tuple[str, ...] = ()  # a vendor's hosts (from the scanner's table)
    lupa: bool = False  # Lupa's own cookie (declared automatically)


@dataclass
class Catalog:
    """The index a scan is judged with, built once per scan from the notice in force."""

    declared: list[Declared] = field(default_factory=list)
    lupa_hosts: frozenset[str] = frozenset()

    @classmethod
    def of(cls, notice: dict[str, Any], lupa_hosts: frozenset[str] = frozenset()) -> Catalog:
        out = cls(lupa_hosts=frozenset(h.lower() for h in lupa_hosts))
        lupa_names = {c["name"] for c in vendors.LUPA_COOKIES}
        for cat in notice.get("cookie_categories") or []:
            key, type_ = cat["key"], cat.get("type") or NECESSARY
            for cookie in cat.get("cookies") or []:
                out.declared.append(Declared(
                    "cookie", cookie["name"], str(cookie.get("vendor") or ""), key, type_,
                    (cookie["country"],) if cookie.get("country") else (),
                    lupa=cookie["name"] in lupa_names))
            for vendor in cat.get("vendors") or []:
                if isinstance(vendor, str):  # unpublished input: resolve it as publishing would
                    vendor = vendors.vendor(vendor)
                hosts = scanner_table().get(vendor.get("id", ""), {}).get("hosts", [])
                patterns = tuple(c["name"] for c in vendor.get("cookies") or [])
                out.declared.append(Declared(
                    "vendor", str(vendor.get("id") or vendor.get("name")),
                    str(vendor.get("name") or vendor.get("id")), key, type_,
                    tuple(vendor.get("countries") or ()), patterns, tuple(hosts)))
        return out

    def cookie(self, name: str) -> Match:
        """A cookie or storage key by its name."""
        if name.startswith(LUPA_STORAGE_PREFIXES) or any(
                d.lupa and name == d.name for d in self.declared):
            return Match(True, self._necessary_key(), NECESSARY, vendors.LUPA_VENDOR)
        for d in self.declared:
            if d.kind == "cookie" and name_matches(d.name, name):
                return Match(True, d.category, d.type, d.label or None,
                             countries=d.countries or self._table_countries(name))
            if d.kind == "vendor" and any(name_matches(p, name) for p in d.cookies):
                return Match(True, d.category, d.type, d.label, d.name, d.countries)
        for vid in sorted(vendors.vendor_ids()):
            entry = shipped_vendor(vid)
            if any(name_matches(c["name"], name) for c in entry["cookies"]):
                return Match(False, None, entry["type"], entry["name"], vid,
                             tuple(entry["countries"]))
        return UNKNOWN

    def host(self, host: str) -> Match:
        """A third-party host the page loaded something from."""
        if host.lower() in self.lupa_hosts:
            return Match(True, self._necessary_key(), NECESSARY, vendors.LUPA_VENDOR)
        for d in self.declared:
            if d.kind == "vendor" and any(host_matches(p, host) for p in d.hosts):
                return Match(True, d.category, d.type, d.label, d.name, d.countries)
        for vid in sorted(vendors.vendor_ids()):
            entry = shipped_vendor(vid)
            if not any(host_matches(p, host) for p in entry["hosts"]):
                continue
            # A notice may list a table vendor's cookies itself (with its own words) instead of
            # naming the vendor: the vendor's hosts are then declared in that category.
            for d in self.declared:
                if d.kind == "cookie" and not d.lupa and any(
                        name_matches(d.name, c["name"]) for c in entry["cookies"]):
                    return Match(True, d.category, d.type, d.label or entry["name"], vid,
                                 tuple(entry["countries"]))
            return Match(False, None, entry["type"], entry["name"], vid,
                         tuple(entry["countries"]))
        return UNKNOWN

    def _necessary_key(self) -> str:
        return next((d.category for d in self.declared if d.type == NECESSARY), NECESSARY)

    def _table_countries(self, name: str) -> tuple[str, ...]:
        for vid in sorted(vendors.vendor_ids()):
            entry = vendors.vendor(vid)
            if any(name_matches(c["name"], name) for c in entry["cookies"]):
                return tuple(entry["countries"])
        return ()
