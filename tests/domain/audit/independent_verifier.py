"""An audit-export verifier written from docs/audit-format.md alone.

It imports nothing of Lupa (`service/`): only hashlib, json, base64 and the `cryptography`
package's Ed25519, as an outside auditor would. Section numbers refer to that page. The tests in
test_independent_verifier.py check that it agrees with `lupa audit verify`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

GENESIS = "0" * 64  # section 4
_SHORT = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"',
          "\\": "\\\\"}


# -- section 2: RFC 8785 (JCS) for objects, strings, integers, null ---------------------------

def jcs(value: Any) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, dict):
        names = sorted(value, key=lambda name: name.encode("utf-16-be"))
        return "{" + ",".join(_quote(n) + ":" + jcs(value[n]) for n in names) + "}"
    raise TypeError(f"no canonical form here for {type(value).__name__}")


def _quote(text: str) -> str:
    out = []
    for ch in text:
        if ch in _SHORT:
            out.append(_SHORT[ch])
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- sections 3 and 6: what is hashed and what is signed ---------------------------------------

def entry_hash(site: str, e: dict[str, Any]) -> str | None:
    """Section 3.1; None when it cannot be computed (unverifiable)."""
    hashed: dict[str, Any] = {"v": e["v"], "site": site, "seq": e["seq"], "ts": e["ts"],
                              "actor": e["actor"], "action": e["action"],
                              "subject": e["subject"], "prev": e["prev_hash"]}
    if e["v"] == 1:
        if e["payload"] is None:
            return None
        hashed["payload"] = e["payload"]
    else:
        digest = sha256_hex(e["payload"]) if e["payload"] is not None else e["payload_hash"]
        if digest is None:
            return None
        hashed["payload_sha256"] = digest
    return sha256_hex(jcs(hashed))


def checkpoint_message(site: str, cp: dict[str, Any]) -> bytes:
    return jcs({"v": 1, "type": "lupa.checkpoint", "site": site, "seq": cp["seq"],
                "hash": cp["hash"], "ts": cp["ts"]}).encode("utf-8")


def key_id(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:16]


def public_keys(values: list[str]) -> dict[str, Ed25519PublicKey]:
    keys = {}
    for value in values:
        raw = base64.b64decode(value)
        keys[key_id(raw)] = Ed25519PublicKey.from_public_bytes(raw)
    return keys


def read_checkpoint_file(text: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Section 8: (checkpoints, trusted base64 public keys)."""
    loaded = json.loads(text)
    if isinstance(loaded, dict) and "checkpoints" in loaded:
        return list(loaded["checkpoints"]), list((loaded.get("public_keys") or {}).values())
    return (loaded if isinstance(loaded, list) else [loaded]), []


# -- section 9 ---------------------------------------------------------------------------------

@dataclass
class Report:
    problems: list[tuple[str, int | None]] = field(default_factory=list)
    entries: int = 0
    anchored: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def kinds(self) -> set[str]:
        return {kind for kind, _ in self.problems}


_FIELDS = ("site", "seq", "ts", "actor", "action", "subject", "payload", "prev_hash", "hash")


def _well_formed_entry(obj: dict[str, Any]) -> dict[str, Any] | None:
    """Section 9, `malformed`: every field there, `seq` an integer, `v` 1 or 2, and what goes
    into the hashed object (section 3.1) a string, or null where that is allowed."""
    e = {"v": 1, "payload_hash": None, **obj}
    if any(name not in e for name in _FIELDS):
        return None
    if type(e["seq"]) is not int or type(e["v"]) is not int or e["v"] not in (1, 2):
        return None
    if not all(isinstance(e[name], str) for name in ("ts", "actor", "action", "prev_hash")):
        return None
    if not all(e[name] is None or isinstance(e[name], str) for name in ("subject", "payload")):
        return None
    hashed_digest = e["v"] == 2 and e["payload"] is None
    if hashed_digest and not (e["payload_hash"] is None or isinstance(e["payload_hash"], str)):
        return None
    return e


def _well_formed_checkpoint(cp: Any) -> bool:
    return (isinstance(cp, dict) and type(cp.get("seq")) is int
            and all(isinstance(cp.get(n), str) for n in ("hash", "ts", "signature")))


class _Chain:
    def __init__(self, site: str, report: Report) -> None:
        self.site, self.report = site, report
        self.last_seq, self.last_hash = 0, GENESIS
        self.stored: dict[int, tuple[str, bool]] = {}  # seq -> (hash, recomputed hash matched)
        self.reduced: list[int] = []
        self.ranges: list[tuple[int, int, int]] = []  # (seq of retention.reduced, first, last)

    def problem(self, kind: str, seq: int | None) -> None:
        self.report.problems.append((kind, seq))

    def entry(self, e: dict[str, Any]) -> None:
        seq = e["seq"]
        self.report.entries += 1
        if e["site"] != self.site:
            self.problem("foreign_entry", seq)
        if seq != self.last_seq + 1:
            self.problem("sequence", seq)
        if e["prev_hash"] != self.last_hash:
            self.problem("link", seq)
        if (e["v"] == 2 and e["payload"] is not None and e["payload_hash"] is not None
                and sha256_hex(e["payload"]) != e["payload_hash"]):
            self.problem("payload_hash", seq)
        computed = entry_hash(self.site, e)
        intact = computed == e["hash"]
        if computed is None:
            self.problem("unverifiable", seq)
        elif not intact:
            self.problem("hash", seq)
        if intact and e["payload"] is None:
            self.reduced.append(seq)  # section 5
        elif intact and e["action"] == "retention.reduced":
            self._retention_range(seq, e["payload"])
        self.stored[seq] = (e["hash"], intact)
        self.last_seq, self.last_hash = seq, e["hash"]

    def _retention_range(self, seq: int, payload: str) -> None:
        try:
            stated = json.loads(payload)
        except ValueError:
            return
        if isinstance(stated, dict):
            first, last = stated.get("first_seq"), stated.get("last_seq")
            if type(first) is int and type(last) is int:
                self.ranges.append((seq, first, last))

    def checkpoint(self, cp: Any, keys: dict[str, Ed25519PublicKey], anchors: bool) -> None:
        if not _well_formed_checkpoint(cp):
            self.problem("malformed", None)
            return
        seq = cp["seq"]
        if cp.get("site", self.site) != self.site:
            self.problem("checkpoint_site", seq)
            return
        key = keys.get(str(cp.get("key_id")))
        if key is None:
            self.problem("checkpoint_key", seq)
            return
        try:
            key.verify(base64.b64decode(cp["signature"]), checkpoint_message(self.site, cp))
        except (InvalidSignature, ValueError):
            self.problem("checkpoint_signature", seq)
            return
        if seq > self.last_seq:
            self.problem("truncated", seq)
            return
        stored = self.stored.get(seq)
        if stored is None or stored != (cp["hash"], True):
            self.problem("checkpoint_mismatch", seq)
        elif anchors:
            self.report.anchored = True

    def unaccounted(self) -> None:
        for seq in self.reduced:
            if not any(first <= seq <= last and seq < at for at, first, last in self.ranges):
                self.problem("payload_missing", seq)


def verify_bundle(lines: list[str], trusted_keys: list[str] | None = None,
                  kept: list[dict[str, Any]] | None = None) -> Report:
    """Section 9 over the lines of an export (section 7). `trusted_keys`: base64 public keys
    the auditor trusts; `kept`: checkpoints kept outside."""
    header = json.loads(lines[0])
    if not isinstance(header, dict) or header.get("type") != "lupa.audit-export":
        raise ValueError("not a Lupa audit export")
    site = header["site"]
    keys = public_keys(trusted_keys or list((header.get("public_keys") or {}).values()))
    report = Report()
    chain = _Chain(site, report)
    file_checkpoints: list[Any] = []
    heads: list[Any] = []
    for line in lines[1:]:
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            chain.problem("malformed", None)
            continue
        kind = obj.get("type") if isinstance(obj, dict) else None
        if kind == "entry":
            e = _well_formed_entry(obj)
            if e is None:
                chain.problem("malformed", None)
            else:
                chain.entry(e)
        elif kind == "checkpoint":
            file_checkpoints.append(obj)
        elif kind == "head":
            heads.append(obj)
        else:
            chain.problem("malformed", None)
    for cp in file_checkpoints:
        chain.checkpoint(cp, keys, anchors=bool(trusted_keys))
    for cp in kept or []:
        chain.checkpoint(cp, keys, anchors=True)
    chain.unaccounted()
    if not heads:
        chain.problem("head_missing", None)
    else:
        if len(heads) > 1:
            chain.problem("malformed", None)
        head = heads[0]
        if (head.get("seq"), head.get("hash")) != (chain.last_seq, chain.last_hash):
            chain.problem("head_mismatch", chain.last_seq)
    return report
