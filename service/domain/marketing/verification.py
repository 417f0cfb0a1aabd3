"""Each identifier of a subject is proven one by one: unverified until the person follows a
link mailed to that address (`email-link`) or enters a code sent to that number
(`sms-code`); the row then says when and how. A proof is audited
(`subject.identifier_verified`: the kind and how, never the value).

Grants that rest on a proof are made here too: a double opt-in's permissions, confirmed by
the link or the code, with the signup's pending step recorded first when it is not there
(a signup of a known person changes nothing until the proof: domain/marketing/optin.py).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from service.domain import audit
from service.domain.audit.canonical import iso_utc
from service.domain.marketing import crypto, subjects, tokens
from service.domain.marketing import permissions as marketing
from service.domain.marketing.states import OptInStep, PermissionState
from service.extensions import db
from service.models import Site, Subject, SubjectIdentifier
from service.models.types import utcnow

EMAIL_LINK = "email-link"
SMS_CODE = "sms-code"
# Channels that reach a phone number: granted only with a number the person proved.
PHONE_CHANNELS = ("sms", "phone")


def identifier_row(site: Site, kind: str, value: str) -> SubjectIdentifier | None:
    """The stored identifier with this normalised value, if any."""
    digest = crypto.lookup_hash(crypto.lookup_key(site.id), kind, value)
    return db.session.execute(
        select(SubjectIdentifier).where(SubjectIdentifier.site_id == site.id,
                                        SubjectIdentifier.lookup_hash == digest)
    ).scalar_one_or_none()


def subject_of(row: SubjectIdentifier) -> Subject:
    subject = db.session.get(Subject, row.subject_id)
    assert subject is not None  # a foreign key
    return subject


def link_digest(row: SubjectIdentifier) -> str:
    """What a link says of the identifier it was mailed to besides its row id: part of its
    keyed lookup hash, so that a row id reused for another value (rectification deletes and
    inserts rows; SQLite reuses ids) is not taken for it."""
    return base64.urlsafe_b64encode(row.lookup_hash[:16]).decode().rstrip("=")


def row_of(subject: Subject, row_id: Any, kind: str, digest: Any) -> SubjectIdentifier:
    """The subject's identifier a link was made for; 400 when it is gone (rectified, erased)
    or is not the subject's."""
    row = db.session.get(SubjectIdentifier, row_id) if isinstance(row_id, int) else None
    if row is None or row.subject_id != subject.id or row.kind != kind or not isinstance(
            digest, str) or not hmac.compare_digest(link_digest(row).encode(),
                                                    digest.encode("utf-8", "replace")):
        raise tokens.LinkInvalid("This link is not valid.")
    return row


def mark_verified(site: Site, subject: Subject, row: SubjectIdentifier, how: str,
                  actor: str) -> bool:
    """Record the proof of one identifier; False when it was proven before."""
    if row.verified_at is not None:
        return False
    row.verified_at, row.verified_by = utcnow(), how
    db.session.flush()
    audit.append(site, actor, "subject.identifier_verified", {"kind": row.kind, "by": how},
                 subject=subjects.pseudonym(subject))
    return True


def verified(subject: Subject, kind: str) -> bool:
    """Whether the subject has a proven identifier of this kind."""
    return db.session.execute(
        select(SubjectIdentifier.id).where(SubjectIdentifier.subject_id == subject.id,
                                           SubjectIdentifier.kind == kind,
                                           SubjectIdentifier.verified_at.is_not(None))
    ).first() is not None


def states_of(subject: Subject) -> dict[str, dict[str, Any]]:
    """Per kind: verified or not, when and how (for staff; no values)."""
    rows = db.session.execute(
        select(SubjectIdentifier.kind, SubjectIdentifier.verified_at,
               SubjectIdentifier.verified_by)
        .where(SubjectIdentifier.subject_id == subject.id).order_by(SubjectIdentifier.id)
    ).all()
    return {kind: {"verified": at is not None, "verified_at": iso_utc(at) if at else None,
                   "verified_by": by} for kind, at, by in rows}


def attach_verified(site: Site, subject: Subject, kind: str, value: str, how: str,
                    actor: str) -> SubjectIdentifier:
    """Give the subject an identifier the person proved, replacing its other one of the kind
    (one per kind is kept); the value must belong to no subject."""
    replaced = [r for r in db.session.execute(
        select(SubjectIdentifier).where(SubjectIdentifier.subject_id == subject.id,
                                        SubjectIdentifier.kind == kind)).scalars()]
    for old in replaced:
        db.session.delete(old)
    data_key = crypto.unwrap_key(subject.public_id, subject.wrapped_key)
    now = utcnow()
    row = SubjectIdentifier(
        site_id=site.id, subject_id=subject.id, kind=kind,
        lookup_hash=crypto.lookup_hash(crypto.lookup_key(site.id), kind, value),
        ciphertext=crypto.encrypt_identifier(data_key, kind, value),
        verified_at=now, verified_by=how)
    db.session.add(row)
    db.session.flush()
    marketing.bump_generation(site)  # cached answers know the identifiers there were
    audit.append(site, actor, "subject.identifiers_added",
                 {"kinds": [kind], "verified_by": how, "replaced": len(replaced)},
                 subject=subjects.pseudonym(subject))
    return row


def seal(subject: Subject, kind: str, value: str) -> str:
    """An identifier encrypted under the subject's data key, for a link (never in clear)."""
    data_key = crypto.unwrap_key(subject.public_id, subject.wrapped_key)
    blob = crypto.encrypt_identifier(data_key, f"link:{kind}", value)
    return base64.urlsafe_b64encode(blob).decode().rstrip("=")


def unseal(subject: Subject, kind: str, sealed: Any) -> str | None:
    if not isinstance(sealed, str):
        return None
    try:
        blob = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
        data_key = crypto.unwrap_key(subject.public_id, subject.wrapped_key)
        return crypto.decrypt_identifier(data_key, f"link:{kind}", blob)
    except (binascii.Error, ValueError, crypto.KeyUnavailable):
        return None


def withdrawn_since(row: Any, since: datetime | None) -> bool:
    """Whether the person withdrew the pair after a link or code was issued: that link or
    code no longer grants it (a link followed again must not undo a later withdrawal)."""
    return (since is not None and row is not None and row.state == PermissionState.WITHDRAWN
            and row.withdrawn_at is not None and row.withdrawn_at >= since)


def issued_at(data: dict[str, Any], issued: datetime) -> datetime:
    """When a link was made: its own `t` (to the microsecond), else the signature's second."""
    stamp = data.get("t")
    if isinstance(stamp, (int, float)) and not isinstance(stamp, bool):
        try:
            return datetime.fromtimestamp(stamp, UTC)
        except (OverflowError, OSError, ValueError):
            pass
    return issued


def grant_confirmed(site: Site, subject: Subject, pairs: Iterable[tuple[str, str]],
                    version: int | None, ip: str | None, actor: str,
                    source: str, since: datetime | None) -> list[tuple[str, str]]:
    """Grant each pair of a proven double opt-in that is not granted yet, is still in the
    notice and was not withdrawn since the link or code was issued: pending first when it
    is not (the signup), then confirmed."""
    purposes, channels, _ = marketing.notice_marketing(site)
    rows = marketing.rows_of(subject)
    confirmed = []
    for purpose, channel in pairs:
        row = rows.get((purpose, channel))
        if purpose not in purposes or channel not in channels or (
                row is not None and row.state == PermissionState.GRANTED) or withdrawn_since(
                    row, since):
            continue
        if row is None or row.state != OptInStep.PENDING:
            marketing.set_permission(site, subject, purpose, channel, OptInStep.PENDING, actor,
                                     marketing.Evidence(source="website-signup",
                                                        notice_version=version))
        if marketing.set_permission(site, subject, purpose, channel, OptInStep.CONFIRMED, actor,
                                    marketing.Evidence(source=source, notice_version=version,
                                                       ip=ip)):
            confirmed.append((purpose, channel))
    return confirmed
