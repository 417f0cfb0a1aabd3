"""A snapshot of a site's whole answer set for one purpose x channel, for checks of lists
that are large next to the site (PostgreSQL only).

Probing the indexes costs the database ~5 us per recipient; reading every identifier of the
site once, in index order, and every subject's answer, folded in SQL, costs ~1.5 us per
subject, and looking a recipient up in the worker is then cheap. Worth it when the list
holds a fair share of the site's subjects and the Redis cache is cold.

Compact, with no Python object per subject (~25 bytes each; a dict would take ~130): the
site's keyed hashes (first 16 bytes) sorted in one byte string with a directory by their
first two bytes, and beside each key its subject id * 16 + outcome in an array. Two reads at
once build it: the keys with their subject ids, and each subject's outcome into a byte array
indexed by subject id (folded into the array when both are in). A lookup is a `bytes.find`
within one of 65,536 buckets (~15 keys).

Why it is safe: the site's generation is read before the snapshot, and every batch that
uses it reads the generation again first; any permission write bumps the generation in its
own transaction, so after a write is acknowledged no batch answers from an older snapshot
(the same rule as the Redis cache, permission_cache).
"""

from __future__ import annotations

import sys
import threading
from array import array
from collections import Counter
from concurrent.futures import Future
from datetime import date
from functools import lru_cache
from typing import Any

from service.domain import marketing
from service.domain.checks import lookup as check_lookup
from service.domain.checks import stage as check_stage
from service.domain.marketing import permission_cache, relationships
from service.extensions import db

_KEYS = """
SELECT b, g.keys, g.subjects FROM generate_series(0, 255) AS b
CROSS JOIN LATERAL (
  SELECT string_agg(substr(i.lookup_hash, 1, 16), ''::bytea ORDER BY i.lookup_hash) AS keys,
         string_agg(int8send(i.subject_id), ''::bytea ORDER BY i.lookup_hash) AS subjects
  FROM subject_identifiers i
  WHERE i.site_id = %(s)s AND i.lookup_hash >= set_byte('\\x00'::bytea, 0, b)
    AND i.lookup_hash < CASE WHEN b < 255 THEN set_byte('\\x00'::bytea, 0, b + 1)
                             ELSE decode(repeat('ff', 33), 'hex') END
) AS g
"""
_RANGE = "SELECT min(id), max(id), count(*) FROM subjects WHERE site_id = %s"
# Each subject's outcome: marketing.decide in SQL (the CASE made from its precedence table,
# for the purpose's basis) over check_lookup's per-subject fold; only subjects with a
# permission row, a restriction or (for a customer-relationship purpose) a relationship: the
# rest get marketing.without_rows(basis).
_ONLY_RESTRICTED = ("SELECT id, TRUE AS restricted, FALSE AS customer FROM subjects "
                    "WHERE site_id = %(s)b AND restricted_at IS NOT NULL")
_RESTRICTED_OR_CUSTOMERS = (
    "SELECT id, restricted_at IS NOT NULL AS restricted, "
    "(relationship_start <= %(d)b AND (relationship_end IS NULL OR relationship_end > %(d)b))"
    " AS customer FROM subjects WHERE site_id = %(s)b "
    "AND (restricted_at IS NOT NULL OR relationship_start IS NOT NULL)")


@lru_cache(maxsize=len(marketing.Basis))
def outcomes_sql(basis: marketing.Basis) -> str:
    case = marketing.sql_case("p.prohibited", "coalesce(r.restricted, FALSE)", "p.state",
                              "coalesce(r.customer, FALSE)", basis)
    others = (_RESTRICTED_OR_CUSTOMERS if basis == marketing.Basis.CUSTOMER_RELATIONSHIP
              else _ONLY_RESTRICTED)
    return f"""
SELECT string_agg(int8send(coalesce(p.subject_id, r.id)), ''::bytea),
       string_agg(set_byte('\\x00'::bytea, 0, {case}), ''::bytea)
FROM ({check_lookup.permission_fold("site_id = %(s)b")}) AS p
FULL JOIN ({others}) AS r ON r.id = p.subject_id
GROUP BY coalesce(p.subject_id, r.id) >> 16
"""


_SITE_SIZE = "SELECT count(*) FROM subject_identifiers WHERE site_id = %s"
_UNKNOWN: permission_cache.Answer = (None, marketing.UNKNOWN)
# Keys are the first 16 bytes of the 32-byte keyed hashes. HMAC-SHA-256 truncated to 128
# bits (RFC 2104 section 5 allows half): a recipient outside the site matches a subject's
# prefix with probability (site size) / 2^128, ~3e-33 at a million subjects, and two of a
# million subjects share one with probability ~1.5e-27.
KEY_BYTES = 16
_SHIFT = KEY_BYTES.bit_length() - 1  # offset >> _SHIFT: the key's index
# Subject ids of one site may interleave with other sites'; past this spread (id range over
# subject count) the outcome array would cost too much and no snapshot is made.
MAX_SPREAD = 32
# Beside each key its subject id * 16 + outcome: the outcome codes (0-8) fit in four bits.
_CODE_BITS = 4
_CODE_MASK = (1 << _CODE_BITS) - 1


class Snapshot:
    """Every identifier's answer for one purpose x channel, as of one generation (and, for
    a customer-relationship purpose, one day): the keys (sorted, end to end) and beside each
    its subject id * 16 + outcome."""

    def __init__(self, generation: int, keys: bytearray, answers: array[int],
                 day: date | None = None) -> None:
        self.generation, self.day = generation, day
        self.stale = False
        self._keys, self._answers = keys, answers
        self._starts = _directory(keys)

    def __len__(self) -> int:
        return len(self._answers)

    def answers(self, generation: int, hashes: list[bytes | None]
                ) -> list[permission_cache.Answer] | None:
        """The answer for each keyed hash (None: an invalid recipient), in order; or None
        (and stale from now on) when a permission of the site has changed since the
        snapshot (`generation` is the one the caller has just read), or the day its
        customers were judged on is over."""
        if self.stale or generation != self.generation or (
                self.day is not None and relationships.today() != self.day):
            self.stale = True
            return None
        find, starts, packed = self._keys.find, self._starts, self._answers
        unknown, invalid, shift = _UNKNOWN, (None, marketing.INVALID), _SHIFT
        bits, mask = _CODE_BITS, _CODE_MASK
        out: list[permission_cache.Answer] = []
        append = out.append
        for h in hashes:
            if h is None:
                append(invalid)
                continue
            bucket = h[0] << 8 | h[1]
            at = find(h[:KEY_BYTES], starts[bucket], starts[bucket + 1])
            if at & (KEY_BYTES - 1):  # not found (-1), or straddling two keys
                at = self._aligned(h[:KEY_BYTES], at, starts[bucket + 1])
                if at < 0:
                    append(unknown)
                    continue
            value = packed[at >> shift]
            append((value >> bits, value & mask))
        return out

    def _aligned(self, key: bytes, at: int, end: int) -> int:
        """The next match at a key's start (practically never needed: a 16-byte key that
        straddles two neighbours would have to equal the end of one and the start of the
        next)."""
        while at >= 0 and at & (KEY_BYTES - 1):
            at = self._keys.find(key, at + 1, end)
        return at


def _directory(keys: bytearray) -> array[int]:
    """Byte offsets where each first-two-bytes bucket of the sorted keys starts (65,537)."""
    firsts = memoryview(keys).cast("H")[::KEY_BYTES // 2]  # native-endian: a label only
    counts = Counter(firsts)
    swap = sys.byteorder == "little"
    starts = array("q", bytes(8 * 65537))  # contiguous: one cache line for both ends
    offset = 0
    for bucket in range(65536):
        starts[bucket] = offset
        offset += counts.get((bucket & 0xFF) << 8 | bucket >> 8 if swap else bucket, 0) \
            * KEY_BYTES
    starts[65536] = offset
    return starts


def _raw() -> Any:
    return db.session.connection().connection.driver_connection


def _int8s(packed: bytes) -> array[int]:
    values = array("q")
    values.frombytes(packed)
    if sys.byteorder == "little":  # int8send is big-endian
        values.byteswap()
    return values


def site_size(site_id: int) -> int:
    """How many identifiers the site holds (an index-only count)."""
    with _raw().cursor() as cur:
        return int(cur.execute(_SITE_SIZE, (site_id,)).fetchone()[0])


class Loading:
    """A snapshot being read on two threads with their own connections (the outcomes and
    the keys at once). The generation is read first, before either read starts."""

    def __init__(self, app: Any, site_id: int, purpose: str, channel: str,
                 question: check_lookup.Question | None = None) -> None:
        q = question or check_lookup.Question(purpose, channel)
        self.generation, self.day = marketing.current_generation(site_id), q.day
        self._default = marketing.without_rows(q.basis)
        self._lock = threading.Lock()
        self._built: Snapshot | None = None
        self._dropped = False
        self._stages = [check_stage.Stage(app, _load_outcomes)]
        try:
            self._stages.append(check_stage.Stage(app, _load_keys))
        except BaseException:
            self._stages[0].close()
            raise
        self._outcomes = self._stages[0].submit(site_id, q)
        self._keys = self._stages[1].submit(site_id)

    def ready(self) -> bool:
        return self._dropped or (self._outcomes.done() and self._keys.done())

    def result(self) -> Snapshot | None:
        """Waits for both reads; None when the site's subject ids are too spread out. Raises
        what a read raised."""
        with self._lock:
            if self._dropped:
                return None
            if self._built is None:
                outcomes = self._outcomes.result()
                keys, subjects = self._keys.result()
                if outcomes is None:
                    self._dropped = True
                    self._release()
                    return None
                codes, low = outcomes
                if subjects and min(subjects) < low:
                    raise RuntimeError("identifiers of subjects the outcomes read did not see")
                if subjects and max(subjects) - low >= len(codes):
                    # Subjects created between the two reads: none has a permission row or
                    # a restriction yet, or the generation moved on and nothing is answered
                    # from this snapshot at all.
                    codes.extend(bytes([self._default]) * (max(subjects) - low + 1
                                                           - len(codes)))
                # one array read per lookup instead of two (~20 % of a lookup's time)
                bits = _CODE_BITS
                for i, sid in enumerate(subjects):  # in place: no list of a million ints
                    subjects[i] = (sid << bits) + codes[sid - low]
                self._built = Snapshot(self.generation, keys, subjects, self.day)
                self._release()
            return self._built

    def drop(self) -> None:
        """No more answers from it (out of date, or a read failed): its memory can go
        (also what the reads' futures hold, once they are done)."""
        with self._lock:
            self._dropped, self._built = True, None
            self._release()

    def _release(self) -> None:
        """Let go of what the reads gave (the snapshot, if built, holds it now)."""
        if self._outcomes.done() and self._keys.done():
            self._outcomes = self._keys = _finished()

    def close(self) -> None:
        """Wait for the reads to end (they cannot be cancelled) and let the memory go."""
        for stage in self._stages:
            stage.close()
        self.drop()


def _finished() -> Future[Any]:
    future: Future[Any] = Future()
    future.set_result(None)
    return future


def _load_outcomes(site_id: int, q: check_lookup.Question) -> tuple[bytearray, int] | None:
    """Each subject's outcome, indexed by subject id minus the lowest; None when the ids
    are too spread out."""
    with _raw().cursor(binary=True) as cur:
        # One process reads it all: parallel workers would each fold every permission again.
        cur.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cur.execute("SET LOCAL jit = off")  # compiling costs more than it saves here
        low, high, count = cur.execute(_RANGE, (site_id,)).fetchone()
        if not count or high - low + 1 > MAX_SPREAD * count:
            db.session.rollback()  # ends the read-only transaction
            return None
        outcomes = bytearray([marketing.without_rows(q.basis)]) * (high - low + 1)
        params = {"s": site_id, "p": q.purpose, "c": q.channel, "k": list(q.markers)}
        if q.day is not None:
            params["d"] = q.day
        for packed_ids, codes in cur.stream(outcomes_sql(q.basis), params):
            ids = _int8s(packed_ids)
            if min(ids) < low or max(ids) > high:  # a subject created since _RANGE
                raise RuntimeError("the site's subjects changed while the snapshot was read")
            first = ids[0] - low
            if ids == array("q", range(ids[0], ids[0] + len(ids))):  # consecutive: one copy
                outcomes[first:first + len(ids)] = codes
            else:
                for sid, code in zip(ids, codes, strict=True):
                    outcomes[sid - low] = code
    db.session.rollback()  # ends the read-only transaction
    return outcomes, low


def _load_keys(site_id: int) -> tuple[bytearray, array[int]]:
    """The site's keyed hashes (first KEY_BYTES), sorted, and their subject ids."""
    keys, subjects = bytearray(), array("q")
    last = -1
    with _raw().cursor(binary=True) as cur:
        cur.execute("SET LOCAL jit = off")
        # 256 rows, one per first byte of the keyed hashes, each sorted; streamed one at a
        # time and appended in place (no copy of the whole). They come in first-byte order
        # (the series drives the loop); checked, since sorting them in the query would
        # spill their ~100 KB each to disk.
        for first, part, packed in cur.stream(_KEYS, {"s": site_id}):
            if first <= last:
                raise RuntimeError("the snapshot's key runs came out of order")
            last = first
            if part is not None:
                keys += part
                subjects.extend(_int8s(packed))
    db.session.rollback()  # ends the read-only transaction
    return keys, subjects
