"""The scenarios a page is visited under, each in a fresh browser context, derived from the
notice: no interaction, Reject all, Accept all, each optional category alone (when the notice
has more than one), and the Global Privacy Control signal with Accept all clicked (when the
notice has a category of type marketing, which the widget refuses under GPC)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from service.errors import InvalidInput

NONE, REJECT, ACCEPT, ONLY, GPC = "none", "reject", "accept", "only", "gpc"
BASIC = (NONE, REJECT, ACCEPT)


@dataclass(frozen=True)
class Scenario:
    key: str  # none, reject, accept, only:<category key>, gpc
    action: str  # none, reject, accept, only (what is clicked)
    category: str | None = None  # for only: the category allowed
    titles: tuple[str, ...] = field(default=())  # for only: the category's titles (switch name)
    gpc: bool = False


def scenarios_for(notice: dict[str, Any], only: tuple[str, ...] = ()) -> list[Scenario]:
    """Every scenario of the notice, or those named in `only` (keys, or "only" for every
    category alone); an unknown name is an error."""
    optional = [c for c in notice.get("cookie_categories") or []
                if (c.get("type") or "necessary") != "necessary"]
    out = [Scenario(NONE, NONE), Scenario(REJECT, REJECT), Scenario(ACCEPT, ACCEPT)]
    if len(optional) > 1:
        out += [Scenario(f"{ONLY}:{c['key']}", ONLY, c["key"],
                         tuple(sorted(set((c.get("title") or {}).values()))))
                for c in optional]
    if any(c.get("type") == "marketing" for c in optional):
        out.append(Scenario(GPC, ACCEPT, gpc=True))
    if not optional:  # nothing to ask: the widget shows no banner, nothing to click
        out = [Scenario(NONE, NONE)]
    if not only:
        return out
    known = {s.key for s in out}
    unknown = [o for o in only if o not in known and o != ONLY]
    if unknown:
        raise InvalidInput("Unknown scenario.", errors={
            "scenario": [f"{', '.join(unknown)}: this notice's scenarios are "
                         f"{', '.join(sorted(known))}"]})
    return [s for s in out if s.key in only or (ONLY in only and s.action == ONLY)]
