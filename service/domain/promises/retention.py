"""Retention promises, one per rule of the notice: Lupa's own data (visitor choices, checks,
ended marketing evidence, audit payloads) is not kept past its rule; a rule over data Lupa does
not hold is reported as kept outside Lupa, and an "as long as needed" rule as not checkable,
never as holding."""

from __future__ import annotations

from typing import Any

from service.domain import retention
from service.domain.audit.canonical import iso_utc
from service.domain.promises.base import (
    BROKEN,
    HOLDS,
    KEPT_OUTSIDE_LUPA,
    NOT_APPLICABLE,
    NOT_CHECKABLE,
    PromiseResult,
    ReportContext,
)

# the keys the report had before it was derived from the notice (kept stable)
LEGACY_KEYS = {retention.VISITOR_CONSENT: "consent_retention",
               retention.MARKETING_EVIDENCE: "evidence_retention"}
WHAT = {retention.CHECKS: "pre-send checks", retention.AUDIT_PAYLOAD: "audit payloads"}


def promise_key(rule_key: str) -> str:
    return LEGACY_KEYS.get(rule_key, f"retention.{rule_key}")


def rule_promise(ctx: ReportContext, rule: dict[str, Any]) -> PromiseResult:
    """The promise of one retention rule of the notice."""
    key = rule["key"]
    if key == retention.VISITOR_CONSENT:
        return consent_retention(ctx)
    if key == retention.MARKETING_EVIDENCE:
        return evidence_retention(ctx)
    if key in WHAT:
        return _lupa_rule(ctx, key)
    r = PromiseResult(promise_key(key), f"Retention of {key!r}", f"retention.{key}",
                      KEPT_OUTSIDE_LUPA, "")
    if rule.get("as_long_as_needed"):
        r.status = NOT_CHECKABLE
        r.summary = "kept as long as needed: no period Lupa could check"
    else:
        period = (f"{rule['years']} years" if "years" in rule else f"{rule.get('months')} months")
        r.summary = (f"{period} from {rule.get('starts', 'collection').replace('_', ' ')}: "
                     "data Lupa does not hold, kept and deleted outside Lupa")
    return r


def _lupa_rule(ctx: ReportContext, key: str) -> PromiseResult:
    """Checks and audit payloads: what the purge would take now (its dry run) is overdue."""
    r = PromiseResult(promise_key(key), f"{WHAT[key].capitalize()} are not kept past their "
                      "retention", f"retention.{key}", HOLDS, "")
    batches = list(retention.purge(ctx.site, key, ctx.now, dry_run=True))
    months = retention.rule_months(ctx.site, key)
    if months is None:
        r.status, r.summary = NOT_APPLICABLE, f"the notice sets no {key} retention"
        return r
    overdue = sum(b.deleted for b in batches)
    cutoff = retention.cutoff(ctx.now, months)
    r.counts = {"months": months, "overdue": overdue}
    if overdue:
        r.status = BROKEN
        r.add({"cutoff": iso_utc(cutoff), "records": overdue})
    r.summary = f"{overdue} {WHAT[key]} older than {months} months (before {iso_utc(cutoff)[:10]})"
    return r


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
