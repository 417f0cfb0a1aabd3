"""After an erasure commits, make its deletions physical: nothing of the subject's key or
identifiers may be left to read in the database files (DESIGN invariant 11).

Deleting a row does not remove its bytes:
- SQLite: every connection runs with `secure_delete=ON` (service/database.py), so a deleted
  row is zeroed in its page and freed pages are zeroed. But the write-ahead log still holds
  the earlier copies of those pages, and an ordinary checkpoint only rewinds it (old frames
  stay in the file). `PRAGMA wal_checkpoint(TRUNCATE)` copies the current pages into the
  database file and cuts the log to zero bytes.
- PostgreSQL: a deleted row stays in its page as a dead version until VACUUM, and VACUUM only
  compacts the page: the bytes of a page's last rows stay in its free space (seen with
  pageinspect). Only a rewrite leaves nothing, so the keys live in `subject_keys`, one short row
  per subject that checks never read, and `VACUUM FULL subject_keys` rewrites it into a new
  file (the old one is truncated at once). `subject_identifiers` is large and read by every
  check, so it gets a plain VACUUM: what its pages' free space may keep is ciphertext under
  the destroyed key and keyed lookup hashes (docs/operations.md says what that means).
  A transaction older than the erasure keeps the dead key row alive through VACUUM FULL;
  VERBOSE's report of such rows makes the purge count as not done (the report is read in the
  server's English messages: with another `lc_messages` this one check is lost).

A purge that fails never fails the erasure: the erasure is committed before it runs, the
failure is logged, and the request's outcome says `storage_purged: false`. Each purge covers
every erasure before it, so the next erasure (or `lupa subject purge-erased`) completes it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from service.database import SQLITE_BUSY_TIMEOUT_MS
from service.domain import audit
from service.domain.marketing import subjects
from service.extensions import db
from service.models import Site, Subject, SubjectRequest

log = logging.getLogger(__name__)

PURGED_ACTION = "rights.erasure_purged"
CHECKPOINT_WAIT_MS = 10_000  # how long the checkpoint waits for readers and writers to finish
# How long VACUUM FULL waits for its exclusive lock on subject_keys: every reader of keys
# queues behind it meanwhile, so briefly; a purge that gave up is done by the next one.
LOCK_WAIT = "2s"
# Tables whose deleted rows hold a subject's ciphertexts and lookup hashes: large and busy, so
# a plain VACUUM (not a rewrite); without the destroyed key what it may leave is noise.
VACUUMED = ("subject_identifiers", "identifier_challenges")  # ciphertexts under the key
_NOT_REMOVED = re.compile(r"(\d+) dead row versions cannot be removed yet")


class PurgeIncomplete(RuntimeError):
    """The purge ran but could not remove everything (busy readers, older transactions)."""


@dataclass(frozen=True)
class PurgeResult:
    """Whether the deleted rows' bytes are gone from the database files, and how."""

    purged: bool
    method: str
    problem: str | None = None


def purge_storage(engine: Engine | None = None) -> PurgeResult:
    """Remove the bytes of deleted subject keys and identifiers from the database files;
    never raises (the caller's erasure is already committed)."""
    engine = engine if engine is not None else db.engine
    method = {"sqlite": "sqlite_wal_checkpoint_truncate",
              "postgresql": "postgresql_vacuum_full_keys"}.get(engine.dialect.name)
    if method is None:
        return PurgeResult(False, engine.dialect.name, "no physical purge for this database")
    try:
        if engine.dialect.name == "sqlite":
            _checkpoint_sqlite(engine)
        else:
            _vacuum_postgresql(engine)
    except Exception as exc:  # noqa: BLE001 - any failure is reported, none may escape
        log.warning("erasure: the physical purge (%s) did not complete: %s: %s",
                    method, type(exc).__name__, exc)
        # the outcome and the audit log get our own words or the error's class, never a
        # driver's message (it may name hosts)
        problem = str(exc) if isinstance(exc, PurgeIncomplete) else type(exc).__name__
        return PurgeResult(False, method, problem)
    return PurgeResult(True, method)


def _checkpoint_sqlite(engine: Engine) -> None:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
        try:
            busy, frames, _ = cur.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cur.close()
    finally:
        raw.close()
    if busy:  # frames == -1: not in WAL mode (memory database): nothing kept in a log
        raise PurgeIncomplete(f"the write-ahead log stayed in use ({frames} frames kept)")


def _vacuum_postgresql(engine: Engine) -> None:
    notices: list[str] = []
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        driver: Any = conn.connection.driver_connection

        def handler(diag: Any) -> None:
            notices.append(f"{diag.message_primary or ''} {diag.message_detail or ''}")

        driver.add_notice_handler(handler)
        try:
            conn.exec_driver_sql(f"SET lock_timeout = '{LOCK_WAIT}'")
            conn.exec_driver_sql("VACUUM (FULL, VERBOSE) subject_keys")
            kept = sum(int(n) for text in notices for n in _NOT_REMOVED.findall(text))
            for table in VACUUMED:
                conn.exec_driver_sql(f"VACUUM (INDEX_CLEANUP ON) {table}")
        finally:
            driver.remove_notice_handler(handler)
            conn.exec_driver_sql("RESET lock_timeout")
    if kept:
        raise PurgeIncomplete(f"{kept} deleted key rows are still seen by an older transaction")


def after_erasure(site: Site, subject: Subject, req: SubjectRequest) -> PurgeResult:
    """Purge the storage after the erasure `req` was committed, and record the result; the
    caller commits again. The session must hold no pending change: its transaction is ended
    first (a SQLite checkpoint waits for every open transaction, this one too)."""
    if db.session.new or db.session.dirty or db.session.deleted:
        raise RuntimeError("commit the erasure before purging the storage")
    db.session.rollback()
    result = purge_storage()
    record_purge(site, subject, req, result)
    return result


def record_purge(site: Site, subject: Subject, req: SubjectRequest,
                 result: PurgeResult) -> None:
    """Say in the erasure request's outcome, and in the audit log, whether the purge was done;
    the caller commits."""
    req.outcome = {**req.outcome, "storage_purged": result.purged}
    payload: dict[str, Any] = {"request": req.public_id, "purged": result.purged,
                               "method": result.method}
    if result.problem:
        payload["problem"] = result.problem
    audit.append(site, "system", PURGED_ACTION, payload, subject=subjects.pseudonym(subject))
