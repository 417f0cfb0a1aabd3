"""Retention promises: visitor choices and ended marketing evidence are not kept too long."""

from __future__ import annotations

from service.domain import retention
from service.domain.audit.canonical import iso_utc
from service.domain.promises.base import BROKEN, HOLDS, NOT_APPLICABLE, PromiseResult, ReportContext


def consent_retention(ctx: ReportContext) -> PromiseResult:
    """Visitor choices are not kept past the notice's `visitor_consent` retention."""
    r = PromiseResult("consent_retention", "Visitor choices are not kept past their retention",
                      "retention.visitor_consent", HOLDS, "")
    months = retention.rule_months(ctx.site, retention.VISITOR_CONSENT)
    if months is None:
        r.status, r.summary = NOT_APPLICABLE, "the notice sets no visitor_consent retention"
        return r
    cutoff = retention.cutoff(ctx.now, months)
    overdue = retention.overdue_consents(ctx.site, cutoff)
    r.counts = {"months": months, "overdue": overdue.count}
    if overdue.count:
        r.status = BROKEN
        r.add({"oldest": iso_utc(overdue.oldest) if overdue.oldest else None,
               "cutoff": iso_utc(cutoff), "events": overdue.count})
    r.summary = (f"{overdue.count} choices older than {months} months (before "
                 f"{iso_utc(cutoff)[:10]})")
    return r


def evidence_retention(ctx: ReportContext) -> PromiseResult:
    """Marketing permissions that ended are not kept past the `marketing_evidence` retention."""
    r = PromiseResult("evidence_retention",
                      "Marketing evidence is not kept past its retention",
                      "retention.marketing_evidence", HOLDS, "")
    months = retention.rule_months(ctx.site, retention.MARKETING_EVIDENCE)
    if months is None:
        r.status, r.summary = NOT_APPLICABLE, "the notice sets no marketing_evidence retention"
        return r
    cutoff = retention.cutoff(ctx.now, months)
    overdue = retention.overdue_evidence(ctx.site, cutoff)
    r.counts = {"months": months, "overdue": overdue}
    if overdue:
        r.status = BROKEN
        r.add({"cutoff": iso_utc(cutoff), "permissions": overdue})
    r.summary = (f"{overdue} ended permissions last changed more than {months} months ago "
                 f"(before {iso_utc(cutoff)[:10]})")
    return r
