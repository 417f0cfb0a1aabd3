"""The master key and the stored subject keys: does LUPA_ENCRYPTION_KEY open what is stored
(checked before `lupa serve` starts), and re-wrapping every subject key from an old master key
to the current one (key rotation, and the move away from the key Lupa once derived from
LUPA_SECRET_KEY).

A re-wrap unwraps each data key with the old master key and wraps it with the current one, and
recomputes each identifier's lookup hash under the current key (the lookup keys derive from the
master key, so an old key opens nothing of a fresh dump afterwards). It runs in batches, each
one transaction with its audit entry; it is resumable (keys already under the current master
key are skipped) and never destroys a key it cannot open.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import contains_eager

from service.domain import audit
from service.domain.marketing import crypto
from service.domain.marketing.permissions import bump_generation
from service.extensions import db
from service.models import Site, Subject, SubjectIdentifier, SubjectKey

REWRAP_ACTION = "encryption.rewrapped"
SAMPLE = 20


@dataclass
class Batch:
    """What one batch of a re-wrap did; `last_id` is where the next batch starts."""

    last_id: int
    seen: int = 0
    rewrapped: int = 0
    unreadable: int = 0


def _not_current(master: bytes) -> ColumnElement[bool]:
    tag = crypto.WRAP_TAG + crypto.key_id(master)
    return func.substr(SubjectKey.wrapped_key, 1, len(tag)) != tag


def stored_keys_problem() -> str | None:
    """Why LUPA_ENCRYPTION_KEY cannot serve the stored identifiers, or None: some subject key
    is wrapped by another master key. (Untagged keys that the current key opens are fine.)"""
    master = crypto.master_key()
    others = db.session.execute(
        select(Subject.public_id, SubjectKey.wrapped_key)
        .join(SubjectKey, SubjectKey.subject_id == Subject.id)
        .where(_not_current(master)).limit(SAMPLE)
    ).all()
    unopened = 0
    for public_id, wrapped in others:
        try:
            crypto.unwrap_key(public_id, wrapped, master)
        except crypto.KeyUnavailable:
            unopened += 1
    if not unopened:
        return None
    total = db.session.execute(select(func.count()).where(_not_current(master))
                               .select_from(SubjectKey)).scalar_one()
    return (f"LUPA_ENCRYPTION_KEY (key id {crypto.key_id(master).hex()}) does not open the "
            f"stored identifiers: up to {total} subject keys are wrapped by another key. "
            "Re-wrap them first: `lupa encryption rewrap --old-key-file FILE` with the previous "
            "LUPA_ENCRYPTION_KEY, or `lupa encryption rewrap --legacy` if they predate "
            "LUPA_ENCRYPTION_KEY (see docs/operations.md, key rotation).")


def _rehash(subject: Subject, data_key: bytes, master: bytes) -> None:
    """Each identifier's lookup hash under the `master` key's lookup key."""
    key = crypto.lookup_key(subject.site_id, master)
    for ident in db.session.execute(
        select(SubjectIdentifier).where(SubjectIdentifier.subject_id == subject.id)
    ).scalars():
        value = crypto.decrypt_identifier(data_key, ident.kind, ident.ciphertext)
        ident.lookup_hash = crypto.lookup_hash(key, ident.kind, value)


def rewrap_batch(site: Site, old: bytes, actor: str, after_id: int = 0,
                 limit: int = 500) -> Batch:
    """Re-wrap up to `limit` of the site's subject keys (ids above `after_id`) from the `old`
    master key to the current one, with one audit entry; the caller commits."""
    new = crypto.master_key()
    rows = db.session.execute(
        select(Subject).join(SubjectKey, SubjectKey.subject_id == Subject.id)
        .where(Subject.site_id == site.id, Subject.id > after_id, _not_current(new))
        .options(contains_eager(Subject.key)).order_by(Subject.id).limit(limit)
    ).scalars().all()
    batch = Batch(last_id=rows[-1].id if rows else after_id, seen=len(rows))
    for subject in rows:
        try:
            data_key = crypto.unwrap_key(subject.public_id, subject.wrapped_key, old)
            rehash = old != new
        except crypto.KeyUnavailable:
            try:  # untagged, but already under the current key: only tag it
                data_key = crypto.unwrap_key(subject.public_id, subject.wrapped_key, new)
                rehash = False
            except crypto.KeyUnavailable:
                batch.unreadable += 1
                continue
        subject.wrapped_key = crypto.wrap_key(subject.public_id, data_key, new)
        if rehash:
            _rehash(subject, data_key, new)
        batch.rewrapped += 1
    if batch.rewrapped:
        db.session.flush()
        bump_generation(site)  # cached answers were keyed by the old lookup hashes
        audit.append(site, actor, REWRAP_ACTION,
                     {"subjects": batch.rewrapped, "from_key": crypto.key_id(old).hex(),
                      "to_key": crypto.key_id(new).hex()})
    return batch
