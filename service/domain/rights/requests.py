"""Data-subject requests: access (portable export), rectification, restriction, erasure.

Each request is recorded with its received and completed dates (the promise report checks the
one-month deadline) and audited with counts and pseudonyms only. Requests the service can
carry out are completed at once; `received_at` may be given when the request arrived earlier
by letter or email, so that the deadline runs from the true receipt.

Erasure is crypto-shredding: the subject's data key is destroyed (its `subject_keys` row
deleted) and its identifier rows are deleted, so nothing can link the pseudonymous history
(permissions, events, check answers and audit entries, which keep only `subject:<uuid>`) back
to a person. The audit chain is not touched and still verifies. Permissions in force are
withdrawn first, so that no sender is told "may contact" on the strength of a grant whose owner
asked to be forgotten. Once the erasure is committed, the caller has purge.after_erasure remove
the deleted rows' bytes from the database files and the write-ahead log.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from service.domain import audit, marketing
from service.domain.audit.canonical import iso_utc
from service.domain.checks import answers as check_answers
from service.domain.marketing import crypto, relationships, subjects
from service.errors import Conflict, InvalidInput
from service.extensions import db
from service.models import (
    IdentifierChallenge,
    MarketingPermission,
    Site,
    Subject,
    SubjectIdentifier,
    SubjectRequest,
)
from service.models.types import utcnow

KINDS = ("access", "rectification", "restriction", "restriction_lifted", "erasure")


def request_dict(req: SubjectRequest, subject: Subject) -> dict[str, Any]:
    return {
        "id": req.public_id, "subject": subject.public_id, "kind": req.kind,
        "status": req.status, "via": req.via, "received_at": iso_utc(req.received_at),
        "completed_at": iso_utc(req.completed_at) if req.completed_at else None,
        "outcome": req.outcome,
    }


def _erased(subject: Subject) -> bool:
    return subject.wrapped_key is None


def _start(site: Site, subject: Subject, kind: str, actor: str, via: str,
           received_at: datetime | None, pending: SubjectRequest | None = None
           ) -> SubjectRequest:
    """A new request, received now or at `received_at`; or `pending`, one recorded earlier
    (rights/inbox.py) and carried out now."""
    if pending is not None:
        if _erased(subject) and kind != "access":
            raise Conflict("This subject has been erased.")
        return pending
    now = utcnow()
    if received_at is not None and received_at > now:
        raise InvalidInput("received_at cannot be in the future.",
                           {"received_at": ["in the future"]})
    if _erased(subject) and kind != "access":
        raise Conflict("This subject has been erased.")
    req = SubjectRequest(public_id=str(uuid.uuid4()), site_id=site.id, subject_id=subject.id,
                         kind=kind, status="received", via=via, actor=actor,
                         received_at=received_at or now, outcome={})
    db.session.add(req)
    return req


def _complete(site: Site, subject: Subject, req: SubjectRequest, actor: str,
              outcome: dict[str, Any]) -> None:
    req.status, req.completed_at, req.outcome = "completed", utcnow(), outcome
    db.session.flush()
    audit.append(site, actor, f"rights.{req.kind}",
                 {"request": req.public_id, "received_at": iso_utc(req.received_at),
                  "via": req.via, **outcome},
                 subject=subjects.pseudonym(subject))


def access(site: Site, subject: Subject, actor: str, via: str = "admin",
           received_at: datetime | None = None, pending: SubjectRequest | None = None
           ) -> tuple[SubjectRequest, dict[str, Any]]:
    """Everything held on the subject, as portable JSON (GDPR art. 15 and 20)."""
    req = _start(site, subject, "access", actor, via, received_at, pending)
    pseudonym = subjects.pseudonym(subject)
    data: dict[str, Any] = {
        "format": "lupa.subject-export", "v": 1, "site": site.slug,
        "controller": site.name, "exported_at": iso_utc(utcnow()),
        "subject": {"id": subject.public_id, "created_at": iso_utc(subject.created_at),
                    "erased": _erased(subject),
                    "restricted_at": (iso_utc(subject.restricted_at)
                                      if subject.restricted_at else None),
                    "customer_relationship": relationships.of(subject).as_dict()},
        "identifiers": subjects.identifiers_of(subject),
        "prohibition_kinds": [k.value for k in marketing.kinds_in_force(subject)],
        "permissions": [] if _erased(subject) else marketing.permission_views(site, subject),
        "permission_history": marketing.history(subject),
        "answers_given_to_senders": check_answers.answers_about(subject, limit=100_000),
        # this request itself is added below, once completed
        "requests": [{**request_dict(r, subject), "note": r.note}
                     for r in requests_of(subject) if r is not req],
        "audit_entries": list(audit.iter_entries(site, subject=pseudonym)),
    }
    _complete(site, subject, req, actor,
              {"identifiers": len(data["identifiers"]), "events": len(data["permission_history"]),
               "answers": len(data["answers_given_to_senders"]),
               "audit_entries": len(data["audit_entries"])})
    data["requests"].append(request_dict(req, subject))
    return req, data


def rectify(site: Site, subject: Subject, identifiers: Mapping[str, Any], actor: str,
            via: str = "admin", received_at: datetime | None = None,
            pending: SubjectRequest | None = None) -> SubjectRequest:
    """Replace identifiers with corrected ones (GDPR art. 16); a value may not belong to
    another subject of the site."""
    clean = subjects.normalise_all(identifiers)
    req = _start(site, subject, "rectification", actor, via, received_at, pending)
    for kind, value in clean.items():
        other = subjects.find_by_identifier(site, kind, value)
        if other is not None and other.id != subject.id:
            raise Conflict(f"That {kind} belongs to another subject.")
    db.session.execute(delete(SubjectIdentifier).where(
        SubjectIdentifier.subject_id == subject.id, SubjectIdentifier.kind.in_(list(clean))))
    data_key = crypto.unwrap_key(subject.public_id, subject.wrapped_key)
    key = crypto.lookup_key(site.id)
    for kind, value in clean.items():
        db.session.add(SubjectIdentifier(
            site_id=site.id, subject_id=subject.id, kind=kind,
            lookup_hash=crypto.lookup_hash(key, kind, value),
            ciphertext=crypto.encrypt_identifier(data_key, kind, value)))
    db.session.flush()
    marketing.bump_generation(site)  # cached answers still know the old identifiers
    _complete(site, subject, req, actor, {"kinds": sorted(clean)})
    return req


def restrict(site: Site, subject: Subject, actor: str, lift: bool = False, via: str = "admin",
             received_at: datetime | None = None, pending: SubjectRequest | None = None
             ) -> SubjectRequest:
    """Restriction of processing (GDPR art. 18): storage only; every check answers
    "restricted" until it is lifted."""
    kind = "restriction_lifted" if lift else "restriction"
    req = _start(site, subject, kind, actor, via, received_at, pending)
    subject.restricted_at = None if lift else (subject.restricted_at or utcnow())
    marketing.bump_generation(site)
    _complete(site, subject, req, actor, {"restricted": not lift})
    return req


def erase(site: Site, subject: Subject, actor: str, via: str = "admin",
          received_at: datetime | None = None, pending: SubjectRequest | None = None
          ) -> SubjectRequest:
    """Right to erasure (GDPR art. 17) by crypto-shredding; see the module docstring."""
    req = _start(site, subject, "erasure", actor, via, received_at, pending)
    withdrawn = len(db.session.execute(select(MarketingPermission.id).where(
        MarketingPermission.subject_id == subject.id,
        MarketingPermission.state.in_(marketing.WITHDRAWABLE))).all())
    if withdrawn:
        marketing.set_permission(site, subject, "*", "*", marketing.PermissionState.WITHDRAWN,
                                 actor, marketing.Evidence(source="erasure_request"))
    removed = db.session.execute(
        delete(SubjectIdentifier).where(SubjectIdentifier.subject_id == subject.id)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    db.session.execute(delete(IdentifierChallenge).where(  # numbers being proven
        IdentifierChallenge.subject_id == subject.id).execution_options(synchronize_session=False))
    # Notes recorded with the subject's requests may name the person (rights/inbox.py).
    db.session.execute(update(SubjectRequest).where(SubjectRequest.subject_id == subject.id)
                       .values(note=None).execution_options(synchronize_session=False))
    req.note = None
    subject.wrapped_key = None  # the only copy of the data key: ciphertexts are now noise
    marketing.bump_generation(site)
    _complete(site, subject, req, actor,
              {"identifiers_removed": int(removed or 0), "permissions_withdrawn": withdrawn,
               "key_destroyed": True})
    return req


def requests_of(subject: Subject) -> list[SubjectRequest]:
    return list(db.session.execute(
        select(SubjectRequest).where(SubjectRequest.subject_id == subject.id)
        .order_by(SubjectRequest.id)).scalars())


def list_requests(site: Site, open_only: bool = False) -> list[dict[str, Any]]:
    query = (select(SubjectRequest, Subject).join(Subject, Subject.id == SubjectRequest.subject_id)
             .where(SubjectRequest.site_id == site.id).order_by(SubjectRequest.id))
    if open_only:
        query = query.where(SubjectRequest.completed_at.is_(None))
    return [request_dict(r, s) for r, s in db.session.execute(query)]
