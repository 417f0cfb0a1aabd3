"""Retention's payload reduction: the one UPDATE of audit rows, kept beside the log's writer.

Format-2 entries hash the payload's SHA-256, not its text, so an old payload can be dropped and
the chain still verifies. Format-1 entries (written before format 2) are left whole: their hash
covers the text. The only change ever made is setting a format-2 payload to NULL.

Each batch appends a `retention.reduced` entry stating the seq range it reduced: a verifier
reports a missing payload that no such entry covers (`payload_missing`). Those entries are never
reduced themselves: they are the account of every reduction (and hold no personal data).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from service.domain.audit import log
from service.domain.audit.canonical import iso_utc
from service.domain.audit.coverage import RETENTION_REDUCED
from service.extensions import db
from service.models import AuditEntry, Site


def _reducible(site: Site, before: datetime) -> tuple[Any, ...]:
    return (AuditEntry.site_id == site.id, AuditEntry.hash_version == 2,
            AuditEntry.payload.is_not(None), AuditEntry.payload_hash.is_not(None),
            AuditEntry.created_at < before, AuditEntry.action != RETENTION_REDUCED)


def count_reducible(site: Site, before: datetime) -> int:
    """How many of the site's payloads written before `before` could be dropped."""
    query = select(func.count()).select_from(AuditEntry).where(*_reducible(site, before))
    return int(db.session.execute(query).scalar_one())


def reduce_payloads(site: Site, before: datetime, batch: int, rule: str, months: int) -> int:
    """Drop up to `batch` of the oldest reducible payloads and audit it; returns how many."""
    rows = db.session.execute(select(AuditEntry.id, AuditEntry.seq)
                              .where(*_reducible(site, before))
                              .order_by(AuditEntry.id).limit(batch)).all()
    if not rows:
        return 0
    db.session.execute(update(AuditEntry).where(AuditEntry.id.in_([r[0] for r in rows]))
                       .values(payload=None).execution_options(synchronize_session=False))
    log.append(site, "system", RETENTION_REDUCED,
               {"rule": rule, "months": months, "cutoff": iso_utc(before),
                "reduced": len(rows), "first_seq": rows[0][1], "last_seq": rows[-1][1]})
    return len(rows)
