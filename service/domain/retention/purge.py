"""Retention: the per-site rules of the current notice and the purge that enforces them.

Decisions (see docs/audit.md):
- The rules are read from the site's current notice (`[[retention]]`, key and months or
  years; docs/notice-format.md). Rules with other keys cover data Lupa does not hold: the
  purge reports them as kept outside Lupa (rules_outside_lupa) and touches nothing.
- `visitor_consent`: every consent event older than N months is deleted, a visitor's latest
  one included. The notice promises the choice is kept "N months from when the choice was
  made. After that we ask for your choice again", so keeping the latest would break it; the
  widget's cookie lives no longer, so the visitor is simply asked again.
- `checks`: pre-send checks and their answers older than N months are deleted.
- `marketing_evidence`: a permission that is no longer in force (withdrawn, or a lifted
  prohibition; never one that is granted, pending or prohibited) is deleted with its history
  of changes and their evidence N months after its last change. Checks then answer
  "no_permission" instead of "withdrawn" for it, which is what remains true. A withdrawal
  that is an objection still in force is kept: one of every purpose (`*`, which also covers
  purposes the notice adds later) or of a purpose whose basis needs no grant (customer
  relationship, unless prohibited), since without it the subject could be contacted again.
- `audit_payload`: payloads of format-2 audit entries older than N months are set to NULL;
  their SHA-256 stays in `payload_hash`, which is what the entry hash covers, so the chain
  still verifies (format-1 entries from before cannot be reduced and are kept whole).
- Deletion runs in batches; each batch deletes and appends one `retention.purged` audit entry
  (counts, id range, cutoff; no personal data) in the same transaction, committed by the caller.
  The audit entries of purged records stay: they hold pseudonyms only and have their own rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, tuple_

from service import models
from service.domain import audit, marketing, notices
from service.domain.audit import reduction
from service.domain.audit.canonical import iso_utc
from service.extensions import db
from service.models import AuditEntry, ConsentEvent, MarketingEvent, Site
from service.models import MarketingPermission as Perm

VISITOR_CONSENT = "visitor_consent"
CHECKS = "checks"
MARKETING_EVIDENCE = "marketing_evidence"
AUDIT_PAYLOAD = "audit_payload"
RULES = (VISITOR_CONSENT, CHECKS, MARKETING_EVIDENCE, AUDIT_PAYLOAD)
BATCH = 5000


def _rules(site: Site) -> list[dict[str, Any]]:
    """The current notice's retention rules (format 2 shape, whatever format was published)."""
    version = notices.latest_version(site)
    if version is None:
        return []
    return list(notices.as_format_2(version.data).get("retention") or [])


def rule_months(site: Site, key: str) -> int | None:
    """Months the current notice keeps `key` for; None when it sets no such fixed period."""
    for rule in _rules(site):
        if rule.get("key") == key:
            if "years" in rule:
                return int(rule["years"]) * 12
            return int(rule["months"]) if "months" in rule else None
    return None


def rules_outside_lupa(site: Site) -> list[dict[str, Any]]:
    """The current notice's rules over data Lupa does not hold (bookkeeping, applications...):
    shown and reported as kept outside Lupa, never enforced nor reported as holding."""
    return [rule for rule in _rules(site) if rule.get("key") not in RULES]


def cutoff(now: datetime, months: int) -> datetime:
    """The same wall-clock moment `months` calendar months earlier (day clamped to the month)."""
    total = now.year * 12 + (now.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    days = [31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28,
            31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return now.replace(year=year, month=month, day=min(now.day, days))


@dataclass
class Overdue:
    count: int
    oldest: datetime | None


def overdue_consents(site: Site, before: datetime) -> Overdue:
    count, oldest = db.session.execute(
        select(func.count(), func.min(ConsentEvent.created_at))
        .where(ConsentEvent.site_id == site.id, ConsentEvent.created_at < before)
    ).one()
    if isinstance(oldest, datetime) and oldest.tzinfo is None:  # aggregate skips the type
        oldest = oldest.replace(tzinfo=UTC)
    return Overdue(int(count), oldest if isinstance(oldest, datetime) else None)


@dataclass
class PurgeBatch:
    site: str
    rule: str
    months: int
    cutoff: datetime
    deleted: int
    dry_run: bool


def _batches(site: Site, rule: str, before: datetime) -> tuple[Any, Any, Any] | None:
    """(id column, where clause, extra cleanup) for a rule; None if its data does not exist."""
    if rule in (AUDIT_PAYLOAD, MARKETING_EVIDENCE):
        return (AuditEntry.id, (), None)  # handled by their own generators below
    if rule == VISITOR_CONSENT:
        return (ConsentEvent.id,
                (ConsentEvent.site_id == site.id, ConsentEvent.created_at < before), None)
    check, answer = getattr(models, "MarketingCheck", None), getattr(models, "CheckAnswer", None)
    if rule == CHECKS and check is not None and answer is not None:
        return (check.id, (check.site_id == site.id, check.created_at < before), answer)
    return None


def purge(site: Site, rule: str, now: datetime, dry_run: bool = False,
          batch: int = BATCH) -> Iterator[PurgeBatch]:
    """Delete what `rule` says is past retention, one audited batch at a time.

    Yields after each batch so the caller can commit and report progress; a dry run yields
    once with the count and changes nothing.
    """
    months = rule_months(site, rule)
    spec = None if months is None else _batches(site, rule, cutoff(now, months))
    if months is None or spec is None:
        return
    before = cutoff(now, months)
    if rule == AUDIT_PAYLOAD:
        yield from _reduce_payloads(site, months, before, dry_run, batch)
        return
    if rule == MARKETING_EVIDENCE:
        yield from _purge_evidence(site, months, before, dry_run, batch)
        return
    id_col, where, children = spec
    table = id_col.class_
    if dry_run:
        n = db.session.execute(select(func.count()).select_from(table).where(*where)).scalar_one()
        yield PurgeBatch(site.slug, rule, months, before, int(n), True)
        return
    while True:
        ids = list(db.session.execute(select(id_col).where(*where).order_by(id_col).limit(batch))
                   .scalars())
        if not ids:
            return
        if children is not None:  # SQLite does not enforce ON DELETE CASCADE by default
            db.session.execute(delete(children).where(children.check_id.in_(ids)))
        db.session.execute(delete(table).where(id_col.in_(ids))
                           .execution_options(synchronize_session=False))
        audit.append(site, "system", "retention.purged",
                     {"rule": rule, "months": months, "cutoff": iso_utc(before),
                      "deleted": len(ids), "first_id": ids[0], "last_id": ids[-1]})
        yield PurgeBatch(site.slug, rule, months, before, len(ids), False)


def _reduce_payloads(site: Site, months: int, before: datetime, dry_run: bool,
                     batch: int) -> Iterator[PurgeBatch]:
    """Drop old audit payloads, keeping their SHA-256 (done by domain/audit, the only writer
    of audit rows), so the chain still verifies."""
    if dry_run:
        n = reduction.count_reducible(site, before)
        yield PurgeBatch(site.slug, AUDIT_PAYLOAD, months, before, n, True)
        return
    while n := reduction.reduce_payloads(site, before, batch, AUDIT_PAYLOAD, months):
        yield PurgeBatch(site.slug, AUDIT_PAYLOAD, months, before, n, False)


def _ended_permissions(site: Site, before: datetime) -> tuple[Any, ...]:
    """Permissions no longer in force (withdrawn or a lifted prohibition) last changed before.
    A withdrawal is an objection that stays in force where no grant is needed: one of every
    purpose (`*`), or of a purpose whose basis is not consent (customer relationship, unless
    prohibited); deleting it would let the subject be contacted again, so it is kept."""
    purposes = marketing.current_terms(site).purposes
    objections = [marketing.ANY, *(key for key, basis in purposes.items()
                                   if basis != marketing.Basis.CONSENT)]
    ended = or_(Perm.state == marketing.NO_STATE,
                and_(Perm.state == marketing.PermissionState.WITHDRAWN,
                     Perm.purpose.not_in(objections)))
    return (Perm.site_id == site.id, ended, Perm.prohibited.is_(False), Perm.updated_at < before)


def overdue_evidence(site: Site, before: datetime) -> int:
    return int(db.session.execute(select(func.count()).select_from(Perm)
                                  .where(*_ended_permissions(site, before))).scalar_one())


def _purge_evidence(site: Site, months: int, before: datetime, dry_run: bool,
                    batch: int) -> Iterator[PurgeBatch]:
    """Delete permissions no longer in force, with their events, N months after their last
    change; the site's cached permission state is invalidated in the same transaction."""
    where = _ended_permissions(site, before)
    if dry_run:
        yield PurgeBatch(site.slug, MARKETING_EVIDENCE, months, before,
                         overdue_evidence(site, before), True)
        return
    while True:
        rows = db.session.execute(select(Perm.id, Perm.subject_id, Perm.purpose, Perm.channel)
                                  .where(*where).order_by(Perm.id).limit(batch)).all()
        if not rows:
            return
        keys = [(r.subject_id, r.purpose, r.channel) for r in rows]
        events = db.session.execute(
            delete(MarketingEvent).where(
                MarketingEvent.site_id == site.id,
                tuple_(MarketingEvent.subject_id, MarketingEvent.purpose,
                       MarketingEvent.channel).in_(keys))
            .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
        db.session.execute(delete(Perm).where(Perm.id.in_([r.id for r in rows]))
                           .execution_options(synchronize_session=False))
        marketing.bump_generation(site)
        audit.append(site, "system", "retention.purged",
                     {"rule": MARKETING_EVIDENCE, "months": months, "cutoff": iso_utc(before),
                      "deleted": len(rows), "events_deleted": int(events or 0),
                      "first_id": rows[0].id, "last_id": rows[-1].id})
        yield PurgeBatch(site.slug, MARKETING_EVIDENCE, months, before, len(rows), False)
