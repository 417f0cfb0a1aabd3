"""The promise report: each promise of the notice that software can check, as holds or broken,
and what it cannot check said as such (docs/promises.md).

The list is derived from the notice version in force (`derive.plan`): one promise per
retention rule, per cookie category of type analytics or marketing, per kind of prohibition,
the transfers statement, access, and the promises every notice makes. Each promise is one small
function taking a `ReportContext` and returning a `PromiseResult` with counts and evidence
(pseudonymous ids only), in a module per family; the plan sets on each result the place in
the notice it checks and the notice's own words. Period-bound promises look at records made in
[since, until); state promises (chain, retention, access) look at the database as it is now.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from service.domain import notices
from service.domain.audit.canonical import iso_utc
from service.domain.promises.base import BROKEN, STATUSES, ReportContext
from service.domain.promises.derive import Planned, plan
from service.models import Site
from service.models.types import utcnow


def promises_of(site: Site) -> list[Planned]:
    """The promises the site's notice in force makes (what the report runs)."""
    return plan(site)


def promise_report(site: Site, since: datetime | None = None,
                   until: datetime | None = None) -> dict[str, Any]:
    """Run every promise of the notice in force for the period; `ok` only when none is
    broken."""
    ctx = ReportContext(site, since, until, utcnow())
    results = [planned.run(ctx).as_dict() for planned in promises_of(site)]
    version = notices.latest_version(site)
    tally = {s: sum(1 for r in results if r["status"] == s) for s in STATUSES}
    return {
        "site": site.slug,
        "site_name": site.name,
        "generated_at": iso_utc(ctx.now),
        "since": iso_utc(since) if since else None,
        "until": iso_utc(until) if until else None,
        "notice_version": version.number if version else None,
        "ok": tally[BROKEN] == 0,
        "summary": tally,
        "promises": results,
    }
