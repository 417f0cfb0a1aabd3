"""The hash definitions of the chain: an entry's hash (formats 1 and 2), a payload's digest
and the bytes a checkpoint signature covers (docs/audit-format.md, sections 3 and 6). Pure
functions, written out by hand where verification of millions of entries spends its time."""

from __future__ import annotations

import hashlib
from json.encoder import encode_basestring  # type: ignore[attr-defined]

from service.domain.audit.canonical import canonical_json

GENESIS_HASH = "0" * 64
_sha256 = hashlib.sha256


def entry_hash(
    site: str,
    seq: int,
    ts: str,
    actor: str,
    action: str,
    subject: str | None,
    payload: str,
    prev_hash: str,
) -> str:
    """Hash of one entry over a canonical encoding that binds it to its site and place.

    The text is exactly `canonical_json({"v": 1, "site", "seq", "ts", "actor", "action",
    "subject", "payload", "prev"})` (sorted keys, no spaces, UTF-8), written out by hand
    because verification of millions of entries spends most of its time here.
    """
    text = (
        '{"action":' + encode_basestring(action)
        + ',"actor":' + encode_basestring(actor)
        + ',"payload":' + encode_basestring(payload)
        + ',"prev":' + encode_basestring(prev_hash)
        + ',"seq":' + int.__repr__(seq)
        + ',"site":' + encode_basestring(site)
        + ',"subject":' + ("null" if subject is None else encode_basestring(subject))
        + ',"ts":' + encode_basestring(ts)
        + ',"v":1}'
    )
    return _sha256(text.encode("utf-8")).hexdigest()


def payload_digest(payload: str) -> str:
    return _sha256(payload.encode("utf-8")).hexdigest()


def entry_hash_v2(
    site: str,
    seq: int,
    ts: str,
    actor: str,
    action: str,
    subject: str | None,
    payload_sha256: str,
    prev_hash: str,
) -> str:
    """Format 2: like format 1, but over the payload's SHA-256 instead of its text, so that an
    old payload can be dropped (reduced to its hash) and the chain still verifies.

    The text is `canonical_json({"v": 2, "site", "seq", "ts", "actor", "action", "subject",
    "payload_sha256", "prev"})`.
    """
    text = (
        '{"action":' + encode_basestring(action)
        + ',"actor":' + encode_basestring(actor)
        + ',"payload_sha256":' + encode_basestring(payload_sha256)
        + ',"prev":' + encode_basestring(prev_hash)
        + ',"seq":' + int.__repr__(seq)
        + ',"site":' + encode_basestring(site)
        + ',"subject":' + ("null" if subject is None else encode_basestring(subject))
        + ',"ts":' + encode_basestring(ts)
        + ',"v":2}'
    )
    return _sha256(text.encode("utf-8")).hexdigest()


def compute_entry_hash(
    site: str,
    seq: int,
    ts: str,
    actor: str,
    action: str,
    subject: str | None,
    payload: str | None,
    prev_hash: str,
    v: int = 1,
    payload_hash: str | None = None,
) -> str | None:
    """The hash an entry of format `v` must have; None when it cannot be computed (a format-1
    entry without its payload, an unknown format)."""
    if v == 2:
        digest = payload_digest(payload) if payload is not None else payload_hash
        if digest is None:
            return None
        return entry_hash_v2(site, seq, ts, actor, action, subject, digest, prev_hash)
    if v == 1 and payload is not None:
        return entry_hash(site, seq, ts, actor, action, subject, payload, prev_hash)
    return None


def checkpoint_message(site: str, seq: int, hash_: str, ts: str) -> bytes:
    """The bytes a checkpoint signature covers."""
    return canonical_json(
        {"v": 1, "type": "lupa.checkpoint", "site": site, "seq": seq, "hash": hash_, "ts": ts}
    ).encode()
