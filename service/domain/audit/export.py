"""Self-contained audit exports that verify offline, with no database."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from operator import itemgetter
from typing import IO, Any

import orjson
from sqlalchemy import select

from service.domain.audit import export_split
from service.domain.audit import log as audit
from service.domain.audit.canonical import iso_utc
from service.domain.audit.chain import ChainVerifier, VerifyResult
from service.domain.audit.chain_fast import Row, feed_rows
from service.domain.audit.signing import public_keys_from_b64
from service.extensions import db
from service.models import AuditHead, Site
from service.models.types import utcnow

EXPORT_TYPE = "lupa.audit-export"
UNTRUSTED_KEYS_NOTE = (
    "public keys were taken from the export itself: this proves the file is consistent, not "
    "that the operator did not rewrite it; pass --public-key or --checkpoint kept outside"
)


class ExportFormatError(ValueError):
    """The file is not a Lupa audit export (or a checkpoint file) at all."""


def export_lines(site: Site) -> Iterator[dict[str, Any]]:
    """Header, checkpoints, entries, then the head: one JSON object per line.

    The head bounds the entries, so that entries appended while the export runs cannot make
    the file disagree with itself. Every stored checkpoint is written, read before the head: a
    checkpoint is committed with (or after) the entry it signs, so one past the head means
    the chain was cut back, and the file shows it (`truncated`).
    """
    checkpoints = audit.list_checkpoints(site)
    head = db.session.execute(
        select(AuditHead.seq, AuditHead.hash).where(AuditHead.site_id == site.id)
    ).one_or_none()
    head_seq, head_hash = (int(head[0]), str(head[1])) if head is not None else (0, "0" * 64)
    yield {"type": EXPORT_TYPE, "v": 1, "site": site.slug, "exported_at": iso_utc(utcnow()),
           "public_keys": audit.public_keys_b64()}
    for cp in checkpoints:
        yield {"type": "checkpoint", **cp}
    for entry in audit.iter_entries(site):
        if entry["seq"] > head_seq:
            break
        yield {"type": "entry", **entry}
    yield {"type": "head", "seq": head_seq, "hash": head_hash}


def parse_checkpoint_file(text: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Checkpoints and public keys from a file kept outside: one checkpoint, a list of them, or
    the body of GET /api/v1/sites/{site}/audit/checkpoints."""
    try:
        loaded = json.loads(text)
    except ValueError as exc:
        raise ExportFormatError(f"checkpoint file is not JSON: {exc}") from exc
    keys: dict[str, str] = {}
    if isinstance(loaded, dict) and "checkpoints" in loaded:
        keys = dict(loaded.get("public_keys") or {})
        loaded = loaded["checkpoints"]
    items = loaded if isinstance(loaded, list) else [loaded]
    if not all(isinstance(cp, dict) for cp in items):
        raise ExportFormatError("checkpoint file must hold checkpoint objects")
    return items, keys


def _read_header(it: Iterator[str], trusted_public_keys: list[str] | None
                 ) -> tuple[str, dict[str, Any]]:
    """The export's site and the keys to verify with (the caller's, else the file's own)."""
    try:
        header = json.loads(next(it))
    except (StopIteration, ValueError) as exc:
        raise ExportFormatError("not a Lupa audit export (no header line)") from exc
    if not isinstance(header, dict) or header.get("type") != EXPORT_TYPE:
        raise ExportFormatError("not a Lupa audit export")
    file_keys = header.get("public_keys") or {}
    keys = trusted_public_keys or list(file_keys.values() if isinstance(file_keys, dict) else [])
    try:
        return str(header.get("site")), public_keys_from_b64(keys)
    except ValueError as exc:
        raise ExportFormatError(f"bad public key: {exc}") from exc


def verify_export(
    lines: Iterable[str],
    trusted_public_keys: list[str] | None = None,
    external_checkpoints: list[dict[str, Any]] | None = None,
    progress: Callable[[int], None] | None = None,
) -> VerifyResult:
    """Verify an export file in one pass. Keys given by the caller replace those in the file."""
    it = iter(lines)
    site, public_keys = _read_header(it, trusted_public_keys)

    def start() -> ChainVerifier:
        verifier = ChainVerifier(site, (), public_keys, remember_hashes=True,
                                 keys_trusted=bool(trusted_public_keys))
        if not trusted_public_keys:
            verifier.notes.append(UNTRUSTED_KEYS_NOTE)
        for cp in external_checkpoints or []:
            verifier.add_checkpoint(cp, external=True)
        return verifier

    verifier = start()
    fd = export_split.splittable(lines)
    if fd is not None:
        clean, head = export_split.feed_halves(
            verifier, fd,
            lambda part, child: _EntryReader(verifier, site, part, None if child else progress))
        if clean:
            if head is None:
                verifier.problem("head_missing", None,
                                 "the export has no head line: it may be cut short")
            result = verifier.finish(head)
            if result.ok:
                return result
        # Anything unusual: the whole file again, in one pass, with a fresh verifier.
        lines.seek(0)  # type: ignore[attr-defined]
        next(it)
        verifier = start()
    reader = _EntryReader(verifier, site, it, progress)
    while True:
        try:
            feed_rows(verifier, reader)
            break
        except (KeyError, TypeError, AttributeError, ValueError):
            # A field of the wrong type fails inside the hash encoder; checking every field up
            # front would cost a quarter of the verification time. Reading resumes after it.
            verifier.problem("malformed", None,
                             f"line {reader.line_no}: entry lacks a field or its type")
    head = reader.head
    if head is None:
        verifier.problem("head_missing", None, "the export has no head line: it may be cut short")
    return verifier.finish(head)


class _EntryReader:
    """Iterates the entries of an export as rows for `feed_rows`; checkpoint, head and bad
    lines are handled on the way, in file order."""

    def __init__(self, verifier: ChainVerifier, site: str, lines: Iterator[str],
                 progress: Callable[[int], None] | None) -> None:
        self.verifier, self.site, self.lines, self.progress = verifier, site, lines, progress
        self.line_no = 1
        self.head: tuple[int, str] | None = None

    def __iter__(self) -> Iterator[Row]:
        verifier, site, progress = self.verifier, self.site, self.progress
        fast_loads, fields = orjson.loads, _ENTRY_FIELDS
        for line in self.lines:
            self.line_no = n = self.line_no + 1
            # orjson reads well-formed entry lines (3x faster than json); every other line,
            # and any line orjson reads differently (it refuses NaN and lone surrogates and
            # turns huge integers into floats), goes to the standard library.
            try:
                obj = fast_loads(line)
            except ValueError:
                obj = None
            if not (type(obj) is dict and obj.get("type") == "entry"
                    and type(obj.get("seq")) is int):
                try:
                    obj = json.loads(line)
                except ValueError:
                    if line.strip():
                        verifier.problem("malformed", None, f"line {n} is not JSON")
                    continue
            kind = obj.get("type") if isinstance(obj, dict) else None
            if kind == "entry":
                try:
                    seq, v = obj["seq"], obj.get("v", 1)
                    if type(seq) is not int or v not in (1, 2):
                        raise TypeError
                    if obj["site"] != site:
                        verifier.problem("foreign_entry", seq, "entry belongs to another site")
                    row = fields(obj) + (v, obj.get("payload_hash"))
                except (KeyError, TypeError, AttributeError, ValueError):
                    verifier.problem("malformed", None,
                                     f"line {n}: entry lacks a field or its type")
                    continue
                if progress and n % 100_000 == 0:
                    progress(verifier.entries)
                yield row
            elif kind == "checkpoint":
                verifier.add_checkpoint(obj)
            elif kind == "head" and self.head is None:
                try:
                    self.head = (int(obj["seq"]), str(obj["hash"]))
                except (KeyError, TypeError, ValueError):
                    verifier.problem("malformed", None, f"line {n}: bad head")
            else:
                verifier.problem("malformed", None, f"line {n}: unexpected {kind!r} line")


_ENTRY_FIELDS = itemgetter("seq", "ts", "actor", "action", "subject", "payload", "prev_hash",
                           "hash")


def write_line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False) + "\n"


def write_jsonl(objs: Iterable[dict[str, Any]], out: IO[str]) -> int:
    n = 0
    for obj in objs:
        out.write(write_line(obj))
        n += 1
    return n
