"""Marketing promises: grants have evidence, and no "may contact" after an objection."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from service.domain import marketing, notices
from service.domain.audit.canonical import iso_utc
from service.domain.promises.base import BROKEN, HOLDS, PromiseResult, ReportContext
from service.extensions import db
from service.models import CheckAnswer, MarketingCheck, MarketingEvent, MarketingPermission

State = marketing.PermissionState
_GRANT_CHANGES = (State.GRANTED, marketing.OptInStep.CONFIRMED)  # events that put a grant in force


def marketing_grants_have_evidence(ctx: ReportContext) -> PromiseResult:
    """Direct marketing only with explicit permission: each grant has its evidence (source,
    notice version) and an email grant a double opt-in confirmation."""
    r = PromiseResult("marketing_grants_have_evidence",
                      "Direct marketing only with explicit, evidenced permission",
                      "marketing", HOLDS, "")
    versions = set(notices.version_numbers(ctx.site))
    counts = dict.fromkeys(("grants", "without_evidence", "email_grants",
                            "email_without_double_opt_in"), 0)
    grants = db.session.execute(
        select(MarketingEvent).where(MarketingEvent.site_id == ctx.site.id,
                                  MarketingEvent.change.in_(_GRANT_CHANGES),
                                  *ctx.in_period(MarketingEvent.created_at))
        .order_by(MarketingEvent.id)
    ).scalars()
    for e in grants:
        counts["grants"] += 1
        ev = {"event": e.id, "subject_row": e.subject_id, "purpose": e.purpose,
              "channel": e.channel, "at": iso_utc(e.created_at)}
        if not e.source or e.notice_version not in versions:
            counts["without_evidence"] += 1
            r.add({**ev, "problem": "grant without source or published notice version"})
    perms = db.session.execute(
        select(MarketingPermission).where(MarketingPermission.site_id == ctx.site.id,
                                          MarketingPermission.state == State.GRANTED,
                                          MarketingPermission.channel == "email",
                                          *ctx.in_period(MarketingPermission.granted_at))
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
    answers: Sequence[Any] = db.session.execute(
        select(CheckAnswer.subject_id, MarketingCheck.public_id, MarketingCheck.purpose,
               MarketingCheck.channel, MarketingCheck.created_at)
        .join(MarketingCheck, MarketingCheck.id == CheckAnswer.check_id)
        .where(MarketingCheck.site_id == ctx.site.id, CheckAnswer.outcome == marketing.ALLOWED,
               CheckAnswer.subject_id.is_not(None), *ctx.in_period(MarketingCheck.created_at))
        .order_by(CheckAnswer.subject_id)
    ).all()
    history: dict[int, list[Any]] = {}
    subject_ids = sorted({a[0] for a in answers})
    for start in range(0, len(subject_ids), 500):
        chunk = subject_ids[start:start + 500]
        for e in db.session.execute(
            select(MarketingEvent.subject_id, MarketingEvent.purpose, MarketingEvent.channel,
                   MarketingEvent.change, MarketingEvent.created_at)
            .where(MarketingEvent.subject_id.in_(chunk)).order_by(MarketingEvent.id)
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
        if change == State.PROHIBITED and covers:
            prohibitions[(p, c)] = when
        elif change == marketing.PROHIBITION_LIFTED:
            prohibitions.pop((p, c), None)
        elif (p, c) == (purpose, channel):
            if change == State.WITHDRAWN:
                withdrawn = (State.WITHDRAWN.value, when)
            elif change in _GRANT_CHANGES:
                withdrawn = None
    if prohibitions:
        return State.PROHIBITED.value, min(prohibitions.values())
    return withdrawn
