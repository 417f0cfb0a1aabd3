"""Console: the site's statistics over the last 7 or 30 days; choices per day by how they
were made, each optional category's grants, marketing grants and withdrawals per purpose and
channel; charts drawn by service/charts.py with their numbers as tables."""

from __future__ import annotations

from typing import Any

from flask import request

from service import charts
from service.console.common import bp, page_lang, render, signed_in
from service.console.labels import translate
from service.domain.statistics import daily
from service.models import ApiKey, Site
from service.models.types import utcnow

PERIODS = (7, 30)


@bp.get("/<site>/statistics")
@signed_in
def statistics(site: Site, key: ApiKey) -> Any:
    days = request.args.get("days", type=int)
    days = days if days in PERIODS else PERIODS[0]
    now = utcnow()
    choices = daily.choices_per_day(site, now, days)
    lang = page_lang(site)
    series = {m: translate(lang, f"method_{m}") for m in daily.METHODS}
    svg = charts.bar_chart(translate(lang, "chart_choices", days=days), choices.days,
                           choices.by_method, series)
    return render("console/statistics.html", site, page="statistics", days=days,
                  periods=PERIODS, choices=choices, series=series, chart=svg,
                  marketing=daily.marketing_per_purpose(site, now, days),
                  shown_recorded=daily.SHOWN_RECORDED)
