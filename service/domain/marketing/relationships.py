"""Customer relationships: the days a subject is a customer, which a customer-relationship
(soft opt-in) purpose needs before it may contact them.

A relationship is active on day D when it started on or before D and has no end or ended
after D (the end is the first day not a customer). Days are UTC dates. Every change is an
event (`relationship`, with the days as its evidence, so the promise report can replay what
was in force when a check answered), audited without identifiers, and bumps the site's
marketing generation in the same transaction: no cached answer outlives it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from service.domain import audit
from service.domain.marketing.permissions import ANY, SOURCE_RE, bump_generation
from service.domain.marketing.subjects import pseudonym
from service.errors import InvalidInput
from service.extensions import db
from service.models import MarketingEvent, Site, Subject
from service.models.types import utcnow

CHANGE = "relationship"  # the event's change


@dataclass(frozen=True)
class Relationship:
    start: date | None
    end: date | None

    def active_on(self, day: date) -> bool:
        return is_active(self.start, self.end, day)

    def as_dict(self, day: date | None = None) -> dict[str, Any]:
        return {"start": self.start.isoformat() if self.start else None,
                "end": self.end.isoformat() if self.end else None,
                "active": self.active_on(day or today())}


def today() -> date:
    """The day a relationship is judged on (UTC)."""
    return utcnow().date()


def is_active(start: date | None, end: date | None, day: date) -> bool:
    return start is not None and start <= day and (end is None or day < end)


def of(subject: Subject) -> Relationship:
    return Relationship(subject.relationship_start, subject.relationship_end)


def validate(start: date | None, end: date | None, source: str) -> None:
    errors: dict[str, list[str]] = {}
    if end is not None and start is None:
        errors["start"] = ["a relationship that ends must have a start"]
    if start is not None and end is not None and end < start:
        errors["end"] = ["must not be before the start"]
    if not SOURCE_RE.match(source or ""):
        errors["source"] = ["1-64 lowercase letters, digits or _.:-"]
    if errors:
        raise InvalidInput("The customer relationship is not valid.", errors)


def set_relationship(site: Site, subject: Subject, start: date | None, end: date | None,
                     actor: str, source: str) -> bool:
    """Set (or, with neither day, end the record of) the subject's customer relationship;
    False when it was already so (then nothing is recorded)."""
    validate(start, end, source)
    # the same lock as permission writes: one change of a subject at a time
    db.session.execute(select(Subject.id).where(Subject.id == subject.id).with_for_update())
    if (subject.relationship_start, subject.relationship_end) == (start, end):
        return False
    subject.relationship_start, subject.relationship_end = start, end
    days = Relationship(start, end).as_dict()
    del days["active"]
    db.session.add(MarketingEvent(
        site_id=site.id, subject_id=subject.id, purpose=ANY, channel=ANY, change=CHANGE,
        actor=actor, source=source, evidence=days, created_at=utcnow()))
    db.session.flush()
    audit.append(site, actor, "subject.relationship", {**days, "source": source},
                 subject=pseudonym(subject))
    bump_generation(site)
    return True


def replay(events: list[tuple[str, dict[str, Any]]]) -> Relationship:
    """The relationship after these (change, evidence) events, oldest first."""
    current = Relationship(None, None)
    for change, evidence in events:
        if change == CHANGE:
            current = Relationship(_day(evidence.get("start")), _day(evidence.get("end")))
    return current


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None
