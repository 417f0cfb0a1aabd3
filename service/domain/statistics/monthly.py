"""Monthly figures: visitors' choices (and how many granted each optional category) and
marketing changes (opt-ins, withdrawals, prohibitions), over the last N months."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from service.domain import notices, retention
from service.domain.marketing.states import OptInStep
from service.domain.marketing.states import PermissionState as State
from service.extensions import db
from service.models import ConsentEvent, MarketingEvent, Site


def month_keys(now: datetime, months: int) -> list[str]:
    out = []
    for back in range(months - 1, -1, -1):
        d = retention.cutoff(now.replace(day=1), back)
        out.append(f"{d.year:04d}-{d.month:02d}")
    return out


@dataclass
class ConsentSeries:
    months: list[str]
    categories: list[str]
    totals: dict[str, int]                      # month -> choices made
    granted: dict[str, dict[str, int]]          # category -> month -> granted

    def rate(self, category: str, month: str) -> float | None:
        total = self.totals.get(month, 0)
        return None if not total else self.granted[category].get(month, 0) / total


def consent_series(site: Site, now: datetime, months: int = 12) -> ConsentSeries:
    keys = month_keys(now, months)
    version = notices.latest_version(site)
    cats = [c["key"] for c in (version.data["cookie_categories"] if version else [])
            if not c["required"]]
    since = retention.cutoff(now.replace(day=1, hour=0, minute=0, second=0, microsecond=0),
                             months - 1)
    totals: dict[str, int] = {}
    granted: dict[str, dict[str, int]] = {c: {} for c in cats}
    rows = db.session.execute(
        select(ConsentEvent.created_at, ConsentEvent.choices)
        .where(ConsentEvent.site_id == site.id, ConsentEvent.created_at >= since)
        .execution_options(yield_per=5000)
    )
    for at, choices in rows:
        month = f"{at.year:04d}-{at.month:02d}"
        totals[month] = totals.get(month, 0) + 1
        for c in cats:
            if choices.get(c):
                granted[c][month] = granted[c].get(month, 0) + 1
    return ConsentSeries(keys, cats, totals, granted)


def marketing_series(site: Site, now: datetime, months: int = 12) -> dict[str, dict[str, int]]:
    """month -> {"opt_ins", "withdrawals", "prohibitions"}."""
    since = retention.cutoff(now.replace(day=1, hour=0, minute=0, second=0, microsecond=0),
                             months - 1)
    out = {m: {"opt_ins": 0, "withdrawals": 0, "prohibitions": 0} for m in month_keys(now, months)}
    names: dict[str, str] = {State.GRANTED: "opt_ins", OptInStep.CONFIRMED: "opt_ins",
                             State.WITHDRAWN: "withdrawals", State.PROHIBITED: "prohibitions"}
    for at, change in db.session.execute(
        select(MarketingEvent.created_at, MarketingEvent.change)
        .where(MarketingEvent.site_id == site.id, MarketingEvent.created_at >= since)
    ):
        month = f"{at.year:04d}-{at.month:02d}"
        if month in out and change in names:
            out[month][names[change]] += 1
    return out
