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
from service.domain.marketing import subjects
from service.domain.marketing.identifiers import InvalidIdentifier, normalise
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


NUMBER_HEADERS = ("customer_number", "asiakasnumero", "kundnummer")
START_HEADERS = ("start", "alku", "början")
END_HEADERS = ("end", "loppu", "slut")


def parse_customers(rows: list[list[str]]) -> tuple[list[tuple[str, date | None, date | None]],
                                                    dict[int, str]]:
    """A CSV of customers (customer number, start, end; ISO days; an optional header row in
    English, Finnish or Swedish) -> the valid rows and, by 1-based line, what is wrong with
    the others (never echoing an identifier)."""
    columns: tuple[int, ...] = (0, 1, 2)
    first = 1
    if rows and rows[0] and rows[0][0].strip().lower() in NUMBER_HEADERS:
        names = [c.strip().lower() for c in rows[0]]
        columns = tuple(next((i for i, n in enumerate(names) if n in group), -1)
                        for group in (NUMBER_HEADERS, START_HEADERS, END_HEADERS))
        rows, first = rows[1:], 2
    valid: list[tuple[str, date | None, date | None]] = []
    errors: dict[int, str] = {}
    for line, row in enumerate(rows, start=first):
        cells = [row[i].strip() if 0 <= i < len(row) else "" for i in columns]
        try:
            number = normalise("customer_number", cells[0])
            start, end = _day(cells[1]), _day(cells[2])
            validate(start, end, "import")
        except (InvalidIdentifier, ValueError) as exc:
            errors[line] = "not a customer number" if isinstance(exc, InvalidIdentifier) \
                else "days must be YYYY-MM-DD"
            continue
        except InvalidInput as exc:
            errors[line] = "; ".join(f"{k}: {', '.join(v)}"
                                     for k, v in (exc.errors or {}).items())
            continue
        valid.append((number, start, end))
    return valid, errors


def import_customer(site: Site, number: str, start: date | None, end: date | None,
                    actor: str, source: str) -> tuple[bool, bool]:
    """Find or create the subject of a customer number and set its relationship ->
    (subject created, relationship changed)."""
    subject, created = subjects.find_or_create(site, {"customer_number": number}, actor)
    return created, set_relationship(site, subject, start, end, actor, source)
