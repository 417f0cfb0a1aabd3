"""The transfers promise: the countries of the vendors the notice itself declares (its cookie
categories' vendors, resolved from Lupa's vendor table at publish, and cookies with a
`country`) against what the notice says of transfers outside the EU/EEA."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from service.domain import notices
from service.domain.promises.base import (
    BROKEN,
    HOLDS,
    NOT_APPLICABLE,
    NOT_CHECKABLE,
    PromiseResult,
    ReportContext,
)


def declared_vendors(data: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(category, vendor name, country) for each country outside the EU/EEA that a vendor or
    cookie of the notice declares."""
    for category in data.get("cookie_categories") or []:
        for vendor in category.get("vendors") or []:
            if isinstance(vendor, dict):
                for country in vendor.get("countries") or []:
                    if country not in notices.EEA:
                        yield category["key"], str(vendor.get("name") or vendor.get("id")), country
        for cookie in category.get("cookies") or []:
            country = cookie.get("country")
            if country and country not in notices.EEA:
                yield (category["key"], str(cookie.get("vendor") or cookie["name"]), country)


def no_undeclared_transfers(ctx: ReportContext, notice: dict[str, Any]) -> PromiseResult:
    """`outside_eea = false`: no declared vendor processes data outside the EU/EEA.
    `outside_eea = true`: every such vendor's country is among the declared countries.
    Conditional wording (no `outside_eea`) is not checkable; no `transfers`, not applicable."""
    r = PromiseResult("no_undeclared_transfers",
                      "No transfers outside the EU/EEA beyond what the notice declares",
                      "transfers", HOLDS, "")
    outside = sorted(set(declared_vendors(notice)))
    transfers = notice.get("transfers")
    r.counts = {"vendor_countries_outside_eea": len(outside)}
    named = ", ".join(f"{name} ({country})" for _, name, country in outside) or "none"
    if not transfers or "outside_eea" not in transfers:
        r.status = NOT_APPLICABLE if not transfers else NOT_CHECKABLE
        r.summary = ("the notice states no transfers rule" if not transfers else
                     "the notice's wording on transfers is conditional") + \
            f"; declared vendors outside the EU/EEA: {named}"
        return r
    allowed = ({c["country"] for c in transfers.get("countries") or []}
               if transfers["outside_eea"] else set())
    for category, name, country in outside:
        if country not in allowed:
            r.add({"category": category, "vendor": name, "country": country,
                   "problem": ("the notice says no transfers outside the EU/EEA"
                               if not transfers["outside_eea"]
                               else "country not among the notice's declared transfers")})
    r.counts["undeclared"] = r.evidence_total
    r.status = BROKEN if r.evidence_total else HOLDS
    r.summary = (f"declared vendors outside the EU/EEA: {named}; "
                 f"{r.evidence_total} not covered by the notice's transfers")
    return r
