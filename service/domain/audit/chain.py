"""Pure hash-chain rules: the entry hash and a streaming verifier that needs no database."""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from service.domain.audit.coverage import RETENTION_REDUCED, stated_range, uncovered
from service.domain.audit.hashes import (  # re-exported: callers import them from here
    GENESIS_HASH,
    checkpoint_message,
    compute_entry_hash,
    entry_hash,
    entry_hash_v2,
    payload_digest,
)
from service.domain.audit.signing import signature_valid

__all__ = ["GENESIS_HASH", "ChainProblem", "ChainVerifier", "VerifyResult",
           "checkpoint_message", "compute_entry_hash", "entry_hash", "entry_hash_v2",
           "is_hex64", "payload_digest"]
MAX_REPORTED_PROBLEMS = 100
UNANCHORED_NOTE = (
    "nothing anchored: no checkpoint signed by a trusted key, or kept outside, matched an "
    "entry, so a rewrite of the whole chain would pass too; keep checkpoints outside "
    "(--checkpoint) or pass --public-key, or accept this with --allow-unanchored"
)
_MISMATCH = b"\xff" * 32  # remembered in place of a hash that did not verify
_sha256 = hashlib.sha256


@dataclass
class ChainProblem:
    kind: str
    seq: int | None
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "seq": self.seq, "detail": self.detail}


@dataclass
class VerifyResult:
    site: str
    ok: bool
    entries: int
    last_seq: int
    last_hash: str
    checkpoints_checked: int
    problems: list[ChainProblem] = field(default_factory=list)
    problem_count: int = 0
    notes: list[str] = field(default_factory=list)
    anchored: bool = True

    @property
    def kinds(self) -> set[str]:
        return {p.kind for p in self.problems}

    def as_dict(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "ok": self.ok,
            "entries": self.entries,
            "last_seq": self.last_seq,
            "last_hash": self.last_hash,
            "checkpoints_checked": self.checkpoints_checked,
            "anchored": self.anchored,
            "problem_count": self.problem_count,
            "problems": [p.as_dict() for p in self.problems],
            "notes": list(self.notes),
        }


class ChainVerifier:
    """Feed entries in order; detects edits, gaps, insertions, reordering and truncation.

    Checkpoints may be given up front or added later with `add_checkpoint` (an export file
    lists them after the entries); only checkpoints whose signature verifies count as evidence.
    The chain is anchored when at least one of them matched its entry and was either signed
    by a key the caller trusts (`keys_trusted`) or given as kept outside (`external`).

    A format-2 entry without its payload (reduced) must be accounted for by a later intact
    `retention.reduced` entry whose first_seq..last_seq covers it; `finish()` reports every
    other one as `payload_missing`.
    """

    def __init__(
        self,
        site: str,
        checkpoints: Iterable[Mapping[str, Any]] = (),
        public_keys: Mapping[str, Ed25519PublicKey] | None = None,
        remember_hashes: bool = False,
        keys_trusted: bool = True,
    ) -> None:
        self.site = site
        self.keys_trusted = keys_trusted
        self.public_keys = dict(public_keys or {})
        self.expected_seq = 1
        self.prev_hash = GENESIS_HASH
        self.entries = 0
        self.problems: list[ChainProblem] = []
        self.problem_count = 0
        self.notes: list[str] = []
        # seq -> [(checkpoint, whether a match there anchors the chain)]
        self.checkpoints: dict[int, list[tuple[Mapping[str, Any], bool]]] = {}
        self.checkpoints_checked = 0
        self.compared: set[int] = set()  # seqs whose checkpoints met their entry (public)
        self.anchors = 0  # checkpoints matched that anchor the chain
        # Each checkpoint counts once, however often it is given (a bundle's own line and the
        # auditor's kept copy of it): identity -> whether it anchors; those that matched.
        self._seen: dict[tuple[int, str, str], bool] = {}
        self._matched: set[tuple[int, str, str]] = set()
        # Reduced payloads as runs [first, last] of seqs, and the reductions the chain records
        # as (seq of the retention.reduced entry, first_seq, last_seq). Public: the split
        # verifiers join a child's lists to these.
        self.reduced: list[list[int]] = []
        self.reductions: list[tuple[int, int, int]] = []
        # With remember_hashes, late checkpoints can be compared: 8 + 32 bytes per entry.
        # Public: the fast path (chain_fast.feed_rows) appends the entries it accepts.
        self.remembered_seqs: array[int] | None = array("q") if remember_hashes else None
        self.remembered_hashes = bytearray()
        for cp in checkpoints:
            self.add_checkpoint(cp)

    def problem(self, kind: str, seq: int | None, detail: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_REPORTED_PROBLEMS:
            self.problems.append(ChainProblem(kind, seq, detail))

    _problem = problem  # older name, kept for callers

    def _signature_ok(self, cp: Mapping[str, Any]) -> int | None:
        """The checkpoint's seq if it is well formed, for this site and validly signed."""
        try:
            seq, hash_, ts, sig = cp["seq"], cp["hash"], cp["ts"], cp["signature"]
            if type(seq) is not int or not all(isinstance(v, str) for v in (hash_, ts, sig)):
                raise TypeError
        except (KeyError, TypeError):
            self.problem("malformed", None, "checkpoint lacks seq, hash, ts or signature")
            return None
        if cp.get("site") not in (None, self.site):
            self.problem("checkpoint_site", seq, "checkpoint belongs to another site")
            return None
        key = self.public_keys.get(str(cp.get("key_id")))
        if key is None:
            self.problem("checkpoint_key", seq, f"unknown signing key {cp.get('key_id')!r}")
            return None
        if not signature_valid(key, checkpoint_message(self.site, seq, hash_, ts), sig):
            self.problem("checkpoint_signature", seq, "checkpoint signature does not verify")
            return None
        return seq

    def add_checkpoint(self, cp: Mapping[str, Any], external: bool = False) -> None:
        """`external`: kept outside the system being verified (an auditor's own copy)."""
        seq = self._signature_ok(cp)
        if seq is None:
            return
        anchors = self.keys_trusted or external
        ident = _identity(cp)
        if ident in self._seen:
            self._given_again(ident, anchors)
            return
        self._seen[ident] = anchors
        # The remembered seqs are current even while the fast path holds expected_seq in its
        # locals (an export's reader adds the checkpoint lines it meets during feed_rows).
        fed = self.remembered_seqs
        if fed is not None:
            late = bool(fed) and seq <= fed[-1]
        else:
            late = bool(self.entries) and seq <= self.expected_seq - 1
        if late:
            if self._compare_late(seq, str(cp["hash"]), anchors):
                self._matched.add(ident)
        else:
            self.checkpoints.setdefault(seq, []).append((cp, anchors))

    def _given_again(self, ident: tuple[int, str, str], anchors: bool) -> None:
        """The same checkpoint again: counted once; a kept copy of one that did not anchor
        (signed by a key not trusted) makes it anchor."""
        if not anchors or self._seen[ident]:
            return
        self._seen[ident] = True
        if ident in self._matched:  # it already met its entry, and matched
            self.anchors += 1
            return
        seq = ident[0]
        if seq in self.checkpoints and seq not in self.compared:  # still waiting for it
            self.checkpoints[seq] = [(cp, a or _identity(cp) == ident)
                                     for cp, a in self.checkpoints[seq]]

    def _compare_late(self, seq: int, cp_hash: str, anchors: bool) -> bool:
        if self.remembered_seqs is None:
            raise RuntimeError("late checkpoints need remember_hashes=True")
        # Entries normally have seq 1..n at positions 0..n-1; fall back to a scan otherwise.
        pos = seq - 1
        if not (0 <= pos < len(self.remembered_seqs) and self.remembered_seqs[pos] == seq):
            pos = next((i for i, s in enumerate(self.remembered_seqs) if s == seq), -1)
        self.checkpoints_checked += 1
        signed = bytes.fromhex(cp_hash) if is_hex64(cp_hash) else None
        if pos < 0 or signed is None or self.remembered_hashes[pos * 32 : pos * 32 + 32] != signed:
            self.problem("checkpoint_mismatch", seq, "entry differs from signed checkpoint")
            return False
        if anchors:
            self.anchors += 1
        return True

    def feed(
        self,
        seq: int,
        ts: str,
        actor: str,
        action: str,
        subject: str | None,
        payload: str | None,
        prev_hash: str,
        hash_: str,
        v: int = 1,
        payload_hash: str | None = None,
    ) -> None:
        self.entries += 1
        if seq != self.expected_seq:
            self.problem("sequence", seq, f"expected seq {self.expected_seq}, found {seq}")
        if prev_hash != self.prev_hash:
            self.problem("link", seq, "previous-hash link is broken")
        computed: str | None
        if v == 2 and payload is not None:
            digest = _sha256(payload.encode("utf-8")).hexdigest()
            if payload_hash is not None and digest != payload_hash:
                self.problem("payload_hash", seq, "stored payload hash does not match payload")
            computed = entry_hash_v2(self.site, seq, ts, actor, action, subject, digest,
                                     prev_hash)
        elif v == 1 and payload is not None:
            computed = entry_hash(self.site, seq, ts, actor, action, subject, payload, prev_hash)
        else:
            computed = compute_entry_hash(self.site, seq, ts, actor, action, subject, payload,
                                          prev_hash, v, payload_hash)
        intact = computed == hash_
        if computed is None:
            self.problem("unverifiable", seq, f"format {v} entry without what its hash covers")
        elif not intact:
            self.problem("hash", seq, "entry content does not match its hash")
        if intact and payload is None:  # format 2: format 1 without a payload cannot be
            self._reduced(seq)
        elif intact and action == RETENTION_REDUCED and payload is not None:
            self._reduction(seq, payload)
        if self.remembered_seqs is not None:
            self.remembered_seqs.append(seq)
            self.remembered_hashes += bytes.fromhex(hash_) if intact else _MISMATCH
        cps = self.checkpoints.get(seq)
        if cps:
            self.compared.add(seq)
            for cp, anchors in cps:
                self.checkpoints_checked += 1
                if cp["hash"] != hash_ or not intact:
                    self.problem("checkpoint_mismatch", seq, "entry differs from signed checkpoint")
                    continue
                self._matched.add(_identity(cp))
                if anchors:
                    self.anchors += 1
        self.prev_hash = hash_
        self.expected_seq = seq + 1

    def _reduced(self, seq: int) -> None:
        runs = self.reduced
        if runs and runs[-1][1] == seq - 1:
            runs[-1][1] = seq
        else:
            runs.append([seq, seq])

    def _reduction(self, seq: int, payload: str) -> None:
        stated = stated_range(payload)
        if stated is not None:
            self.reductions.append((seq, *stated))

    def _unaccounted_reductions(self) -> None:
        """A reduced payload needs a later retention.reduced entry whose range covers it."""
        for seq in uncovered(self.reduced, self.reductions):
            self.problem("payload_missing", seq,
                         "payload removed without a retention.reduced entry covering it")

    def finish(self, head: tuple[int, str] | None = None) -> VerifyResult:
        last_seq = self.expected_seq - 1
        if self.reduced:
            self._unaccounted_reductions()
        for seq in sorted(self.checkpoints):
            if seq > last_seq:
                self.problem(
                    "truncated", seq, f"signed checkpoint at seq {seq} but chain ends at {last_seq}"
                )
            elif seq not in self.compared:  # its entry is gone (the chain goes on past it)
                self.checkpoints_checked += len(self.checkpoints[seq])
                self.problem("checkpoint_mismatch", seq, "no entry has a signed checkpoint's seq")
        if head is not None and (head[0] != last_seq or head[1] != self.prev_hash):
            self.problem(
                "head_mismatch",
                last_seq,
                f"chain head says seq {head[0]}, entries end at {last_seq}",
            )
        anchored = self.anchors > 0
        if not anchored:
            self.notes.append(UNANCHORED_NOTE)
        return VerifyResult(
            site=self.site,
            ok=self.problem_count == 0,
            entries=self.entries,
            last_seq=last_seq,
            last_hash=self.prev_hash,
            checkpoints_checked=self.checkpoints_checked,
            problems=self.problems,
            problem_count=self.problem_count,
            notes=self.notes,
            anchored=anchored,
        )


def is_hex64(value: str) -> bool:
    """A lowercase 64-digit hex string (a SHA-256 digest as the chain stores it)."""
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def _identity(cp: Mapping[str, Any]) -> tuple[int, str, str]:
    """What makes two checkpoint objects the same checkpoint: its seq, hash and signature."""
    return int(cp["seq"]), str(cp["hash"]), str(cp["signature"])
