"""Daily figures for the operator's console: visitors' choices per day by how they were made
(accept all, reject all, custom, GPC, withdrawal) and per optional category, and marketing
grants and withdrawals per purpose and channel, over the last N days (UTC days).

Whether the banner was shown is not recorded (the service stores answers only, never page
views), so there is no "shown vs answered" figure: `SHOWN_RECORDED` says so to the pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from service.domain import notices
from service.domain.consent.methods import ConsentMethod
from service.domain.marketing.states import OptInStep
from service.domain.marketing.states import PermissionState as State
from service.extensions import db
from service.models import ConsentEvent, MarketingEvent, Site

SHOWN_RECORDED = False
METHODS = tuple(m.value for m in ConsentMethod)


def day_keys(now: datetime, days: int) -> list[str]:
    start = now.date() - timedelta(days=days - 1)
    return [(start + timedelta(days=i)).isoformat() for i in range(days)]


def _since(now: datetime, days: int) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days - 1)


@dataclass
class DailyChoices:
    days: list[str]
    categories: list[str]
    by_method: dict[str, dict[str, int]]  # day -> method -> choices
    granted: dict[str, int] = field(default_factory=dict)  # category -> choices granting it

    def total(self, day: str | None = None) -> int:
        rows = [self.by_method[day]] if day else list(self.by_method.values())
        return sum(sum(r.values()) for r in rows)

    def method_total(self, method: str) -> int:
        return sum(r.get(method, 0) for r in self.by_method.values())

    def share(self, count: int) -> float | None:
        """A count's share of all choices of the period (None: no choices)."""
        total = self.total()
        return None if not total else count / total


def choices_per_day(site: Site, now: datetime, days: int = 7) -> DailyChoices:
    keys = day_keys(now, days)
    version = notices.latest_version(site)
    cats = [c["key"] for c in (version.data.get("cookie_categories") or [] if version else [])
            if not c.get("required")]
    out = DailyChoices(keys, cats, {d: dict.fromkeys(METHODS, 0) for d in keys},
                       dict.fromkeys(cats, 0))
    rows = db.session.execute(
        select(ConsentEvent.created_at, ConsentEvent.method, ConsentEvent.choices)
        .where(ConsentEvent.site_id == site.id, ConsentEvent.created_at >= _since(now, days))
        .execution_options(yield_per=5000))
    for at, method, choices in rows:
        day = at.date().isoformat()
        if day not in out.by_method:
            continue
        out.by_method[day][method] = out.by_method[day].get(method, 0) + 1
        for c in cats:
            if (choices or {}).get(c):
                out.granted[c] += 1
    return out


GRANTS = {State.GRANTED.value, OptInStep.CONFIRMED.value}
WITHDRAWALS = {State.WITHDRAWN.value}


def marketing_per_purpose(site: Site, now: datetime, days: int = 7
                          ) -> dict[tuple[str, str], dict[str, int]]:
    """(purpose, channel) -> {"grants", "withdrawals"} over the period, by purpose."""
    out: dict[tuple[str, str], dict[str, int]] = {}
    for purpose, channel, change in db.session.execute(
        select(MarketingEvent.purpose, MarketingEvent.channel, MarketingEvent.change)
        .where(MarketingEvent.site_id == site.id, MarketingEvent.created_at >= _since(now, days))
    ):
        name = "grants" if change in GRANTS else "withdrawals" if change in WITHDRAWALS else None
        if name:
            row = out.setdefault((purpose, channel), {"grants": 0, "withdrawals": 0})
            row[name] += 1
    return dict(sorted(out.items()))
