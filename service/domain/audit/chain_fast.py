"""The verifier's hot loop: many entries per call, every unusual one handed to `feed()`.

`ChainVerifier.feed()` stays the reference: it knows every problem and how to report it. This
loop only accepts an entry when each check passes (sequence, link, payload digest, recomputed
hash; no checkpoint at that seq; not a `retention.reduced` entry, whose range feed() records).
Anything else (a problem, a checkpoint, a payload missing, a wrong type) goes through `feed()`
with the verifier's state as it would be, so the outcome is the same entry for entry; only the
clean path is shorter.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from json.encoder import encode_basestring  # type: ignore[attr-defined]

from service.domain.audit.chain import ChainVerifier, is_hex64
from service.domain.audit.coverage import RETENTION_REDUCED

# (seq, ts, actor, action, subject, payload, prev_hash, hash, v, payload_hash)
Row = tuple[int, str, str, str, str | None, str | None, str, str, int, str | None]

_HEAD_CACHE_LIMIT = 4096


def templates(site: str) -> tuple[str, str]:
    """%-templates of the canonical text after the '{"action":..,"actor":..' head, formats 2
    and 1. Same bytes as entry_hash_v2 / entry_hash (pinned by tests)."""
    tail = ('","seq":%d,"site":' + encode_basestring(site).replace("%", "%%")
            + ',"subject":%s,"ts":%s,"v":')
    return '%s%s","prev":"%s' + tail + "2}", '%s%s,"prev":"%s' + tail + "1}"


def feed_rows(verifier: ChainVerifier, rows: Iterable[Row]) -> None:
    """Feed rows in order, as `for r in rows: verifier.feed(*r)` would, only faster."""
    sha = hashlib.sha256
    esc = encode_basestring
    fromhex = bytes.fromhex
    tmpl2, tmpl1 = templates(verifier.site)
    heads: dict[tuple[str, str, int], str] = {}
    checkpoints = verifier.checkpoints
    reduction = RETENTION_REDUCED
    seqs, hashes = verifier.remembered_seqs, verifier.remembered_hashes
    expected, prev = verifier.expected_seq, verifier.prev_hash
    # The previous hash goes into the text unescaped only while it is a verified hex digest.
    trusted = is_hex64(prev)
    clean = 0
    try:
        for row in rows:
            seq, ts, actor, action, subject, payload, prev_hash, hash_, v, payload_hash = row
            if (trusted and seq == expected and prev_hash == prev and payload is not None
                    and seq not in checkpoints and action != reduction):
                try:
                    head = heads.get((action, actor, v))
                    if head is None:
                        if len(heads) > _HEAD_CACHE_LIMIT:
                            heads.clear()
                        head = heads[(action, actor, v)] = (
                            '{"action":' + esc(action) + ',"actor":' + esc(actor)
                            + (',"payload_sha256":"' if v == 2 else ',"payload":'))
                    subj = "null" if subject is None else esc(subject)
                    if v == 2:
                        digest = sha(payload.encode("utf-8")).hexdigest()
                        ok = payload_hash is None or payload_hash == digest
                        text = tmpl2 % (head, digest, prev_hash, seq, subj, esc(ts))
                    elif v == 1:
                        ok = True
                        text = tmpl1 % (head, esc(payload), prev_hash, seq, subj, esc(ts))
                    else:
                        ok = False
                    if ok and sha(text.encode("utf-8")).hexdigest() == hash_:
                        clean += 1
                        expected = seq + 1
                        prev = hash_
                        if seqs is not None:
                            seqs.append(seq)
                            hashes += fromhex(hash_)
                        continue
                except (TypeError, AttributeError, ValueError, UnicodeError):
                    pass  # feed() below meets the same fault and raises it the usual way
            verifier.entries += clean
            clean = 0
            verifier.expected_seq, verifier.prev_hash = expected, prev
            verifier.feed(*row)
            expected, prev = verifier.expected_seq, verifier.prev_hash
            trusted = type(prev) is str and is_hex64(prev)
    finally:
        verifier.entries += clean
        verifier.expected_seq, verifier.prev_hash = expected, prev
