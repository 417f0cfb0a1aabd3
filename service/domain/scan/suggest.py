"""`lupa scan --suggest`: a draft of the notice's cookie section (`cookie_categories`, notice
format 2) from what a scan found, for the author to review: the notice's categories with the
cookies and vendors that were seen, each undeclared vendor of Lupa's table added by its id to
a category of its usual type, each unknown cookie added with its observed lifetime and a
"to be described" purpose, and notes on what was dropped (never seen) or cannot be declared."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from service.domain.notices import vendors
from service.domain.scan import judge
from service.domain.scan.catalog import Catalog, name_matches

TITLES = {
    "necessary": {"fi": "Välttämättömät evästeet", "sv": "Nödvändiga kakor",
                  "en": "Necessary cookies"},
    "preferences": {"fi": "Asetusevästeet", "sv": "Inställningskakor",
                    "en": "Preference cookies"},
    "analytics": {"fi": "Analytiikkaevästeet", "sv": "Analyskakor", "en": "Analytics cookies"},
    "marketing": {"fi": "Markkinointievästeet", "sv": "Marknadsföringskakor",
                  "en": "Marketing cookies"},
}
TO_DESCRIBE = {"fi": "KUVAA: mihin eväste on tarkoitettu.", "sv": "BESKRIV: vad kakan används "
               "till.", "en": "DESCRIBE: what the cookie is for."}


def lifetime(expires: str, seen_at: str) -> str:
    """A cookie's observed lifetime as a vendors.toml duration ("session", "90d", "2y")."""
    if expires == "session":
        return "session"
    seconds = (datetime.fromisoformat(expires.replace("Z", "+00:00"))
               - datetime.fromisoformat(seen_at.replace("Z", "+00:00"))).total_seconds()
    minutes = max(1, round(seconds / 60))
    days = minutes / 1440
    if minutes < 120:
        return f"{minutes}min"
    if minutes < 48 * 60:
        return f"{round(minutes / 60)}h"
    if days < 365:
        return f"{round(days)}d"
    if abs(days / 365.25 - round(days / 365.25)) * 365.25 <= 2:
        return f"{round(days / 365.25)}y"
    return f"{round(days / 30.44)}mo"


def _pick(text: dict[str, str], languages: list[str]) -> dict[str, str]:
    return {lang: text[lang] for lang in languages if lang in text} or dict(text)


def _category(out: list[dict[str, Any]], type_: str, languages: list[str]) -> dict[str, Any]:
    found = next((c for c in out if c["type"] == type_), None)
    if found is None:
        found = {"key": type_, "type": type_, "title": _pick(TITLES[type_], languages),
                 "cookies": [], "vendors": []}
        out.append(found)
    return found


def draft(record: dict[str, Any], notice: dict[str, Any],
          languages: list[str]) -> tuple[dict[str, Any], list[str]]:
    """({"cookie_categories": [...]}, notes) — see the module docstring."""
    catalog = Catalog.of(notice, frozenset(record.get("lupa_hosts") or ()))
    seen = list(judge.observations(record, catalog))
    findings = judge.judge(record, notice, catalog)
    stale = {(f["kind"], f["name"]) for f in findings if f["rule"] == "stale"}
    notes: list[str] = []
    out: list[dict[str, Any]] = []
    lupa = {c["name"] for c in vendors.LUPA_COOKIES}
    for cat in notice.get("cookie_categories") or []:
        c = copy.deepcopy(cat)
        c.pop("required", None)
        c["cookies"] = [k for k in c.get("cookies") or []
                        if k["name"] in lupa or ("cookie", k["name"]) not in stale]
        c["vendors"] = [v for v in c.get("vendors") or [] if ("vendor", v["id"]) not in stale]
        c["vendors"] = [v["id"] if v["id"] in vendors.vendor_ids() else v for v in c["vendors"]]
        out.append(c)
    notes += [f"dropped (declared, never seen): {kind} {name}" for kind, name in sorted(stale)
              if name not in lupa]
    _add_undeclared(out, seen, record, languages, notes)
    notes.append("a draft from what one scan saw: review every entry before publishing")
    return {"cookie_categories": out}, notes


def _add_undeclared(out: list[dict[str, Any]], seen: list[judge.Seen], record: dict[str, Any],
                    languages: list[str], notes: list[str]) -> None:
    expires = {c["name"]: c["expires"] for v in record.get("visits") or []
               for c in v.get("cookies") or []}
    added: set[str] = set()
    for s in sorted(seen, key=lambda s: (s.kind, s.name)):
        m = s.match
        if m.declared or s.name in added:
            continue
        if m.vendor_id is not None and m.type:
            category = _category(out, m.type, languages)
            if m.vendor_id not in [v if isinstance(v, str) else v.get("id")
                                   for v in category["vendors"]]:
                category["vendors"].append(m.vendor_id)
            added.add(s.name)
        elif s.kind == "host":
            notes.append(f"third-party host {s.name}: not in Lupa's vendor table; name its "
                         "vendor (a vendor table in the category) if it sets or reads data")
            added.add(s.name)
        elif not any(name_matches(k["name"], s.name) for c in out for k in c["cookies"]):
            type_ = _observed_type(s.name, seen, {c["key"]: c["type"] for c in out})
            cookie: dict[str, Any] = {"name": s.name, "purpose": _pick(TO_DESCRIBE, languages)}
            if s.name in expires:
                spec = lifetime(expires[s.name], record.get("started_at") or expires[s.name])
                cookie["duration"] = _pick(vendors.duration_text(spec), languages)
            _category(out, type_, languages)["cookies"].append(cookie)
            added.add(s.name)


def _observed_type(name: str, seen: list[judge.Seen], types: dict[str, str]) -> str:
    """Where an unknown cookie goes: necessary when it is set without consent, else the type
    of the one category whose lone allowance set it, else marketing (the strictest)."""
    scenarios = {s.scenario for s in seen if s.name == name}
    if scenarios & {"none", "reject"}:
        return "necessary"
    alone = {types.get(s[5:]) for s in scenarios if s.startswith("only:")}
    return alone.pop() or "marketing" if len(alone) == 1 else "marketing"
