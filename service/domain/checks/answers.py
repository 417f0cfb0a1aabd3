"""What a check answers: one outcome code as "may contact" and a reason, and every answer
ever given about a subject (for the subject's access request and the auditor)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from service.domain import marketing
from service.domain.audit.canonical import iso_utc
from service.extensions import db
from service.models import CheckAnswer, MarketingCheck, Subject


def verdict(code: int) -> dict[str, Any]:
    """An outcome code as the answer's `may_contact`, `reason` (None when allowed) and
    `basis` (what allowed the contact: consent, customer_relationship, unless_prohibited;
    None when not allowed)."""
    basis = marketing.Outcome(code).basis
    allowed = basis is not None
    return {"may_contact": allowed, "reason": None if allowed else marketing.OUTCOMES[code],
            "basis": basis.value if basis is not None else None}


def result(recipient: str, code: int) -> dict[str, Any]:
    """The answer about one recipient of a check."""
    return {"recipient": recipient, **verdict(code)}


def answers_about(subject: Subject, limit: int = 1000) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(MarketingCheck.public_id, MarketingCheck.purpose, MarketingCheck.channel,
               MarketingCheck.actor, MarketingCheck.created_at, CheckAnswer.outcome)
        .join(MarketingCheck, MarketingCheck.id == CheckAnswer.check_id)
        .where(CheckAnswer.subject_id == subject.id, MarketingCheck.site_id == subject.site_id)
        .order_by(CheckAnswer.check_id, CheckAnswer.position)
        .limit(limit)
    )
    return [{"check_id": pid, "purpose": p, "channel": c, "actor": actor,
             "asked_at": iso_utc(at), **verdict(code)}
            for pid, p, c, actor, at, code in rows]
