"""The promise report: each promise of the notice that software can check, as holds or broken.

Each promise is one small function taking a `ReportContext` and returning a `PromiseResult`
with counts and evidence (pseudonymous ids only), in a module per family (cookies, marketing,
retention, rights, integrity); `PROMISES` is the registry the report runs. Period-bound
promises look at records made in [since, until); state promises (chain, retention) look at
the database as it is now.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from service.domain import notices
from service.domain.audit.canonical import iso_utc
from service.domain.promises.base import BROKEN, HOLDS, NOT_APPLICABLE, PromiseResult, ReportContext
from service.domain.promises.cookies import consent_before_tracking
from service.domain.promises.integrity import chain_verifies
from service.domain.promises.marketing import (
    marketing_grants_have_evidence,
    no_contact_after_objection,
    soft_opt_in_only_to_customers,
)
from service.domain.promises.retention import consent_retention, evidence_retention
from service.domain.promises.rights import requests_answered_in_time
from service.models import Site
from service.models.types import utcnow

Promise = Callable[[ReportContext], PromiseResult]
PROMISES: tuple[Promise, ...] = (
    consent_before_tracking,
    marketing_grants_have_evidence,
    no_contact_after_objection,
    soft_opt_in_only_to_customers,
    consent_retention,
    evidence_retention,
    requests_answered_in_time,
    chain_verifies,
)


def promise_report(site: Site, since: datetime | None = None,
                   until: datetime | None = None) -> dict[str, Any]:
    """Run every promise for the period; `ok` only when none is broken."""
    ctx = ReportContext(site, since, until, utcnow())
    results = [check(ctx).as_dict() for check in PROMISES]
    version = notices.latest_version(site)
    tally = {s: sum(1 for r in results if r["status"] == s)
             for s in (HOLDS, BROKEN, NOT_APPLICABLE)}
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
