"""Cookie promises: analytics and marketing only after the visitor's consent."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from service.domain.audit.canonical import iso_utc
from service.domain.consent.methods import may_grant
from service.domain.promises.base import BROKEN, HOLDS, PromiseResult, ReportContext
from service.extensions import db
from service.models import AuditEntry, ConsentEvent, NoticeVersion

OPTIONAL_TRACKING = ("analytics", "marketing")


def consent_before_tracking(ctx: ReportContext) -> PromiseResult:
    """Analytics and marketing only after consent: every recorded choice names a notice version
    published before it, grants only by an affirmative choice, and has its audit entry."""
    r = PromiseResult("consent_before_tracking",
                      "Analytics and marketing cookies only after the visitor's consent",
                      "cookie_categories", HOLDS, "")
    published = {
        n: (at, {c["key"] for c in data["cookie_categories"]})
        for n, at, data in db.session.execute(
            select(NoticeVersion.number, NoticeVersion.published_at, NoticeVersion.data)
            .where(NoticeVersion.site_id == ctx.site.id)
        )
    }
    audited = _audited_consents(ctx)
    counts = dict.fromkeys(("events", "grants", "refusals", "no_notice", "notice_not_yet_published",
                            "grant_without_choice", "unknown_category", "no_audit_entry",
                            "audit_disagrees"), 0)
    query = (
        select(ConsentEvent.id, ConsentEvent.visitor_id, ConsentEvent.notice_version,
               ConsentEvent.choices, ConsentEvent.method, ConsentEvent.created_at)
        .where(ConsentEvent.site_id == ctx.site.id, *ctx.in_period(ConsentEvent.created_at))
        .order_by(ConsentEvent.id)
        .execution_options(yield_per=5000)
    )
    for eid, vid, version, choices, method, at in db.session.execute(query):
        counts["events"] += 1
        granted = [k for k in OPTIONAL_TRACKING if choices.get(k)]
        counts["grants" if granted else "refusals"] += 1
        ev = {"event": eid, "visitor": f"visitor:{vid}", "at": iso_utc(at),
              "notice_version": version, "method": method}
        notice = published.get(version)
        if notice is None:
            counts["no_notice"] += 1
            r.add({**ev, "problem": "names a notice version that was never published"})
        elif notice[0] > at:
            counts["notice_not_yet_published"] += 1
            r.add({**ev, "problem": "notice version was published after the choice"})
        elif set(choices) - notice[1]:
            counts["unknown_category"] += 1
            r.add({**ev, "problem": "choice for a category the notice does not have"})
        if any(not may_grant(method, k) for k in granted):
            counts["grant_without_choice"] += 1
            r.add({**ev, "problem": f"grants {', '.join(granted)} under method {method!r}"})
        logged = audited.get(eid)
        if logged is None:
            counts["no_audit_entry"] += 1
            r.add({**ev, "problem": "no consent.recorded audit entry"})
        elif logged != (f"visitor:{vid}", version, choices, method):
            counts["audit_disagrees"] += 1
            r.add({**ev, "problem": "the audit entry records a different choice"})
    r.counts = counts
    r.status = BROKEN if r.evidence_total else HOLDS
    r.summary = (f"{counts['events']} recorded choices ({counts['grants']} with analytics or "
                 f"marketing granted); {r.evidence_total} problems")
    return r


def _audited_consents(ctx: ReportContext) -> dict[int, tuple[str | None, int, Any, str]]:
    """event id -> what its consent.recorded audit entry says. The entry is written in the
    same transaction, a moment after the event: the window is widened by a minute."""
    conds = [AuditEntry.site_id == ctx.site.id, AuditEntry.action == "consent.recorded"]
    if ctx.since is not None:
        conds.append(AuditEntry.created_at >= ctx.since)
    if ctx.until is not None:
        conds.append(AuditEntry.created_at < ctx.until + timedelta(minutes=1))
    out: dict[int, tuple[str | None, int, Any, str]] = {}
    rows = db.session.execute(select(AuditEntry.subject, AuditEntry.payload).where(*conds)
                              .execution_options(yield_per=5000))
    for subject, payload in rows:
        if payload is None:  # reduced to its hash by retention
            continue
        p = json.loads(payload)
        if isinstance(p.get("event"), int):
            out[p["event"]] = (subject, p.get("notice_version"), p.get("choices"), p.get("method"))
    return out
