"""Marketing promises: grants have evidence (and an e-mail grant for a consent purpose a
double opt-in), no "may contact" after an objection, and soft opt-in only to customers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from service.domain import marketing, notices
from service.domain.audit.canonical import iso_utc
from service.domain.marketing import kinds, relationships
from service.domain.promises.base import (
    BROKEN,
    HOLDS,
    MAX_EVIDENCE,
    NOT_APPLICABLE,
    PromiseResult,
    ReportContext,
)
from service.extensions import db
from service.models import CheckAnswer, MarketingCheck, MarketingEvent, MarketingPermission

State = marketing.PermissionState
_GRANT_CHANGES = (State.GRANTED, marketing.OptInStep.CONFIRMED)  # events that put a grant in force
_ALLOWING = [code.value for code in marketing.ALLOWING]


def _of_purpose(column: Any, purpose: str | None) -> list[Any]:
    return [] if purpose is None else [column == purpose]


def _consent_purposes(ctx: ReportContext) -> set[str] | None:
    """The purposes the latest notice rests on consent (None: no notice, judge them all)."""
    terms = marketing.terms_of(v.data, v.number) if (v := notices.latest_version(ctx.site)) \
        else None
    if terms is None:
        return None
    return {p for p, basis in terms.purposes.items() if basis == marketing.Basis.CONSENT}


def marketing_grants_have_evidence(ctx: ReportContext,
                                   purpose: str | None = None) -> PromiseResult:
    """Direct marketing only with explicit permission: each grant has its evidence (source,
    notice version) and an email grant for a consent purpose a double opt-in confirmation
    (a grant on a customer-relationship or unless-prohibited purpose needs none: the
    purpose does not rest on it)."""
    r = PromiseResult("marketing_grants_have_evidence",
                      "Direct marketing only with explicit, evidenced permission",
                      "marketing", HOLDS, "")
    versions = set(notices.version_numbers(ctx.site))
    counts = dict.fromkeys(("grants", "without_evidence", "email_grants",
                            "email_without_double_opt_in"), 0)
    grants = db.session.execute(
        select(MarketingEvent).where(MarketingEvent.site_id == ctx.site.id,
                                  MarketingEvent.change.in_(_GRANT_CHANGES),
                                  *_of_purpose(MarketingEvent.purpose, purpose),
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
                                          *_of_purpose(MarketingPermission.purpose, purpose),
                                          *ctx.in_period(MarketingPermission.granted_at))
    ).scalars()
    consent = _consent_purposes(ctx)
    for p in perms:
        if consent is not None and p.purpose not in consent:
            continue
        counts["email_grants"] += 1
        if p.confirmed_at is None:
            counts["email_without_double_opt_in"] += 1
            r.add({"subject_row": p.subject_id, "purpose": p.purpose, "channel": "email",
                   "granted_at": iso_utc(p.granted_at) if p.granted_at else None,
                   "problem": "email permission in force without a double opt-in confirmation"})
    r.counts = counts
    r.status = (NOT_APPLICABLE if not counts["grants"] and not counts["email_grants"]
                else BROKEN if r.evidence_total else HOLDS)
    r.summary = (f"{counts['grants']} grants, {counts['without_evidence']} without evidence, "
                 f"{counts['email_without_double_opt_in']} email grants not double opted in")
    return r


def allowing_answers(ctx: ReportContext) -> tuple[Sequence[Any], dict[int, list[Any]]]:
    """The period's "may contact" answers (subject row, check, purpose, channel, asked at) and
    each of their subjects' permission events in order, read once per report."""
    if "allowing_answers" in ctx.cache:
        cached: tuple[Sequence[Any], dict[int, list[Any]]] = ctx.cache["allowing_answers"]
        return cached
    answers: Sequence[Any] = db.session.execute(
        select(CheckAnswer.subject_id, MarketingCheck.public_id, MarketingCheck.purpose,
               MarketingCheck.channel, MarketingCheck.created_at)
        .join(MarketingCheck, MarketingCheck.id == CheckAnswer.check_id)
        .where(MarketingCheck.site_id == ctx.site.id, CheckAnswer.outcome.in_(_ALLOWING),
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
    ctx.cache["allowing_answers"] = (answers, history)
    return answers, history


def no_contact_after_objection(ctx: ReportContext, purpose: str | None = None) -> PromiseResult:
    """No pre-send check answered "may contact" after an acknowledged withdrawal or prohibition."""
    r = PromiseResult("no_contact_after_objection",
                      "No \"may contact\" after a withdrawal or prohibition", "marketing.rights",
                      HOLDS, "")
    answers, history = allowing_answers(ctx)
    answers = [a for a in answers if purpose is None or a[2] == purpose]
    counts = {"may_contact_answers": len(answers), "after_objection": 0}
    for subject_id, check_id, purpose, channel, asked_at in answers:
        objection = objection_in_force(history.get(subject_id, []), purpose, channel, asked_at)
        if objection is not None:
            counts["after_objection"] += 1
            r.add({"check": check_id, "subject_row": subject_id, "purpose": purpose,
                   "channel": channel, "asked_at": iso_utc(asked_at),
                   "objection": objection[0], "objection_at": iso_utc(objection[1])})
    r.counts = counts
    r.status = (NOT_APPLICABLE if not answers else BROKEN if r.evidence_total else HOLDS)
    r.summary = (f"{counts['may_contact_answers']} \"may contact\" answers, "
                 f"{counts['after_objection']} given after a withdrawal or prohibition")
    return r


def objection_in_force(events: list[Any], purpose: str, channel: str,
                        at: datetime) -> tuple[str, datetime] | None:
    """Replay a subject's events up to `at`: a withdrawal of (P, C) not followed by a new grant,
    a withdrawal of a covering `*` row (an opt-out of every purpose or channel) with no grant
    of (P, C) in force, or a prohibition covering (P, C) not lifted, is an objection in force
    (marketing.outcome_of's fold, replayed)."""
    exact: tuple[str, datetime] | None = None  # the (P, C) row's last change
    covering: datetime | None = None  # a covering `*` row's withdrawal: it stays withdrawn
    prohibitions: dict[tuple[str, str], datetime] = {}
    for _, p, c, change, when in events:
        if when > at:
            break
        covers = kinds.row_covers(p, c, purpose, channel)
        if change == State.PROHIBITED and covers:
            prohibitions[(p, c)] = when
        elif change == marketing.PROHIBITION_LIFTED:
            prohibitions.pop((p, c), None)
        elif (p, c) == (purpose, channel):
            if change == State.WITHDRAWN or change in _GRANT_CHANGES:
                exact = (change, when)
        elif (change == State.WITHDRAWN and p in (marketing.ANY, purpose)
              and c in (marketing.ANY, channel) and covering is None):
            covering = when
    if prohibitions:
        return State.PROHIBITED.value, min(prohibitions.values())
    if exact is not None and exact[0] in _GRANT_CHANGES:
        return None
    if covering is not None:
        return State.WITHDRAWN.value, covering if exact is None else min(covering, exact[1])
    return (State.WITHDRAWN.value, exact[1]) if exact is not None else None


def soft_opt_in_only_to_customers(ctx: ReportContext,
                                  purpose: str | None = None) -> PromiseResult:
    """Soft opt-in (a customer-relationship purpose) contacts only customers whose
    relationship was active on the day asked: each "may contact" given on that basis is
    judged against the relationship in force then (replayed from its events)."""
    r = PromiseResult("soft_opt_in_only_to_customers",
                      "Customer-relationship marketing only to active customers",
                      "marketing.purposes.basis", HOLDS, "")
    answers: Sequence[Any] = db.session.execute(
        select(CheckAnswer.subject_id, MarketingCheck.public_id, MarketingCheck.purpose,
               MarketingCheck.channel, MarketingCheck.created_at)
        .join(MarketingCheck, MarketingCheck.id == CheckAnswer.check_id)
        .where(MarketingCheck.site_id == ctx.site.id,
               CheckAnswer.outcome == marketing.Outcome.ALLOWED_CUSTOMER_RELATIONSHIP,
               *_of_purpose(MarketingCheck.purpose, purpose),
               CheckAnswer.subject_id.is_not(None), *ctx.in_period(MarketingCheck.created_at))
        .order_by(CheckAnswer.subject_id)
    ).all()
    events: dict[int, list[Any]] = {}
    ids = sorted({a[0] for a in answers})
    for start in range(0, len(ids), 500):
        for sid, change, evidence, at in db.session.execute(
            select(MarketingEvent.subject_id, MarketingEvent.change, MarketingEvent.evidence,
                   MarketingEvent.created_at)
            .where(MarketingEvent.subject_id.in_(ids[start:start + 500]),
                   MarketingEvent.change == relationships.CHANGE).order_by(MarketingEvent.id)
        ):
            events.setdefault(sid, []).append((change, evidence, at))
    counts = {"soft_opt_in_answers": len(answers), "not_a_customer": 0}
    for subject_id, check_id, purpose, channel, asked_at in answers:
        then = relationships.replay([(c, e) for c, e, at in events.get(subject_id, [])
                                     if at <= asked_at])
        if not then.active_on(asked_at.date()):
            counts["not_a_customer"] += 1
            r.add({"check": check_id, "subject_row": subject_id, "purpose": purpose,
                   "channel": channel, "asked_at": iso_utc(asked_at),
                   "relationship": then.as_dict(asked_at.date())})
    r.counts = counts
    r.status = NOT_APPLICABLE if not answers else BROKEN if r.evidence_total else HOLDS
    r.summary = (f"{counts['soft_opt_in_answers']} \"may contact\" answers on the customer "
                 f"relationship, {counts['not_a_customer']} to someone not a customer then")
    return r


# What a purpose's basis promises, checked over that purpose alone: a consent purpose only
# with evidenced (and for e-mail double opted-in) grants; a customer-relationship purpose only
# to customers; each of them, and an unless-prohibited purpose, never after an objection.
_BY_BASIS = {
    marketing.Basis.CONSENT: (marketing_grants_have_evidence, no_contact_after_objection),
    marketing.Basis.CUSTOMER_RELATIONSHIP: (soft_opt_in_only_to_customers,
                                            no_contact_after_objection),
    marketing.Basis.UNLESS_PROHIBITED: (no_contact_after_objection,),
}
_TITLES = {
    marketing.Basis.CONSENT: "only with consent, never after a withdrawal",
    marketing.Basis.CUSTOMER_RELATIONSHIP: "only to active customers, never after an objection",
    marketing.Basis.UNLESS_PROHIBITED: "never after a prohibition",
}


def purpose_kept(ctx: ReportContext, purpose: str, basis: str) -> PromiseResult:
    """One marketing purpose of the notice, judged by what its basis promises: the checks of
    _BY_BASIS over this purpose's grants and answers, merged (broken if one is, not
    applicable if all are)."""
    parts = [check(ctx, purpose=purpose) for check in _BY_BASIS[marketing.Basis(basis)]]
    r = PromiseResult(f"marketing.{purpose}",
                      f"Marketing purpose {purpose}: {_TITLES[marketing.Basis(basis)]}",
                      f"marketing.purposes.{purpose}", HOLDS, "")
    for part in parts:
        r.counts.update(part.counts)
        r.evidence_total += part.evidence_total
        r.evidence.extend(part.evidence[:max(0, MAX_EVIDENCE - len(r.evidence))])
    statuses = {part.status for part in parts}
    r.status = (BROKEN if BROKEN in statuses else NOT_APPLICABLE if statuses == {NOT_APPLICABLE}
                else HOLDS)
    r.summary = f"basis {basis}: " + "; ".join(part.summary for part in parts)
    return r
