"""A scan's record judged against the notice (docs/scan.md, "Findings"):

- `before_consent` (broken): a cookie, storage key or host of a category that needs consent,
  seen with no interaction (the banner still up);
- `after_reject` (broken): the same after Reject all;
- `outside_choice` (broken): after allowing one category alone, one of another optional
  category;
- `ignores_gpc` (broken): with the Global Privacy Control signal on (and Accept all clicked), one
  of a category of type marketing (which GPC refuses);
- `transfer` (broken): a vendor processing data outside the EU/EEA, seen while the notice says
  there are no transfers (or does not list that country);
- `undeclared`: seen but not declared in the notice (nor Lupa's own);
- `stale`: declared in the notice but never seen in any scenario (Lupa's own cookies aside; a
  vendor whose embed the widget holds on a page counts as seen).

An item is judged by the category the notice puts it in; an undeclared item of a vendor in
Lupa's table by that vendor's usual type, so an undeclared `_ga` before consent is broken too."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from service.domain.notices import EEA
from service.domain.scan.catalog import Catalog, Match, host_matches, name_matches

BROKEN, UNDECLARED, STALE = "broken", "undeclared", "stale"
RULES = {
    "before_consent": BROKEN, "after_reject": BROKEN, "outside_choice": BROKEN,
    "ignores_gpc": BROKEN, "transfer": BROKEN, "undeclared": UNDECLARED, "stale": STALE,
}
# A scan's status: failed (it could not observe the site: never a clean result), broken (a
# promise is broken), findings (undeclared or stale entries only), clean.
FAILED, CLEAN, FINDINGS = "failed", "clean", "findings"


@dataclass(frozen=True)
class Seen:
    """One observation of a visit: a cookie, a storage key or a third-party host."""

    kind: str  # cookie, local_storage, session_storage, host
    name: str
    page: str
    scenario: str
    after_choice: bool  # seen only after the scenario's click (hosts); cookies: the end state
    match: Match


def observations(record: dict[str, Any], catalog: Catalog) -> Iterator[Seen]:
    for visit in record.get("visits") or []:
        if visit.get("status") != "ok":
            continue
        page, scenario = visit["page"], visit["scenario"]
        for cookie in visit.get("cookies") or []:
            yield Seen("cookie", cookie["name"], page, scenario, True,
                       catalog.cookie(cookie["name"]))
        for area in ("local", "session"):
            for key in (visit.get("storage") or {}).get(area) or []:
                yield Seen(f"{area}_storage", key, page, scenario, True, catalog.cookie(key))
        for host in visit.get("hosts") or []:
            yield Seen("host", host["host"], page, scenario, host.get("phase") == "after",
                       catalog.host(host["host"]))


def breach(seen: Seen) -> str | None:
    """The consent rule this observation breaks in its scenario, if any."""
    m, scenario = seen.match, seen.scenario
    if not m.optional:
        return None
    if scenario == "none":
        return "before_consent"
    if scenario == "reject" and (seen.kind != "host" or seen.after_choice):
        return "after_reject"
    if scenario.startswith("only:") and m.category != scenario[5:] and (
            seen.kind != "host" or seen.after_choice):
        return "outside_choice"
    if scenario == "gpc" and m.type == "marketing":
        return "ignores_gpc"
    return None


def _transfer(seen: Seen, transfers: dict[str, Any] | None) -> str | None:
    """Why a seen vendor's country outside the EU/EEA breaks the notice's transfers rule."""
    if not transfers or "outside_eea" not in transfers or not seen.match.outside_eea:
        return None
    if transfers["outside_eea"] is False:
        return (f"processed in {', '.join(seen.match.outside_eea)}; the notice says no "
                "transfers outside the EU/EEA")
    listed = {c.get("country") for c in transfers.get("countries") or []}
    missing = [c for c in seen.match.outside_eea if c not in listed and c not in EEA]
    if missing:
        return f"processed in {', '.join(missing)}, not among the notice's transfers"
    return None


class _Findings:
    """Findings keyed by (rule, kind, name, scenario), each with the pages it was seen on."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str, str, str], dict[str, Any]] = {}

    def add(self, rule: str, seen: Seen | None, *, kind: str, name: str, scenario: str,
            detail: str, category: str | None = None, vendor: str | None = None) -> None:
        key = (rule, kind, name, scenario)
        item = self.items.setdefault(key, {
            "rule": rule, "severity": RULES[rule], "kind": kind, "name": name,
            "scenario": scenario, "category": category, "vendor": vendor, "detail": detail,
            "pages": []})
        if seen is not None and seen.page not in item["pages"]:
            item["pages"].append(seen.page)

    def sorted(self) -> list[dict[str, Any]]:
        order = {BROKEN: 0, UNDECLARED: 1, STALE: 2}
        return sorted(self.items.values(), key=lambda f: (
            order[f["severity"]], f["rule"], f["kind"], f["name"], f["scenario"]))


def judge(record: dict[str, Any], notice: dict[str, Any], catalog: Catalog) -> list[dict[str, Any]]:
    """Every finding of a scan, broken first (see the module docstring for the rules)."""
    found = _Findings()
    seen_names: set[str] = set()
    seen_hosts: set[str] = set()
    for seen in observations(record, catalog):
        m = seen.match
        (seen_hosts if seen.kind == "host" else seen_names).add(seen.name)
        label = m.category or (f"{m.type} (vendor table)" if m.type else None)
        rule = breach(seen)
        if rule is not None:
            found.add(rule, seen, kind=seen.kind, name=seen.name, scenario=seen.scenario,
                      category=label, vendor=m.vendor, detail=_words(rule, seen))
        why = _transfer(seen, notice.get("transfers"))
        if why is not None:
            found.add("transfer", seen, kind=seen.kind, name=seen.name, scenario="*",
                      category=label, vendor=m.vendor, detail=why)
        if not m.declared:
            found.add("undeclared", seen, kind=seen.kind, name=seen.name, scenario="*",
                      category=label, vendor=m.vendor,
                      detail=(f"not in the notice; Lupa's vendor table knows it as {m.vendor}"
                              if m.vendor else "not in the notice"))
    if record.get("status") == "completed":
        embedded = {v for visit in record.get("visits") or [] for v in visit.get("embeds") or ()}
        _stale(found, catalog, seen_names, seen_hosts, embedded)
    return found.sorted()


def _stale(found: _Findings, catalog: Catalog, names: set[str], hosts: set[str],
           embedded: set[str]) -> None:
    """Declared entries never seen (only judged for a scan that completed every visit). A
    vendor whose embed the widget holds on a page (iframe[data-lupa-src][data-vendor]) is
    seen: it is there, waiting for consent."""
    for d in catalog.declared:
        if d.lupa or d.name in embedded:  # Lupa's own: lupa_vid is set only when stored
            continue
        if d.kind == "cookie":
            if not any(name_matches(d.name, n) for n in names):
                found.add("stale", None, kind="cookie", name=d.name, scenario="*",
                          category=d.category, vendor=d.label or None,
                          detail="declared in the notice, never set in any scenario")
        elif not any(name_matches(p, n) for p in d.cookies for n in names) and not any(
                host_matches(p, h) for p in d.hosts for h in hosts):
            found.add("stale", None, kind="vendor", name=d.name, scenario="*",
                      category=d.category, vendor=d.label,
                      detail="declared in the notice; none of its cookies or hosts was seen")


def _words(rule: str, seen: Seen) -> str:
    what = {"cookie": "cookie", "host": "request to", "local_storage": "localStorage key",
            "session_storage": "sessionStorage key"}[seen.kind]
    cat = seen.match.category or seen.match.type
    return {
        "before_consent": f"{what} {seen.name} ({cat}) before any consent",
        "after_reject": f"{what} {seen.name} ({cat}) after Reject all",
        "outside_choice": f"{what} {seen.name} ({cat}) when only {seen.scenario[5:]} was allowed",
        "ignores_gpc": f"{what} {seen.name} ({cat}) despite Global Privacy Control",
    }[rule]


def status_of(record: dict[str, Any], findings: list[dict[str, Any]]) -> str:
    """failed, broken, findings or clean (a failed scan is never clean)."""
    if record.get("status") != "completed":
        return FAILED
    if any(f["severity"] == BROKEN for f in findings):
        return BROKEN
    return FINDINGS if findings else CLEAN


def counts(findings: list[dict[str, Any]]) -> dict[str, int]:
    return {s: sum(1 for f in findings if f["severity"] == s) for s in (BROKEN, UNDECLARED, STALE)}
