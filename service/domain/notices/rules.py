"""Rules of a format-2 notice that span fields: what makes a notice invalid beyond its types.

Each problem is (path, message) with 1-based list positions, as docs/notice-format.md says.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

# The retention keys Lupa enforces itself (domain/retention/purge.py) and the event each counts
# from; a rule with one of these keys must be a fixed period from that event.
LUPA_RETENTION_STARTS: dict[str, str] = {
    "visitor_consent": "collection",
    "checks": "collection",
    "marketing_evidence": "last_change",
    "audit_payload": "collection",
}
# EU member states and the other EEA countries (Iceland, Liechtenstein, Norway).
EEA = frozenset("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI "
                "SK IS LI NO".split())

Problem = tuple[str, str]


def problems(data: dict[str, Any], vendor_ids: frozenset[str]) -> list[Problem]:
    """Every cross-field problem of loaded notice data, in document order."""
    found: list[Problem] = []
    for name in ("contact", "dpo", "security"):
        if name in data and not data[name]:
            found.append((name, "Give at least one of its fields, or leave it out."))
    found += _duplicates(data)
    found += list(_rights(data.get("rights", [])))
    found += list(_retention(data.get("retention", [])))
    found += list(_categories(data.get("cookie_categories", []), vendor_ids))
    found += list(_transfers(data.get("transfers")))
    return found


def _duplicates(data: dict[str, Any]) -> list[Problem]:
    found: list[Problem] = []
    lists = {
        "retention": ("key", data.get("retention", [])),
        "cookie_categories": ("key", data.get("cookie_categories", [])),
        "sections": ("key", data.get("sections", [])),
        "marketing.purposes": ("key", data.get("marketing", {}).get("purposes", [])),
        "rights": ("key", [r for r in data.get("rights", []) if r["key"] != "other"]),
    }
    for path, (field, items) in lists.items():
        seen: set[str] = set()
        for pos, item in enumerate(data_items(path, data), start=1):
            if item not in items:
                continue
            value = item[field]
            if value in seen:
                found.append((f"{path}[{pos}].{field}", f"Duplicate {field} {value!r}."))
            seen.add(value)
    for name in ("channels", "prohibitions"):
        values = data.get("marketing", {}).get(name, [])
        for pos, value in enumerate(values, start=1):
            if value in values[: pos - 1]:
                found.append((f"marketing.{name}[{pos}]", f"Duplicate {value!r}."))
    return found


def data_items(path: str, data: dict[str, Any]) -> list[Any]:
    node: Any = data
    for part in path.split("."):
        node = node.get(part, []) if isinstance(node, dict) else []
    return list(node)


def _rights(rights: list[dict[str, Any]]) -> Iterator[Problem]:
    for pos, right in enumerate(rights, start=1):
        if right["key"] == "other" and "title" not in right:
            yield f"rights[{pos}].title", "A right with key \"other\" needs its own title."


def _retention(rules: list[dict[str, Any]]) -> Iterator[Problem]:
    for pos, rule in enumerate(rules, start=1):
        at = f"retention[{pos}]"
        given = [k for k in ("months", "years", "as_long_as_needed") if k in rule]
        if len(given) != 1:
            yield at, "Give exactly one of months, years or as_long_as_needed = true."
        if rule.get("as_long_as_needed"):
            if "justification" not in rule:
                yield f"{at}.justification", "as_long_as_needed needs its justification."
            if "starts" in rule:
                yield f"{at}.starts", "Leave starts out with as_long_as_needed."
        elif "justification" in rule:
            yield f"{at}.justification", "A justification goes with as_long_as_needed only."
        lupa_start = LUPA_RETENTION_STARTS.get(rule["key"])
        if lupa_start is None:
            continue
        if rule.get("as_long_as_needed"):
            yield at, (f"Lupa enforces {rule['key']!r}: give months or years "
                       f"counted from {lupa_start}.")
        elif rule.get("starts", lupa_start) != lupa_start:
            yield f"{at}.starts", f"Lupa counts {rule['key']!r} from {lupa_start}."


def _categories(categories: list[dict[str, Any]], vendor_ids: frozenset[str]
                ) -> Iterator[Problem]:
    necessary = 0
    for pos, cat in enumerate(categories, start=1):
        at = f"cookie_categories[{pos}]"
        necessary += cat["type"] == "necessary"
        if cat["key"] == "necessary" and cat["type"] != "necessary":
            yield f"{at}.type", "The category \"necessary\" must have type \"necessary\"."
        if necessary > 1 and cat["type"] == "necessary":
            yield f"{at}.type", "Only one category may have type \"necessary\"."
        if "required" in cat and cat["required"] != (cat["type"] == "necessary"):
            yield f"{at}.required", ("required is true exactly for type \"necessary\"; "
                                     "leave it out.")
        for vpos, vendor in enumerate(cat.get("vendors", []), start=1):
            if isinstance(vendor, str) and vendor not in vendor_ids:
                yield (f"{at}.vendors[{vpos}]",
                       f"Unknown vendor {vendor!r}; known: {', '.join(sorted(vendor_ids))}.")


def _transfers(transfers: dict[str, Any] | None) -> Iterator[Problem]:
    if not transfers:
        return
    countries = transfers.get("countries", [])
    if countries and transfers.get("outside_eea") is False:
        yield "transfers.countries", "Countries are listed but outside_eea is false."
    for pos, entry in enumerate(countries, start=1):
        if entry["country"] in EEA:
            yield (f"transfers.countries[{pos}].country",
                   f"{entry['country']} is in the EU/EEA; list only countries outside it.")
