"""A subject's marketing state as the admin API, the customer pages and access exports show
it: the effective answer per purpose and channel (with the basis that allows it), the
prohibitions in force (by kind), the customer relationship and the history of changes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from service.domain.audit.canonical import iso_utc
from service.domain.marketing import kinds, relationships
from service.domain.marketing.kinds import ProhibitionKind
from service.domain.marketing.permissions import outcome_of, rows_of
from service.domain.marketing.states import NO_STATE, Outcome
from service.domain.marketing.terms import current_terms
from service.extensions import db
from service.models import MarketingEvent, Site, Subject


def permission_views(site: Site, subject: Subject) -> list[dict[str, Any]]:
    """Every stored row plus the effective answer for each concrete purpose x channel of
    the current notice, today."""
    rows = rows_of(subject)
    tuples = [(p, c, r.state, r.prohibited) for (p, c), r in rows.items()]
    terms = current_terms(site)
    restricted = subject.restricted_at is not None
    customer = relationships.of(subject).active_on(relationships.today())
    out = []
    for p, basis in terms.purposes.items():
        for c in terms.channels:
            row = rows.get((p, c))
            code = outcome_of(tuples, p, c, restricted, basis, customer)
            allowed_by = code.basis
            out.append({
                "purpose": p, "channel": c, "basis": basis.value,
                "state": row.state if row else NO_STATE,
                "prohibited": code == Outcome.PROHIBITED, "may_contact": allowed_by is not None,
                "reason": None if allowed_by is not None else code.reason,
                "allowed_by": allowed_by.value if allowed_by is not None else None,
                "source": row.source if row else None,
                "notice_version": row.notice_version if row else None,
                "granted_at": iso_utc(row.granted_at) if row and row.granted_at else None,
                "confirmed_at": iso_utc(row.confirmed_at) if row and row.confirmed_at else None,
                "withdrawn_at": iso_utc(row.withdrawn_at) if row and row.withdrawn_at else None,
            })
    return out


def prohibitions_of(subject: Subject) -> list[dict[str, str]]:
    """The prohibitions in force as their rows (a kind's row: kinds.row_key)."""
    return [{"purpose": p, "channel": c} for (p, c), r in sorted(rows_of(subject).items())
            if r.prohibited]


def kinds_in_force(subject: Subject) -> list[ProhibitionKind]:
    """The kinds of prohibition in force, in the kinds' order."""
    held = {kinds.kind_of_row(p, c) for (p, c), r in rows_of(subject).items() if r.prohibited}
    return [kind for kind in ProhibitionKind if kind in held]


def history(subject: Subject) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(MarketingEvent).where(MarketingEvent.subject_id == subject.id)
        .order_by(MarketingEvent.id)
    ).scalars()
    return [{"purpose": e.purpose, "channel": e.channel, "change": e.change, "actor": e.actor,
             "source": e.source, "notice_version": e.notice_version, "ip_prefix": e.ip_prefix,
             "evidence": e.evidence, "at": iso_utc(e.created_at)} for e in rows]
