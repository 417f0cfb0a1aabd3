"""Pre-send checks: who of these recipients may be contacted for purpose P on channel C now.

Every answer is stored compactly before it is given (one row: subject, keyed hash, outcome)
and each check gets one audit entry with a SHA-256 digest over all its answers. Lookups are
in check_lookup, a large check's snapshot of the site's answers in check_snapshot, the
threads of a streamed check's pipeline in check_stage.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future
from typing import Any

from flask import current_app
from sqlalchemy import insert

from service.domain import audit, marketing
from service.domain.checks import lookup as check_lookup
from service.domain.checks import snapshot as check_snapshot
from service.domain.checks import stage as check_stage
from service.domain.marketing import crypto, permission_cache
from service.domain.marketing.identifiers import EMAIL_RE, InvalidIdentifier, detect_kind, normalise
from service.errors import InvalidInput
from service.extensions import db
from service.models import (
    CheckAnswer,
    MarketingCheck,
    Site,
)
from service.models.types import utcnow

log = logging.getLogger("lupa.marketing.checks")
BATCH = 10000
# Lookups of a streamed check run on this many threads (own connections), batches taking
# turns: while one waits for the database the other prepares or reads its answer.
LOOKUP_THREADS = 2
# A streamed check of at least this many recipients, and at least a quarter of the site's
# identifiers, reads the site's whole answer set at once (check_snapshot) unless Redis holds
# it already.
SNAPSHOT_MIN = 50000
# Batches are stored on this many threads (own connections, taking turns): the COPY of
# one (the database's index inserts) overlaps the previous one's; commits stay in order.
STORE_THREADS = 2
# Batches read and hashed ahead while a snapshot loads (~1.5 MB each).
PREFETCH = 8


class CheckRun:
    """One check, fed in batches; answers are stored before they are returned."""

    def __init__(self, site: Site, purpose: str, channel: str, id_type: str, actor: str,
                 expected: int | None = None,
                 estimate: Callable[[int], int] | None = None) -> None:
        terms = marketing.current_terms(site)
        errors: dict[str, list[str]] = {}
        if purpose not in terms.purposes:
            errors["purpose"] = [f"must be one of {', '.join(terms.purposes)}"]
        if channel not in terms.channels:
            errors["channel"] = [f"must be one of {', '.join(terms.channels)}"]
        if errors:
            raise InvalidInput("The check does not fit the site's notice.", errors)
        # Only ids are kept: a streamed check outlives the request's session objects.
        self.site_id, self.purpose, self.channel, self.id_type = site.id, purpose, channel, id_type
        # The basis of the notice in force when the check starts answers the whole check.
        self.basis = terms.basis(purpose)
        self.actor = actor
        self.key = crypto.lookup_key(site.id)
        self._email_hmac = crypto.PrefixedHmac(self.key, b"email:")  # = crypto.lookup_hash
        self.digest = hashlib.sha256()
        self.counts = dict.fromkeys(marketing.OUTCOMES, 0)
        self.position = 0  # answers stored and counted
        self._submitted = 0  # answers handed on to be looked up and stored
        self.check = MarketingCheck(public_id=str(uuid.uuid4()), site_id=site.id, actor=actor,
                                    purpose=purpose, channel=channel, status="running")
        db.session.add(self.check)
        db.session.flush()
        self.check_id = self.check.id
        self.public_id = self.check.public_id
        self.status = "running"
        self._postgres = db.session.get_bind().dialect.name == "postgresql"
        self.expected = expected  # how many recipients the sender said are coming
        # else how many are coming, judged from how many came so far (a body's length)
        self.estimate = estimate
        self._site_size: int | None = None
        self._snapshot: check_snapshot.Loading | None = None

    def _hashes(self, recipients: list[str]) -> list[bytes | None]:
        # The hot loop of a million-recipient check: bound methods hoisted out of it.
        key, email_digest = self.key, self._email_hmac.digest
        email_re, id_type = EMAIL_RE, self.id_type
        out: list[bytes | None] = []
        append = out.append
        for raw in recipients:
            if id_type == "email" or (id_type == "auto" and "@" in raw):
                value = raw.strip().lower()
                if len(value) <= 254 and email_re.match(value):
                    try:
                        append(email_digest(value.encode()))
                    except UnicodeEncodeError:  # a lone surrogate, from a JSON escape
                        append(None)
                else:
                    append(None)
                continue
            try:
                kind = detect_kind(raw) if id_type == "auto" else id_type
                append(crypto.lookup_hash(key, kind, normalise(kind, raw)))
            except (InvalidIdentifier, UnicodeEncodeError):
                append(None)
        return out

    def answer(self, recipients: list[str]) -> list[int]:
        """Outcome codes for one batch, in order; stored (not yet committed) before returning."""
        hashes = self._hashes(recipients)
        start = self._submitted
        self._submitted += len(hashes)
        pairs, fill = self._resolve(hashes)
        fill()
        self._store(start, hashes, pairs)
        return self._account(start, hashes, pairs)

    def run_batches(self, batches: Iterable[list[str]]
                    ) -> Generator[tuple[list[str], list[int]], None, None]:
        """Answer batch after batch; each comes out (with its codes) once its answers are
        committed, so nothing is ever answered that is not stored.

        On PostgreSQL more threads, each with its own app context and so its own session and
        connection, form a pipeline: lookup threads (LOOKUP_THREADS, taking turns) look up
        the next batches (from a snapshot of the site's answers when the list is large next
        to the site, else Redis, then the database, then fill Redis) while store threads
        (STORE_THREADS, taking turns) COPY batches and commit them in order, while this
        thread reads and hashes the next batch and the caller sends the oldest committed
        one: the database's work overlaps Python's. Batches are committed strictly in order,
        and after a failed batch no later one is committed."""
        if not self._postgres:
            yield from self._run_serially(batches)
            return
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        stages: list[check_stage.Stage] = []
        pending: deque[tuple[list[str], list[bytes | None], int, Future[Any]]] = deque()
        batches = iter(batches)
        number = -1
        snapshot = "later"  # whether to read a snapshot: decided as the list comes in
        try:
            lookers = [check_stage.Stage(app, self._lookup_job) for _ in range(LOOKUP_THREADS)]
            stages += lookers
            storers = [check_stage.Stage(app, self._store_job) for _ in range(STORE_THREADS)]
            stages += storers
            stored: Future[Any] | None = None  # the previous batch's store
            while True:
                try:
                    batch = next(batches)
                    hashes = self._hashes(batch)
                except StopIteration:
                    break
                except Exception:  # a body cut short, say: first send what is answered
                    while pending:
                        yield self._collect(pending.popleft())
                    raise
                number += 1
                if snapshot == "later":
                    snapshot = self._snapshot_wanted(self._submitted + len(hashes))
                    if snapshot == "yes":
                        self._snapshot = check_snapshot.Loading(app, self.site_id, self.purpose,
                                                                self.channel, self._question())
                        db.session.commit()
                start = self._submitted
                self._submitted += len(hashes)
                found = lookers[number % LOOKUP_THREADS].submit(hashes)
                stored = storers[number % STORE_THREADS].submit(start, hashes, found, stored)
                pending.append((batch, hashes, start, stored))
                # While a snapshot loads, hash further ahead (the lookups wait for it).
                loading = self._snapshot is not None and not self._snapshot.ready()
                if len(pending) > (PREFETCH if loading else LOOKUP_THREADS + STORE_THREADS):
                    yield self._collect(pending.popleft())
            while pending:
                yield self._collect(pending.popleft())
        finally:
            self._wind_down(stages, pending)

    def _run_serially(self, batches: Iterable[list[str]]
                      ) -> Generator[tuple[list[str], list[int]], None, None]:
        """SQLite: one batch at a time on this thread, each committed before it is sent."""
        for batch in batches:
            codes = self.answer(batch)
            db.session.commit()
            yield batch, codes

    def _wind_down(self, stages: list[check_stage.Stage],
                   pending: deque[tuple[list[str], list[bytes | None], int, Future[Any]]]
                   ) -> None:
        for stage in stages:
            stage.close()  # each waits for its batches in flight
        if self._snapshot is not None:
            self._snapshot.close()  # its memory goes with the check
        # A client that went away leaves stored batches unsent: count them all the same,
        # so that the check's total and digest describe exactly what was stored.
        while pending:
            batch, hashes, start, future = pending.popleft()
            if future.done() and not future.cancelled() and future.exception() is None \
                    and start == self.position:
                self._account(start, hashes, future.result())

    def _snapshot_wanted(self, received: int) -> str:
        """"yes" when the list is large next to the site (the sender's `expected`, or the
        estimate from the body's length, once a full batch has come; or what has come so far)
        and Redis does not hold the site's answers; "later" while more recipients may tip
        it; "no" when it never will."""
        limit = int(current_app.config.get("LUPA_CHECK_SNAPSHOT_MAX", 0))
        # The hint counts once a full batch has come: one recipient and expected=10**9 must
        # not make every such request read the whole site.
        said = self.expected
        if said is None and self.estimate is not None and received >= BATCH:
            said = self.estimate(received)
        coming = max(said or 0, received) if received >= BATCH else received
        if limit <= 0:
            return "no"
        if coming < SNAPSHOT_MIN:
            return "later"
        if self._site_size is None:
            self._site_size = check_snapshot.site_size(self.site_id)
            db.session.commit()
        size = self._site_size
        if size > limit or size == 0:
            return "no"
        if coming * 4 < size:
            return "later"
        generation = marketing.current_generation(self.site_id)
        db.session.commit()
        cached = permission_cache.cached(self.site_id, generation, self.purpose, self.channel,
                                         self._question().variant)
        return "no" if cached * 2 >= size else "yes"

    def _ready_snapshot(self) -> check_snapshot.Snapshot | None:
        """The snapshot once loaded; while it loads, lookups wait for it rather than probe
        the database (probing would slow the reads that make them unnecessary)."""
        loading = self._snapshot
        if loading is None:
            return None
        try:
            return loading.result()
        except Exception as exc:
            log.warning("check %s: no snapshot (%s); looking up batch by batch",
                        self.public_id, type(exc).__name__)
            loading.drop()
            return None

    def _collect(self, item: tuple[list[str], list[bytes | None], int, Future[Any]]
                 ) -> tuple[list[str], list[int]]:
        batch, hashes, start, future = item
        return batch, self._account(start, hashes, future.result())

    def _question(self) -> check_lookup.Question:
        """What a batch asks now (a customer-relationship purpose: today's customers)."""
        return check_lookup.Question.now(self.purpose, self.channel, self.basis)

    def _resolve(self, hashes: list[bytes | None]
                 ) -> tuple[list[permission_cache.Answer], Callable[[], None]]:
        distinct = list({h for h in hashes if h is not None})
        answers, fill = check_lookup.lookup_deferred(
            self.site_id, self._question(), distinct
        ) if distinct else ({}, check_lookup.nothing)
        invalid = (None, marketing.INVALID)
        return [answers[h] if h is not None else invalid for h in hashes], fill

    def _lookup_job(self, hashes: list[bytes | None]) -> list[permission_cache.Answer]:
        snapshot = self._ready_snapshot()
        if snapshot is not None:
            pairs = snapshot.answers(marketing.current_generation(self.site_id), hashes)
            db.session.commit()
            if pairs is not None:
                return pairs
            assert self._snapshot is not None
            self._snapshot.drop()  # a permission changed: its memory can go
        pairs, fill = self._resolve(hashes)
        db.session.commit()  # ends the read transaction (a fresh snapshot per batch)
        fill()  # here, not in the store thread: storing is the pipeline's slowest stage
        return pairs

    def _store_job(self, start: int, hashes: list[bytes | None], found: Future[Any],
                   previous: Future[Any] | None) -> list[permission_cache.Answer]:
        """COPY one batch (in parallel with the previous batch's, on the other store thread),
        then commit it only once the previous batch is committed: batches are stored in
        order, and none after a failed one (its error is raised here, and the stage rolls
        this batch back)."""
        pairs: list[permission_cache.Answer] = found.result()
        self._store(start, hashes, pairs)
        if previous is not None:
            previous.result()
        db.session.commit()
        return pairs

    def _account(self, start: int, hashes: list[bytes | None],
                 pairs: list[permission_cache.Answer]) -> list[int]:
        """Fold one stored batch into the check's digest and counts, strictly in order."""
        if start != self.position:
            raise RuntimeError(f"batch at {start} accounted out of order ({self.position})")
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
        check.allowed = self.allowed
        check.counts = {k: v for k, v in self.counts.items() if v}
        check.digest = self.digest.hexdigest()
        check.finished_at = utcnow()
        summary = self.summary()
        audit.append(site, self.actor, "marketing.checked",
                     {k: v for k, v in summary.items() if k != "status" or status != "complete"})
        return summary

    @property
    def allowed(self) -> int:
        """How many may be contacted, on any basis (`counts` splits them by basis)."""
        return sum(self.counts[code.reason] for code in marketing.ALLOWING)

    def summary(self) -> dict[str, Any]:
        return {"check_id": self.public_id, "purpose": self.purpose,
                "channel": self.channel, "basis": self.basis.value, "total": self.position,
                "allowed": self.allowed,
                "counts": {k: v for k, v in self.counts.items() if v},
                "digest": self.digest.hexdigest(), "status": self.status}


def batched(items: Iterable[str], size: int | None = None) -> Iterator[list[str]]:
    size = size or BATCH
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
