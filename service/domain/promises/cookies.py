"""Cookie promises: analytics and marketing only after the visitor's consent: the records of
choices as a whole, and one promise per category of type analytics or marketing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from service.domain.audit.canonical import iso_utc
from service.domain.consent.methods import may_grant
from service.domain.promises.base import (
    BROKEN,
    HOLDS,
    NOT_APPLICABLE,
    PromiseResult,
    ReportContext,
)
from service.extensions import db
from service.models import AuditEntry, ConsentEvent, NoticeVersion

OPTIONAL_TRACKING = ("analytics", "marketing")


@dataclass
class Choice:
    """One recorded choice and what is wrong with its record (not with what it grants)."""

    ev: dict[str, Any]
    choices: dict[str, Any]
    method: str
    problems: list[tuple[str, str]] = field(default_factory=list)  # (counter, problem)


def _scan(ctx: ReportContext) -> list[Choice]:
    """Every choice of the period with the problems of its record, read once per report."""
    if "consent_scan" in ctx.cache:
        return list(ctx.cache["consent_scan"])
    published = {
        n: (at, {c["key"] for c in data["cookie_categories"]})
        for n, at, data in db.session.execute(
            select(NoticeVersion.number, NoticeVersion.published_at, NoticeVersion.data)
            .where(NoticeVersion.site_id == ctx.site.id)
        )
    }
    audited = _audited_consents(ctx)
    query = (
        select(ConsentEvent.id, ConsentEvent.visitor_id, ConsentEvent.notice_version,
               ConsentEvent.choices, ConsentEvent.method, ConsentEvent.created_at)
        .where(ConsentEvent.site_id == ctx.site.id, *ctx.in_period(ConsentEvent.created_at))
        .order_by(ConsentEvent.id)
        .execution_options(yield_per=5000)
    )
    out = []
    for eid, vid, version, choices, method, at in db.session.execute(query):
        c = Choice({"event": eid, "visitor": f"visitor:{vid}", "at": iso_utc(at),
                    "notice_version": version, "method": method}, choices, method)
        notice = published.get(version)
        if notice is None:
            c.problems.append(("no_notice", "names a notice version that was never published"))
        elif notice[0] > at:
            c.problems.append(("notice_not_yet_published",
                               "notice version was published after the choice"))
        elif set(choices) - notice[1]:
            c.problems.append(("unknown_category",
                               "choice for a category the notice does not have"))
        logged = audited.get(eid)
        if logged is None:
            c.problems.append(("no_audit_entry", "no consent.recorded audit entry"))
        elif logged != (f"visitor:{vid}", version, choices, method):
            c.problems.append(("audit_disagrees", "the audit entry records a different choice"))
        out.append(c)
    ctx.cache["consent_scan"] = out
    return list(out)


def consent_before_tracking(ctx: ReportContext) -> PromiseResult:
    """Analytics and marketing only after consent: every recorded choice names a notice version
    published before it, grants only by an affirmative choice, and has its audit entry."""
    r = PromiseResult("consent_before_tracking",
                      "Analytics and marketing cookies only after the visitor's consent",
                      "cookie_categories", HOLDS, "")
    counts = dict.fromkeys(("events", "grants", "refusals", "no_notice", "notice_not_yet_published",
                            "grant_without_choice", "unknown_category", "no_audit_entry",
                            "audit_disagrees"), 0)
    for c in _scan(ctx):
        counts["events"] += 1
        granted = [k for k in OPTIONAL_TRACKING if c.choices.get(k)]
        counts["grants" if granted else "refusals"] += 1
        problems = list(c.problems)
        if any(not may_grant(c.method, k) for k in granted):
            problems.append(("grant_without_choice",
                             f"grants {', '.join(granted)} under method {c.method!r}"))
        for counter, problem in problems:
            counts[counter] += 1
            r.add({**c.ev, "problem": problem})
    r.counts = counts
    r.status = NOT_APPLICABLE if not counts["events"] else BROKEN if r.evidence_total else HOLDS
    r.summary = (f"{counts['events']} recorded choices ({counts['grants']} with analytics or "
                 f"marketing granted); {r.evidence_total} problems")
    return r


def category_consent(ctx: ReportContext, category: dict[str, Any]) -> PromiseResult:
    """One category of type analytics or marketing only after consent: each choice granting it
    was made by a method that may grant its type, under a notice version in force then, and
    is in the audit log as recorded."""
    key, kind = category["key"], category["type"]
    r = PromiseResult(f"consent_before_tracking.{key}",
                      f"Cookies of the category {key!r} ({kind}) only after the visitor's consent",
                      f"cookie_categories.{key}", HOLDS, "")
    counts = {"choices": 0, "grants": 0, "refusals": 0, "grants_with_problems": 0}
    for c in _scan(ctx):
        if key not in c.choices:
            continue
        counts["choices"] += 1
        if not c.choices[key]:
            counts["refusals"] += 1
            continue
        counts["grants"] += 1
        problems = [p for _, p in c.problems]
        if not may_grant(c.method, kind):
            problems.insert(0, f"grants {key} under method {c.method!r}")
        if problems:
            counts["grants_with_problems"] += 1
            r.add({**c.ev, "problem": "; ".join(problems)})
    r.counts = counts
    r.status = NOT_APPLICABLE if not counts["choices"] else BROKEN if r.evidence_total else HOLDS
    r.summary = (f"{counts['choices']} choices about {key!r}: {counts['grants']} grants, "
                 f"{counts['grants_with_problems']} of them without a sound consent")
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
