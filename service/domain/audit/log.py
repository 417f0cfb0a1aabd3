"""The audit log: the only writer of audit rows; appends, checkpoints, verification, export."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Protocol

from flask import current_app
from sqlalchemy import bindparam, insert, select, update

from service.domain.audit import verify_db, verify_split
from service.domain.audit.canonical import canonical_json, iso_utc
from service.domain.audit.chain import (
    GENESIS_HASH,
    ChainVerifier,
    VerifyResult,
    checkpoint_message,
    entry_hash_v2,
    payload_digest,
)
from service.domain.audit.chain_fast import feed_rows
from service.domain.audit.signing import Signer, public_keys_from_b64
from service.extensions import db
from service.models import AuditCheckpoint, AuditEntry, AuditHead, Site
from service.models.types import utcnow

_EMAIL = re.compile(r"[^\s@\"]+@[^\s@\"]+\.[A-Za-z]{2,}")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d./])")


ENTRY_FORMAT = 2  # new entries; format-1 entries (hash over the payload text) still verify


class PersonalDataInAudit(ValueError):
    """A payload would have put clear-text personal data into the audit log."""


def _guard(text: str) -> None:
    # Defence in depth: payloads are built from pseudonyms, but a bug must not leak data.
    if _EMAIL.search(text) or any(not m.group().startswith("127.") for m in _IPV4.finditer(text)):
        raise PersonalDataInAudit("audit payload contains an email address or IP address")


def signer() -> Signer:
    return Signer.from_seed_b64(current_app.config["LUPA_SIGNING_KEY"])


def verification_keys() -> dict[str, Any]:
    """Current public key plus retired ones (LUPA_VERIFY_KEYS), so old checkpoints verify."""
    extra = [k for k in current_app.config.get("LUPA_VERIFY_KEYS", []) if k]
    return public_keys_from_b64([signer().public_b64, *extra])


def public_keys_b64() -> dict[str, str]:
    """Key id -> base64 public key, current and retired: what an auditor needs to verify."""
    s = signer()
    out = {s.key_id: s.public_b64}
    for value in current_app.config.get("LUPA_VERIFY_KEYS", []):
        if value:
            out.update(dict.fromkeys(public_keys_from_b64([value]), value))
    return out


def start_chain(site: Site) -> None:
    """Create the empty head for a new site; must run before its first append."""
    db.session.add(AuditHead(site_id=site.id, seq=0, hash=GENESIS_HASH))
    db.session.flush()


# The hot path's statements, built once: the head lock is held from _BUMP to the commit, so
# every statement built and every bit of Python in between is paid by all writers of a site.
_heads, _entries = AuditHead.__table__, AuditEntry.__table__
_BUMP = (update(_heads).where(_heads.c.site_id == bindparam("sid"))
         .values(seq=_heads.c.seq + 1).returning(_heads.c.seq, _heads.c.hash))
_NEW_HEAD = (update(_heads).where(_heads.c.site_id == bindparam("sid"))
             .values(hash=bindparam("new_hash")))
# Parameter names differ from column names: SQLAlchemy would read a parameter named like a
# column as one more column to SET in the CTE's UPDATE.
_ENTRY = insert(_entries).values({c: bindparam(f"e_{c}", type_=_entries.c[c].type) for c in (
    "site_id", "seq", "created_at", "actor", "action", "subject", "payload", "payload_hash",
    "hash_version", "prev_hash", "hash")})
# PostgreSQL: the head's new hash rides on the entry's INSERT (a data-modifying CTE runs
# exactly once even though the INSERT does not read it).
_ENTRY_AND_HEAD = _ENTRY.add_cte(_NEW_HEAD.cte("new_head"))


class SiteKey(Protocol):
    """What appending needs of a site: a `Site` row or the per-worker `cache.SiteRef`."""

    @property
    def id(self) -> int: ...

    @property
    def slug(self) -> str: ...


def append(
    site: SiteKey,
    actor: str,
    action: str,
    payload: dict[str, Any] | None = None,
    subject: str | None = None,
) -> int:
    """Append one entry in the caller's transaction (its sequence number is returned); the
    head row lock serialises writers."""
    payload_text = canonical_json(payload or {})
    _guard(payload_text)
    if subject:
        _guard(subject)
    seq, prev_hash = db.session.execute(_BUMP, {"sid": site.id}).one()
    now = utcnow()
    payload_hash = payload_digest(payload_text)
    own_hash = entry_hash_v2(site.slug, seq, iso_utc(now), actor, action, subject, payload_hash,
                             prev_hash)
    entry = {"e_site_id": site.id, "e_seq": seq, "e_created_at": now, "e_actor": actor,
             "e_action": action, "e_subject": subject, "e_payload": payload_text,
             "e_payload_hash": payload_hash, "e_hash_version": ENTRY_FORMAT,
             "e_prev_hash": prev_hash, "e_hash": own_hash}
    head = {"sid": site.id, "new_hash": own_hash}
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(_ENTRY_AND_HEAD, entry | head)  # one round trip for both
    else:
        db.session.execute(_NEW_HEAD, head)
        db.session.execute(_ENTRY, entry)
    if seq % int(current_app.config["LUPA_CHECKPOINT_EVERY"]) == 0:
        _sign_checkpoint(site, seq, own_hash)
    return seq


def _sign_checkpoint(site: SiteKey, seq: int, hash_: str) -> AuditCheckpoint:
    s = signer()
    now = utcnow()
    cp = AuditCheckpoint(
        site_id=site.id,
        seq=seq,
        hash=hash_,
        created_at=now,
        key_id=s.key_id,
        signature=s.sign(checkpoint_message(site.slug, seq, hash_, iso_utc(now))),
    )
    db.session.add(cp)
    db.session.flush()
    return cp


def checkpoint_now(site: Site) -> AuditCheckpoint | None:
    """Sign the current head on demand (None for an empty chain); locks the head meanwhile."""
    head = db.session.execute(
        select(AuditHead).where(AuditHead.site_id == site.id).with_for_update()
    ).scalar_one()
    if head.seq == 0:
        return None
    existing = db.session.execute(
        select(AuditCheckpoint).where(
            AuditCheckpoint.site_id == site.id, AuditCheckpoint.seq == head.seq
        )
    ).scalar_one_or_none()
    return existing or _sign_checkpoint(site, head.seq, head.hash)


def checkpoint_dict(site: Site, cp: AuditCheckpoint) -> dict[str, Any]:
    return {
        "site": site.slug,
        "seq": cp.seq,
        "hash": cp.hash,
        "ts": iso_utc(cp.created_at),
        "key_id": cp.key_id,
        "signature": cp.signature,
    }


def list_checkpoints(site: Site) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.site_id == site.id)
        .order_by(AuditCheckpoint.seq)
    ).scalars()
    return [checkpoint_dict(site, cp) for cp in rows]


def entry_dict(site_slug: str, row: Any) -> dict[str, Any]:
    return {
        "site": site_slug,
        "seq": row.seq,
        "ts": iso_utc(row.created_at),
        "actor": row.actor,
        "action": row.action,
        "subject": row.subject,
        "payload": row.payload,
        "prev_hash": row.prev_hash,
        "hash": row.hash,
        "v": row.hash_version,
        "payload_hash": row.payload_hash,
    }


def iter_entries(
    site: Site,
    since: datetime | None = None,
    action: str | None = None,
    subject: str | None = None,
    after_seq: int = 0,
    limit: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Stream entries in chain order without loading them all."""
    cols = (
        AuditEntry.seq,
        AuditEntry.created_at,
        AuditEntry.actor,
        AuditEntry.action,
        AuditEntry.subject,
        AuditEntry.payload,
        AuditEntry.prev_hash,
        AuditEntry.hash,
        AuditEntry.hash_version,
        AuditEntry.payload_hash,
    )
    query = select(*cols).where(AuditEntry.site_id == site.id, AuditEntry.seq > after_seq)
    if since is not None:
        query = query.where(AuditEntry.created_at >= since)
    if action:
        if action.endswith(".*"):
            query = query.where(AuditEntry.action.startswith(action[:-1]))
        else:
            query = query.where(AuditEntry.action == action)
    if subject:
        query = query.where(AuditEntry.subject == subject)
    query = query.order_by(AuditEntry.seq)
    if limit is not None:
        query = query.limit(limit)
    for row in db.session.execute(query.execution_options(yield_per=2000)):
        yield entry_dict(site.slug, row)


def verify_site(site: Site, extra_checkpoints: list[dict[str, Any]] | None = None) -> VerifyResult:
    """Verify a site's chain against its head and every checkpoint (stored or supplied).

    Every row of the site is read, seq <= 0 included (iter_entries would skip those). A long
    chain is verified in two processes (verify_split); only a clean result is taken from there.
    """
    checkpoints = list_checkpoints(site) + list(extra_checkpoints or [])
    keys = verification_keys()
    head_seq = _head(site)[0]
    if verify_split.worth_splitting(head_seq):
        verifier = ChainVerifier(site.slug, checkpoints, keys)
        if verify_split.feed_split(verifier, site.id, head_seq):
            result = verifier.finish(_head(site))
            if result.ok:
                return result
    verifier = ChainVerifier(site.slug, checkpoints, keys)
    for batch in verify_db.session_rows(site.id):
        feed_rows(verifier, batch)
    return verifier.finish(_head(site))


def _head(site: Site) -> tuple[int, str]:
    head = db.session.execute(
        select(AuditHead.seq, AuditHead.hash).where(AuditHead.site_id == site.id)
    ).one_or_none()
    return (int(head[0]), str(head[1])) if head else (0, GENESIS_HASH)
