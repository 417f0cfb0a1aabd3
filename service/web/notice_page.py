"""What the notice page shows, in which order (templates/notice.html renders it).

Works on format-2 data (notices.as_format_2 reads format-1 versions into it). A section the
notice leaves out is not shown; retention and cookies always are (a notice without retention
rules says so in words, never with an empty table; Lupa's own cookies are always there).
"""

from __future__ import annotations

from typing import Any

BUILTIN = (  # (name in the format, HTML id, label key), in the order of a Finnish notice
    ("introduction", "introduction", "introduction"),
    ("controller", "controller", "controller"),
    ("contact", "contact", "contact"),
    ("dpo", "dpo", "dpo"),
    ("register_name", "register-name", "register_name"),
    ("purposes", "purposes", "purposes"),
    ("requirement", "requirement", "requirement"),
    ("profiling", "profiling", "profiling"),
    ("data_subjects", "data-subjects", "data_subjects"),
    ("data_content", "data-content", "data_content"),
    ("sources", "sources", "sources"),
    ("recipients", "recipients", "recipients"),
    ("disclosures", "disclosures", "disclosures"),
    ("transfers", "transfers", "transfers"),
    ("security", "security", "security"),
    ("retention", "retention", "retention"),
    ("rights", "rights", "rights"),
    ("cookies", "cookies", "cookies"),
    ("marketing", "marketing", "marketing"),
)
ALWAYS = {"controller", "register_name", "retention", "cookies"}


def _present(name: str, notice: dict[str, Any]) -> bool:
    if name in ALWAYS:
        return True
    if name == "marketing":
        m = notice.get("marketing") or {}
        return any(m.get(k) for k in ("purposes", "channels", "prohibitions", "text"))
    return bool(notice.get(name))


def sections(notice: dict[str, Any], labels: dict[str, str]) -> list[dict[str, Any]]:
    """[{name, id, label, number, extra?}] in page order, extra sections placed by `after`."""
    extras: dict[str | None, list[dict[str, Any]]] = {}
    for extra in notice.get("sections") or []:
        extras.setdefault(extra.get("after"), []).append(extra)
    out: list[dict[str, Any]] = []
    for name, html_id, label in BUILTIN:
        if _present(name, notice):
            out.append({"name": name, "id": html_id, "label": labels[label]})
        out += [_extra(e) for e in extras.pop(name, [])]
    for rest in extras.values():
        out += [_extra(e) for e in rest]
    for number, section in enumerate(out, start=1):
        section["number"] = number
    return out


def _extra(extra: dict[str, Any]) -> dict[str, Any]:
    return {"name": "extra", "id": f"section-{extra['key']}", "title": extra["title"],
            "text": extra["text"]}


def rights(notice: dict[str, Any]) -> list[dict[str, Any]]:
    """Rights with unique HTML ids: right-<key>; right-other-1, -2, ... for "other"."""
    out, others, seen = [], 0, set()
    for right in notice.get("rights") or []:
        key = right.get("key", "other")
        if key == "other" or key in seen:  # format 1 allowed repeated keys
            others += 1
            html_id = f"right-other-{others}"
        else:
            html_id = f"right-{key}"
        seen.add(key)
        out.append({**right, "id": html_id})
    return out


def cookie_rows(category: dict[str, Any]) -> list[dict[str, Any]]:
    """The category's own cookies, then its vendors' (name, vendor, purpose, duration)."""
    rows = [dict(c) for c in category.get("cookies") or []]
    for vendor in category.get("vendors") or []:
        for cookie in vendor.get("cookies", []):
            rows.append({"name": cookie["name"], "vendor": vendor.get("name"),
                         "purpose": cookie.get("purpose") or vendor.get("purpose"),
                         "duration": cookie.get("duration")})
    return rows
