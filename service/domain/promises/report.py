"""The promise report: each promise of the notice that software can check, as holds or broken.

Each promise is one small function taking a `ReportContext` and returning a `PromiseResult`
with counts and evidence (pseudonymous ids only). A promise whose data does not exist yet
(no marketing tables, no data-subject requests) is `not_applicable`, never silently `holds`.
Period-bound promises look at records made in [since, until); state promises (chain,
retention) look at the database as it is now.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from service import models
from service.domain import audit, notices, retention
from service.domain.audit.canonical import iso_utc
from service.extensions import db
from service.models import AuditEntry, ConsentEvent, NoticeVersion, Site
from service.models.types import utcnow

HOLDS, BROKEN, NOT_APPLICABLE = "holds", "broken", "not_applicable"
MAX_EVIDENCE = 20
GRANTING_METHODS = ("accept_all", "custom")  # plus "gpc", which may grant all but marketing
OPTIONAL_TRACKING = ("analytics", "marketing")
ONE_MONTH = timedelta(days=30)  # GDPR art. 12(3): "within one month of receipt"


@dataclass
class ReportContext:
    site: Site
    since: datetime | None
    until: datetime | None
    now: datetime

    def in_period(self, column: Any) -> list[Any]:
        conds = []
        if self.since is not None:
            conds.append(column >= self.since)
        if self.until is not None:
            conds.append(column < self.until)
        return conds


@dataclass
class PromiseResult:
    key: str
    title: str
    notice: str  # where the promise is made in the notice
    status: str
    summary: str
    counts: dict[str, int] = field(default_factory=dict)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    evidence_total: int = 0

    def add(self, item: dict[str, Any]) -> None:
        self.evidence_total += 1
        if len(self.evidence) < MAX_EVIDENCE:
            self.evidence.append(item)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "title": self.title, "notice": self.notice, "status": self.status,
            "summary": self.summary, "counts": self.counts, "evidence": self.evidence,
            "evidence_total": self.evidence_total,
        }


def _model(name: str) -> Any:
    """A model that another part of the service may not have added yet (None then)."""
    return getattr(models, name, None)


# --- the promises ---------------------------------------------------------------------------
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
        if granted and not (method in GRANTING_METHODS
                            or (method == "gpc" and "marketing" not in granted)):
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


def chain_verifies(ctx: ReportContext) -> PromiseResult:
    """The audit log is whole: every entry, link and signed checkpoint verifies."""
    result = audit.verify_site(ctx.site)
    r = PromiseResult("chain_verifies", "The audit log has not been altered", "security",
                      HOLDS if result.ok else BROKEN,
                      f"{result.entries} entries, {result.checkpoints_checked} signed checkpoints "
                      f"matched, {result.problem_count} problems",
                      {"entries": result.entries, "checkpoints": result.checkpoints_checked,
                       "problems": result.problem_count})
    for p in result.problems:
        r.add(p.as_dict())
    r.evidence_total = result.problem_count
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


def requests_answered_in_time(ctx: ReportContext) -> PromiseResult:
    """Data-subject requests are completed within one month of receipt."""
    r = PromiseResult("requests_answered_in_time",
                      "Data-subject requests are answered within one month", "rights", HOLDS, "")
    request_model = _model("SubjectRequest")
    if request_model is None:
        r.status, r.summary = NOT_APPLICABLE, "data-subject requests are not recorded yet"
        return r
    counts = dict.fromkeys(("requests", "completed", "late", "open_overdue", "open"), 0)
    rows = db.session.execute(
        select(request_model).where(request_model.site_id == ctx.site.id,
                                    *ctx.in_period(request_model.received_at))
    ).scalars()
    for req in rows:
        counts["requests"] += 1
        deadline = req.received_at + ONE_MONTH
        ev = {"request": req.public_id, "kind": req.kind, "received_at": iso_utc(req.received_at),
              "deadline": iso_utc(deadline)}
        if req.completed_at is not None:
            counts["completed"] += 1
            if req.completed_at > deadline:
                counts["late"] += 1
                r.add({**ev, "completed_at": iso_utc(req.completed_at), "problem": "late"})
        else:
            counts["open"] += 1
            if ctx.now > deadline:
                counts["open_overdue"] += 1
                r.add({**ev, "problem": "open past its deadline"})
    r.counts = counts
    r.status = BROKEN if r.evidence_total else HOLDS
    r.summary = (f"{counts['requests']} requests, {counts['late']} answered late, "
                 f"{counts['open_overdue']} open past the deadline")
    return r


def marketing_grants_have_evidence(ctx: ReportContext) -> PromiseResult:
    """Direct marketing only with explicit permission: each grant has its evidence (source,
    notice version) and an email grant a double opt-in confirmation."""
    r = PromiseResult("marketing_grants_have_evidence",
                      "Direct marketing only with explicit, evidenced permission",
                      "marketing", HOLDS, "")
    event_model, perm_model = _model("MarketingEvent"), _model("MarketingPermission")
    if event_model is None or perm_model is None:
        r.status, r.summary = NOT_APPLICABLE, "marketing permissions are not recorded yet"
        return r
    versions = set(notices.version_numbers(ctx.site))
    counts = dict.fromkeys(("grants", "without_evidence", "email_grants",
                            "email_without_double_opt_in"), 0)
    grants = db.session.execute(
        select(event_model).where(event_model.site_id == ctx.site.id,
                                  event_model.change.in_(("granted", "confirmed")),
                                  *ctx.in_period(event_model.created_at))
        .order_by(event_model.id)
    ).scalars()
    for e in grants:
        counts["grants"] += 1
        ev = {"event": e.id, "subject_row": e.subject_id, "purpose": e.purpose,
              "channel": e.channel, "at": iso_utc(e.created_at)}
        if not e.source or e.notice_version not in versions:
            counts["without_evidence"] += 1
            r.add({**ev, "problem": "grant without source or published notice version"})
    perms = db.session.execute(
        select(perm_model).where(perm_model.site_id == ctx.site.id, perm_model.state == "granted",
                                 perm_model.channel == "email",
                                 *ctx.in_period(perm_model.granted_at))
    ).scalars()
    for p in perms:
        counts["email_grants"] += 1
        if p.confirmed_at is None:
            counts["email_without_double_opt_in"] += 1
            r.add({"subject_row": p.subject_id, "purpose": p.purpose, "channel": "email",
                   "granted_at": iso_utc(p.granted_at) if p.granted_at else None,
                   "problem": "email permission in force without a double opt-in confirmation"})
    r.counts = counts
    r.status = BROKEN if r.evidence_total else HOLDS
    r.summary = (f"{counts['grants']} grants, {counts['without_evidence']} without evidence, "
                 f"{counts['email_without_double_opt_in']} email grants not double opted in")
    return r


def no_contact_after_objection(ctx: ReportContext) -> PromiseResult:
    """No pre-send check answered "may contact" after an acknowledged withdrawal or prohibition."""
    r = PromiseResult("no_contact_after_objection",
                      "No \"may contact\" after a withdrawal or prohibition", "marketing.rights",
                      HOLDS, "")
    check_model, answer_model, event_model = (_model("MarketingCheck"), _model("CheckAnswer"),
                                              _model("MarketingEvent"))
    if check_model is None or answer_model is None or event_model is None:
        r.status, r.summary = NOT_APPLICABLE, "pre-send checks are not recorded yet"
        return r
    allowed_code = 0  # marketing.ALLOWED
    answers = db.session.execute(
        select(answer_model.subject_id, check_model.public_id, check_model.purpose,
               check_model.channel, check_model.created_at)
        .join(check_model, check_model.id == answer_model.check_id)
        .where(check_model.site_id == ctx.site.id, answer_model.outcome == allowed_code,
               answer_model.subject_id.is_not(None), *ctx.in_period(check_model.created_at))
        .order_by(answer_model.subject_id)
    ).all()
    history: dict[int, list[Any]] = {}
    subject_ids = sorted({a[0] for a in answers})
    for start in range(0, len(subject_ids), 500):
        chunk = subject_ids[start:start + 500]
        for e in db.session.execute(
            select(event_model.subject_id, event_model.purpose, event_model.channel,
                   event_model.change, event_model.created_at)
            .where(event_model.subject_id.in_(chunk)).order_by(event_model.id)
        ):
            history.setdefault(e[0], []).append(e)
    counts = {"may_contact_answers": len(answers), "after_objection": 0}
    for subject_id, check_id, purpose, channel, asked_at in answers:
        objection = _objection_in_force(history.get(subject_id, []), purpose, channel, asked_at)
        if objection is not None:
            counts["after_objection"] += 1
            r.add({"check": check_id, "subject_row": subject_id, "purpose": purpose,
                   "channel": channel, "asked_at": iso_utc(asked_at),
                   "objection": objection[0], "objection_at": iso_utc(objection[1])})
    r.counts = counts
    r.status = BROKEN if r.evidence_total else HOLDS
    r.summary = (f"{counts['may_contact_answers']} \"may contact\" answers, "
                 f"{counts['after_objection']} given after a withdrawal or prohibition")
    return r


def _objection_in_force(events: list[Any], purpose: str, channel: str,
                        at: datetime) -> tuple[str, datetime] | None:
    """Replay a subject's events up to `at`: a withdrawal of (P, C) not followed by a new grant,
    or a prohibition covering (P, C) not lifted, is an objection in force."""
    withdrawn: tuple[str, datetime] | None = None
    prohibitions: dict[tuple[str, str], datetime] = {}
    for _, p, c, change, when in events:
        if when > at:
            break
        covers = p in ("*", purpose) and c in ("*", channel)
        if change == "prohibited" and covers:
            prohibitions[(p, c)] = when
        elif change == "prohibition_lifted":
            prohibitions.pop((p, c), None)
        elif (p, c) == (purpose, channel):
            if change == "withdrawn":
                withdrawn = ("withdrawn", when)
            elif change in ("granted", "confirmed"):
                withdrawn = None
    if prohibitions:
        return "prohibited", min(prohibitions.values())
    return withdrawn


Promise = Callable[[ReportContext], PromiseResult]
PROMISES: tuple[Promise, ...] = (
    consent_before_tracking,
    marketing_grants_have_evidence,
    no_contact_after_objection,
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
