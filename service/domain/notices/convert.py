"""Format 1 (docs/contract-notes.md) to format 2 (docs/notice-format.md).

Used by `lupa notice convert`, by publish for format-1 input, and to read versions published in
format 1: their stored data (and so their content hash) is never rewritten.
"""

from __future__ import annotations

import copy
from typing import Any

CATEGORY_TYPES = ("necessary", "preferences", "analytics", "marketing")
RIGHT_HEADINGS = {  # a repeated right keeps its own heading when it becomes "other"
    "fi": "Muut oikeudet", "sv": "Övriga rättigheter", "en": "Other rights",
}


def is_format_1(data: Any) -> bool:
    return isinstance(data, dict) and "format" not in data


def as_format_2(data: dict[str, Any]) -> dict[str, Any]:
    """Format-2 data for any stored or input notice (format 2 is returned unchanged)."""
    return format_1_to_2(data) if is_format_1(data) else data


def format_1_to_2(old: dict[str, Any]) -> dict[str, Any]:
    """The same notice in format 2; every statement kept, nothing stronger added."""
    new: dict[str, Any] = {"format": 2}
    for key, value in copy.deepcopy(old).items():
        if key == "transfers_outside_eea":
            new["transfers"] = _transfers(value)
        elif key == "retention":
            new["retention"] = [_retention(rule) for rule in value]
        elif key == "rights":
            new["rights"] = _rights(value)
        elif key == "cookie_categories":
            new["cookie_categories"] = [_category(cat) for cat in value]
        elif key == "security":
            new["security"] = {"text": value}
        elif key == "marketing":
            new["marketing"] = _marketing(value)
        else:
            new[key] = value
    return new


def _transfers(value: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"outside_eea": bool(value.get("transfers"))}
    if value.get("text"):
        out["text"] = value["text"]
    return out


def _retention(rule: dict[str, Any]) -> dict[str, Any]:
    starts = "last_change" if rule.get("key") == "marketing_evidence" else "collection"
    return {**rule, "starts": starts}


def _rights(rights: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out = []
    for right in rights:
        if right.get("key") in seen:
            langs = right.get("text") or {}
            right = {"key": "other", "title": {lang: RIGHT_HEADINGS.get(lang, RIGHT_HEADINGS["en"])
                                               for lang in langs}, "text": right.get("text")}
        else:
            seen.add(right.get("key", ""))
        out.append(right)
    return out


def _category(cat: dict[str, Any]) -> dict[str, Any]:
    key = cat.get("key")
    if key in CATEGORY_TYPES:
        kind = key
    else:
        kind = "necessary" if cat.get("required") else "marketing"
    return {**cat, "type": kind}


def _marketing(value: dict[str, Any]) -> dict[str, Any]:
    purposes = [{**p, "basis": p.get("basis", "consent")} for p in value.get("purposes", [])]
    return {**value, "purposes": purposes, "prohibitions": value.get("prohibitions", [])}
