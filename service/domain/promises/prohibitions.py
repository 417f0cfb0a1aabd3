"""Prohibition promises, one per kind the notice offers (`marketing.prohibitions`): no
pre-send check answered "may contact" for a purpose and channel that kind covers after the
subject set a prohibition of that kind (not lifted before the question), replayed from the
permission events with the same replay as `no_contact_after_objection`."""

from __future__ import annotations

from service.domain.audit.canonical import iso_utc
from service.domain.marketing import kinds
from service.domain.promises.base import (
    BROKEN,
    HOLDS,
    NOT_APPLICABLE,
    PromiseResult,
    ReportContext,
)
from service.domain.promises.marketing import allowing_answers, objection_in_force


def prohibition_honoured(ctx: ReportContext, kind: str) -> PromiseResult:
    """No "may contact" after a prohibition of `kind`: each allowing answer for a purpose and
    channel the kind covers is replayed against the subject's prohibitions of that kind."""
    r = PromiseResult(f"prohibition.{kind}",
                      f"No \"may contact\" after a {kind.replace('_', ' ')} prohibition",
                      f"marketing.prohibitions.{kind}", HOLDS, "")
    try:
        known = kinds.ProhibitionKind(kind)
    except ValueError:
        r.status, r.summary = NOT_APPLICABLE, f"Lupa knows no prohibition of the kind {kind!r}"
        return r
    answers, history = allowing_answers(ctx)
    counts = {"covered_answers": 0, "after_prohibition": 0}
    for subject_id, check_id, purpose, channel, asked_at in answers:
        if not kinds.covers(known, purpose, channel):
            continue
        counts["covered_answers"] += 1
        own = [e for e in history.get(subject_id, []) if kinds.kind_of_row(e[1], e[2]) == known]
        objection = objection_in_force(own, purpose, channel, asked_at)
        if objection is not None:
            counts["after_prohibition"] += 1
            r.add({"check": check_id, "subject_row": subject_id, "purpose": purpose,
                   "channel": channel, "asked_at": iso_utc(asked_at),
                   "prohibited_at": iso_utc(objection[1])})
    r.counts = counts
    r.status = (NOT_APPLICABLE if not counts["covered_answers"]
                else BROKEN if r.evidence_total else HOLDS)
    r.summary = (f"{counts['covered_answers']} \"may contact\" answers this prohibition covers, "
                 f"{counts['after_prohibition']} given after the subject set it")
    return r
