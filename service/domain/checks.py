"""Pre-send checks: who of these recipients may be contacted for purpose P on channel C now.

Every answer is stored compactly before it is given (one row: subject, keyed hash, outcome)
and each check gets one audit entry with a SHA-256 digest over all its answers.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import any_, bindparam, insert, select
from sqlalchemy.dialects.postgresql import ARRAY

from service.domain import audit, crypto, marketing, permission_cache
from service.domain.canonical import iso_utc
from service.domain.identifiers import EMAIL_RE, InvalidIdentifier, detect_kind, normalise
from service.errors import InvalidInput
from service.extensions import db
from service.models import (
    CheckAnswer,
    MarketingCheck,
    MarketingPermission,
    Site,
    Subject,
    SubjectIdentifier,
)
from service.models.types import utcnow

BATCH = 10000


def _lookup_db(site_id: int, purpose: str, channel: str,
               hashes: list[bytes]) -> dict[bytes, permission_cache.Answer]:
    """Three index lookups rather than one join: the planner's hash join over the whole
    permission table would cost each batch a full scan on large sites."""
    if db.session.get_bind().dialect.name == "postgresql":
        return _lookup_pg(site_id, purpose, channel, hashes)
    pairs = db.session.execute(
        select(SubjectIdentifier.lookup_hash, SubjectIdentifier.subject_id)
        .where(SubjectIdentifier.site_id == site_id, _any(SubjectIdentifier.lookup_hash, hashes))
    ).all()
    out: dict[bytes, permission_cache.Answer] = {h: (None, marketing.UNKNOWN) for h in hashes}
    if not pairs:
        return out
    ids = list({sid for _, sid in pairs})
    rows: dict[int, list[tuple[str, str, str, bool]]] = {}
    for sid, p, c, state, prohibited in db.session.execute(
        select(MarketingPermission.subject_id, MarketingPermission.purpose,
               MarketingPermission.channel, MarketingPermission.state,
               MarketingPermission.prohibited)
        .where(_any(MarketingPermission.subject_id, ids),
               MarketingPermission.purpose.in_((purpose, marketing.ANY)),
               MarketingPermission.channel.in_((channel, marketing.ANY)))
    ):
        rows.setdefault(sid, []).append((p, c, state, prohibited))
    restricted = set(db.session.execute(
        select(Subject.id).where(_any(Subject.id, ids), Subject.restricted_at.is_not(None))
    ).scalars())
    for digest, sid in pairs:
        out[bytes(digest)] = (sid, marketing.outcome_of(rows.get(sid, ()), purpose, channel,
                                                        sid in restricted))
    return out


_PG_IDENTIFIERS = ("SELECT lookup_hash, subject_id FROM subject_identifiers "
                   "WHERE site_id = %b AND lookup_hash = ANY(%b)")
_PG_PERMISSIONS = ("SELECT subject_id, purpose, channel, state, prohibited "
                   "FROM marketing_permissions WHERE subject_id = ANY(%b) "
                   "AND purpose IN (%b, '*') AND channel IN (%b, '*')")
_PG_RESTRICTED = "SELECT id FROM subjects WHERE id = ANY(%b) AND restricted_at IS NOT NULL"


def _lookup_pg(site_id: int, purpose: str, channel: str,
               hashes: list[bytes]) -> dict[bytes, permission_cache.Answer]:
    """The same three index lookups with binary parameters and results (psycopg, in the
    session's transaction): text-encoding 10,000 hashes each way costs more than the query."""
    raw: Any = db.session.connection().connection.driver_connection
    out: dict[bytes, permission_cache.Answer] = {h: (None, marketing.UNKNOWN) for h in hashes}
    with raw.cursor(binary=True) as cur:
        pairs = cur.execute(_PG_IDENTIFIERS, (site_id, hashes)).fetchall()
        if not pairs:
            return out
        ids = list({sid for _, sid in pairs})
        rows: dict[int, list[tuple[str, str, str, bool]]] = {}
        for sid, p, c, state, prohibited in cur.execute(_PG_PERMISSIONS,
                                                        (ids, purpose, channel)):
            rows.setdefault(sid, []).append((p, c, state, prohibited))
        restricted = {r[0] for r in cur.execute(_PG_RESTRICTED, (ids,))}
    for digest, sid in pairs:
        out[bytes(digest)] = (sid, marketing.outcome_of(rows.get(sid, ()), purpose, channel,
                                                        sid in restricted))
    return out


def _any(column: Any, values: list[Any]) -> Any:
    """`column = ANY(array)` on PostgreSQL (one parameter), `IN (...)` elsewhere."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def lookup(site_id: int, purpose: str, channel: str,
           hashes: list[bytes]) -> dict[bytes, permission_cache.Answer]:
    """Current answers for distinct hashes: Redis for what it has, the database for the rest."""
    generation = marketing.current_generation(site_id)
    found = permission_cache.get_many(site_id, generation, purpose, channel, hashes)
    missing = [h for h in hashes if h not in found]
    if missing:
        fresh = _lookup_db(site_id, purpose, channel, missing)
        permission_cache.put_many(site_id, generation, purpose, channel, fresh)
        found.update(fresh)
    return found


class CheckRun:
    """One check, fed in batches; answers are stored before they are returned."""

    def __init__(self, site: Site, purpose: str, channel: str, id_type: str, actor: str) -> None:
        purposes, channels, _ = marketing.notice_marketing(site)
        errors: dict[str, list[str]] = {}
        if purpose not in purposes:
            errors["purpose"] = [f"must be one of {', '.join(purposes)}"]
        if channel not in channels:
            errors["channel"] = [f"must be one of {', '.join(channels)}"]
        if errors:
            raise InvalidInput("The check does not fit the site's notice.", errors)
        # Only ids are kept: a streamed check outlives the request's session objects.
        self.site_id, self.purpose, self.channel, self.id_type = site.id, purpose, channel, id_type
        self.actor = actor
        self.key = crypto.lookup_key(site.id)
        self.digest = hashlib.sha256()
        self.counts = dict.fromkeys(marketing.OUTCOMES, 0)
        self.position = 0
        self.check = MarketingCheck(public_id=str(uuid.uuid4()), site_id=site.id, actor=actor,
                                    purpose=purpose, channel=channel, status="running")
        db.session.add(self.check)
        db.session.flush()
        self.check_id = self.check.id
        self.public_id = self.check.public_id
        self.status = "running"
        self._postgres = db.session.get_bind().dialect.name == "postgresql"

    def _hashes(self, recipients: list[str]) -> list[bytes | None]:
        # The hot loop of a million-recipient check: bound methods hoisted out of it.
        key, digest, sha256 = self.key, hmac.digest, hashlib.sha256
        email_re, id_type = EMAIL_RE, self.id_type
        out: list[bytes | None] = []
        append = out.append
        for raw in recipients:
            if id_type == "email" or (id_type == "auto" and "@" in raw):
                value = raw.strip().lower()
                if len(value) <= 254 and email_re.match(value):
                    append(digest(key, b"email:" + value.encode(), sha256))
                else:
                    append(None)
                continue
            try:
                kind = detect_kind(raw) if id_type == "auto" else id_type
                append(crypto.lookup_hash(key, kind, normalise(kind, raw)))
            except InvalidIdentifier:
                append(None)
        return out

    def answer(self, recipients: list[str]) -> list[int]:
        """Outcome codes for one batch, in order; stored (not yet committed) before returning."""
        hashes = self._hashes(recipients)
        distinct = list({h for h in hashes if h is not None})
        answers = lookup(self.site_id, self.purpose, self.channel, distinct) if distinct else {}
        invalid = (None, marketing.INVALID)
        pairs = [answers[h] if h is not None else invalid for h in hashes]
        start = self.position
        self.position += len(hashes)
        codes = [code for _, code in pairs]
        # The digest covers every answer in order: "position:keyed-hash-hex:outcome" lines.
        self.digest.update("".join(
            f"{pos}:{h.hex() if h is not None else '-'}:{code}\n"
            for pos, h, code in zip(range(start + 1, self.position + 1), hashes, codes,
                                    strict=True)
        ).encode())
        counts = self.counts
        for code, n in Counter(codes).items():
            counts[marketing.OUTCOMES[code]] += n
        self._store(start, hashes, pairs)
        return codes

    def _store(self, start: int, hashes: list[bytes | None],
               pairs: list[permission_cache.Answer]) -> None:
        if not hashes:
            return
        check_id = self.check_id
        if self._postgres:
            # COPY in text format: NULL is \N and bytea is \\x<hex> (backslash doubled).
            null, bytea = "\\N", "\\\\x"
            block = "".join(
                f"{check_id}\t{pos}\t{null if sid is None else sid}\t"
                f"{null if h is None else bytea + h.hex()}\t{code}\n"
                for pos, h, (sid, code) in zip(range(start + 1, start + len(hashes) + 1),
                                               hashes, pairs, strict=True)
            ).encode()
            raw: Any = db.session.connection().connection.driver_connection
            with raw.cursor() as cur, cur.copy(
                "COPY marketing_check_answers (check_id, position, subject_id, lookup_hash, "
                "outcome) FROM STDIN"
            ) as copy:
                copy.write(block)
        else:
            db.session.execute(insert(CheckAnswer), [
                {"check_id": check_id, "position": pos, "subject_id": sid, "lookup_hash": h,
                 "outcome": code}
                for pos, h, (sid, code) in zip(range(start + 1, start + len(hashes) + 1),
                                               hashes, pairs, strict=True)
            ])

    def finish(self, status: str = "complete") -> dict[str, Any]:
        """Close the check and append its one audit entry (in the caller's transaction)."""
        check = db.session.get(MarketingCheck, self.check_id)
        site = db.session.get(Site, self.site_id)
        assert check is not None and site is not None
        self.status = status
        check.status, check.total = status, self.position
        check.allowed = self.counts["allowed"]
        check.counts = {k: v for k, v in self.counts.items() if v}
        check.digest = self.digest.hexdigest()
        check.finished_at = utcnow()
        summary = self.summary()
        audit.append(site, self.actor, "marketing.checked",
                     {k: v for k, v in summary.items() if k != "status" or status != "complete"})
        return summary

    def summary(self) -> dict[str, Any]:
        return {"check_id": self.public_id, "purpose": self.purpose,
                "channel": self.channel, "total": self.position,
                "allowed": self.counts["allowed"],
                "counts": {k: v for k, v in self.counts.items() if v},
                "digest": self.digest.hexdigest(), "status": self.status}


def result(recipient: str, code: int) -> dict[str, Any]:
    return {"recipient": recipient, "may_contact": code == marketing.ALLOWED,
            "reason": None if code == marketing.ALLOWED else marketing.OUTCOMES[code]}


def batched(items: Iterable[str], size: int = BATCH) -> Iterator[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def answers_about(subject: Subject, limit: int = 1000) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(MarketingCheck.public_id, MarketingCheck.purpose, MarketingCheck.channel,
               MarketingCheck.actor, MarketingCheck.created_at, CheckAnswer.outcome)
        .join(MarketingCheck, MarketingCheck.id == CheckAnswer.check_id)
        .where(CheckAnswer.subject_id == subject.id, MarketingCheck.site_id == subject.site_id)
        .order_by(CheckAnswer.check_id, CheckAnswer.position)
        .limit(limit)
    )
    return [{"check_id": pid, "purpose": p, "channel": c, "actor": actor,
             "asked_at": iso_utc(at), "may_contact": code == marketing.ALLOWED,
             "reason": None if code == marketing.ALLOWED else marketing.OUTCOMES[code]}
            for pid, p, c, actor, at, code in rows]
