"""Suppression export: every known subject who must not be contacted for P on C, and why."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from service.domain.marketing import crypto, kinds
from service.domain.marketing import permissions as marketing
from service.domain.marketing.states import Outcome, PermissionState
from service.extensions import db
from service.models import MarketingPermission, Subject, SubjectIdentifier

CHUNK = 1000
SUPPRESSED = {code: code.reason
              for code in (Outcome.PROHIBITED, Outcome.RESTRICTED, Outcome.WITHDRAWN)}


def iter_suppressed(site_id: int, purpose: str, channel: str) -> Iterator[dict[str, Any]]:
    """Stream, in subject order, with decrypted identifiers; keyset pagination keeps it small.

    Takes the site id, not the Site: the stream outlives the request's session objects.
    """
    after = 0
    row_purposes = (purpose, marketing.ANY, *kinds.markers(purpose, channel))
    while True:
        candidates = select(MarketingPermission.subject_id).where(
            MarketingPermission.site_id == site_id,
            MarketingPermission.purpose.in_(row_purposes),
            MarketingPermission.channel.in_((channel, marketing.ANY)),
            or_(MarketingPermission.prohibited.is_(True),
                MarketingPermission.state == PermissionState.WITHDRAWN),
        )
        ids = list(db.session.execute(
            select(Subject.id).where(
                Subject.site_id == site_id, Subject.id > after,
                or_(Subject.id.in_(candidates), Subject.restricted_at.is_not(None)))
            .order_by(Subject.id).limit(CHUNK)).scalars())
        if not ids:
            return
        after = ids[-1]
        rows: dict[int, list[tuple[str, str, str, bool]]] = {i: [] for i in ids}
        for sid, p, c, state, prohibited in db.session.execute(
            select(MarketingPermission.subject_id, MarketingPermission.purpose,
                   MarketingPermission.channel, MarketingPermission.state,
                   MarketingPermission.prohibited)
            .where(MarketingPermission.subject_id.in_(ids),
                   MarketingPermission.purpose.in_(row_purposes),
                   MarketingPermission.channel.in_((channel, marketing.ANY)))
        ):
            rows[sid].append((p, c, state, prohibited))
        subjects = {s.id: s for s in db.session.execute(
            select(Subject).where(Subject.id.in_(ids))
            .options(selectinload(Subject.key))).scalars()}  # one query for the chunk's keys
        idents: dict[int, list[tuple[str, bytes]]] = {i: [] for i in ids}
        for sid, kind, blob in db.session.execute(
            select(SubjectIdentifier.subject_id, SubjectIdentifier.kind,
                   SubjectIdentifier.ciphertext).where(SubjectIdentifier.subject_id.in_(ids))
        ):
            idents[sid].append((kind, blob))
        for sid in ids:
            subject = subjects[sid]
            code = marketing.outcome_of(rows[sid], purpose, channel,
                                        subject.restricted_at is not None)
            if code not in SUPPRESSED:
                continue
            item: dict[str, Any] = {"subject": f"subject:{subject.public_id}",
                                    "reason": SUPPRESSED[code]}
            try:
                key = crypto.unwrap_key(subject.public_id, subject.wrapped_key)
                for kind, blob in idents[sid]:
                    item[kind] = crypto.decrypt_identifier(key, kind, bytes(blob))
            except crypto.KeyUnavailable:
                pass  # erased: nothing left to suppress by
            yield item
