"""The live-site cookie promise: "cookies only after consent — observed on the live site",
judged by the site's latest scan (`lupa scan`, docs/scan.md), next to the log-based promises
of cookies.py: holds when that scan completed with nothing broken, broken with its broken
findings as evidence, not checkable when it failed (a failed scan is never a clean result),
not applicable when the site was never scanned."""

from __future__ import annotations

from sqlalchemy import func, select

from service.domain import scan
from service.domain.audit.canonical import iso_utc
from service.domain.promises.base import (
    BROKEN,
    HOLDS,
    NOT_APPLICABLE,
    NOT_CHECKABLE,
    PromiseResult,
    ReportContext,
)
from service.extensions import db
from service.models import SiteScan

TITLE = "Cookies only after consent — observed on the live site"


def observed_on_live_site(ctx: ReportContext) -> PromiseResult:
    """The latest scan finished before the report's `until` (if given) is the evidence."""
    r = PromiseResult("cookies_observed_live", TITLE, "cookie_categories", HOLDS, "")
    query = select(SiteScan).where(SiteScan.site_id == ctx.site.id)
    if ctx.until is not None:
        query = query.where(SiteScan.finished_at < ctx.until)
    latest = db.session.execute(query.order_by(SiteScan.id.desc()).limit(1)).scalar_one_or_none()
    total = db.session.execute(select(func.count()).select_from(SiteScan).where(
        SiteScan.site_id == ctx.site.id)).scalar_one()
    r.counts = {"scans": int(total)}
    if latest is None:
        r.status = NOT_APPLICABLE
        r.summary = "the live site was never scanned (lupa scan)"
        return r
    r.counts.update(latest.counts)
    at = iso_utc(latest.finished_at)
    where = (f"scan {latest.id} of {at} (notice version {latest.notice_version}, "
             f"{latest.pages} page(s), record sha256 {latest.record_sha256[:12]}…)")
    if latest.status == scan.FAILED:
        r.status = NOT_CHECKABLE
        error = latest.error or {}
        r.summary = (f"the latest scan failed ({error.get('kind', 'unknown')}: "
                     f"{error.get('detail', '')}), so the live site was not observed: {where}")
        return r
    for f in latest.findings:
        if f["severity"] == scan.BROKEN:
            r.add({"scan": latest.id, "at": at, "rule": f["rule"], "kind": f["kind"],
                   "name": f["name"], "category": f.get("category"),
                   "scenario": f["scenario"], "detail": f["detail"],
                   "pages": len(f.get("pages") or [])})
    r.status = BROKEN if r.evidence_total else HOLDS
    c = latest.counts
    r.summary = (f"{where}: {c.get('broken', 0)} broken, {c.get('undeclared', 0)} undeclared, "
                 f"{c.get('stale', 0)} stale")
    return r
