"""Lupa's table of common cookie vendors (vendors.toml) and Lupa's own cookies."""

from __future__ import annotations

import copy
import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

TABLE = Path(__file__).with_name("vendors.toml")
LUPA_VENDOR = "Lupa"
# Lupa's own cookies, declared automatically under the necessary category (texts in fi/sv/en:
# they are Lupa's labels, whatever the site's languages).
LUPA_COOKIES: tuple[dict[str, Any], ...] = (
    {"name": "lupa_consent", "vendor": LUPA_VENDOR,
     "duration": {"fi": "13 kuukautta", "sv": "13 månader", "en": "13 months"},
     "purpose": {"fi": "Tallentaa evästevalintasi ja selosteversion, jonka perusteella teit sen.",
                 "sv": "Sparar ditt val av kakor och den version av beskrivningen det gäller.",
                 "en": "Stores your cookie choice and the notice version it was made for."}},
    {"name": "lupa_vid", "vendor": LUPA_VENDOR,
     "duration": {"fi": "13 kuukautta", "sv": "13 månader", "en": "13 months"},
     "purpose": {"fi": "Satunnainen kävijätunniste, joka yhdistää valintasi sen kirjaukseen.",
                 "sv": "Slumpmässig besöksidentifierare som kopplar ditt val till "
                       "dess registrering.",
                 "en": "A random visitor id linking your choice to its record."}},
)
NECESSARY_TITLE = {"fi": "Välttämättömät evästeet", "sv": "Nödvändiga kakor",
                   "en": "Necessary cookies"}

_UNITS = {
    "min": ("minuutti", "minuuttia", "minut", "minuter", "minute", "minutes"),
    "h": ("tunti", "tuntia", "timme", "timmar", "hour", "hours"),
    "d": ("päivä", "päivää", "dag", "dagar", "day", "days"),
    "mo": ("kuukausi", "kuukautta", "månad", "månader", "month", "months"),
    "y": ("vuosi", "vuotta", "år", "år", "year", "years"),
}
_SESSION = {"fi": "istunnon ajan", "sv": "sessionen", "en": "session"}


def duration_text(spec: str) -> dict[str, str]:
    """"90d" -> {"fi": "90 päivää", "sv": "90 dagar", "en": "90 days"}; "session" likewise."""
    if spec == "session":
        return dict(_SESSION)
    match = re.fullmatch(r"(\d+)(min|h|d|mo|y)", spec)
    if match is None:
        raise ValueError(f"bad duration {spec!r} in {TABLE.name}")
    n, unit = int(match.group(1)), _UNITS[match.group(2)]
    pick = 0 if n == 1 else 1
    return {"fi": f"{n} {unit[pick]}", "sv": f"{n} {unit[2 + pick]}",
            "en": f"{n} {unit[4 + pick]}"}


@cache
def _table() -> dict[str, dict[str, Any]]:
    raw = tomllib.loads(TABLE.read_text("utf-8"))
    table: dict[str, dict[str, Any]] = {}
    for entry in raw["vendor"]:
        entry["cookies"] = [{"name": c["name"], "duration": duration_text(c["duration"])}
                            for c in entry["cookies"]]
        table[entry["id"]] = entry
    return table


def vendor_ids() -> frozenset[str]:
    return frozenset(_table())


def vendor(vendor_id: str) -> dict[str, Any]:
    """A copy of one table entry, in the shape a notice stores (docs/notice-format.md)."""
    return copy.deepcopy(_table()[vendor_id])
