"""Verifying a long chain in two processes: this one takes the entries below the middle, a
forked child the rest, each with the full verifier; the borders are joined here.

Only a clean outcome is used. The child's first entry is checked against this process's last
(sequence and link); if either half found anything, or the child could not run, the caller
verifies the whole chain again in one pass, which reports exactly what is wrong. So splitting
changes the time a clean chain takes, never what a damaged one reports.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection
from typing import Any

from service.domain.audit.chain import ChainVerifier
from service.domain.audit.chain_fast import feed_rows
from service.domain.audit.export_split import fork_safe
from service.domain.audit.verify_db import fetch_rows, session_rows, timestamp_converter
from service.extensions import db

PARALLEL_MIN = 200_000  # entries; below this a second process costs more than it saves
_SEQ_MIN, _SEQ_MAX = -(2**63), 2**63 - 1


def worth_splitting(head_seq: int) -> bool:
    """Long chain, a file database or PostgreSQL, and a process that can fork safely."""
    return (head_seq >= PARALLEL_MIN and fork_safe()
            and db.engine.dialect.name in ("postgresql", "sqlite")
            and db.engine.url.database not in (None, "", ":memory:"))


def feed_split(verifier: ChainVerifier, site_id: int, head_seq: int) -> bool:
    """Feed every entry of the site; False if the caller must verify again in one pass."""
    mid = head_seq // 2 + 1
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(verifier, site_id, mid, send), daemon=True)
    child.start()
    send.close()
    try:
        for batch in session_rows(site_id, (_SEQ_MIN, mid - 1)):
            feed_rows(verifier, batch)
        if verifier.problem_count:
            return False
        part = receive.recv()
    except EOFError:  # the child died without an answer
        return False
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
        receive.close()
    if part is None or part["problems"]:
        return False
    if part["entries"]:
        if (part["first_seq"], part["first_prev"]) != (verifier.expected_seq,
                                                       verifier.prev_hash):
            return False
        verifier.entries += part["entries"]
        verifier.checkpoints_checked += part["checkpoints_checked"]
        verifier.anchors += part["anchors"]
        verifier.compared |= part["compared"]
        verifier.reduced += part["reduced"]
        verifier.reductions += part["reductions"]
        verifier.expected_seq, verifier.prev_hash = part["last_seq"] + 1, part["last_hash"]
    return True


def _child(verifier: ChainVerifier, site_id: int, lo: int, send: Connection) -> None:
    answer: dict[str, Any] | None = None
    try:
        db.engine.dispose(close=False)  # the parent's pooled connections stay the parent's
        raw = db.engine.raw_connection()
        try:
            dialect = db.engine.dialect
            first: tuple[Any, ...] | None = None
            for batch in fetch_rows(raw.driver_connection, dialect.name, site_id,
                                    (lo, _SEQ_MAX), timestamp_converter(dialect)):
                if first is None and batch:
                    first = batch[0]
                    # Sequence and link of the first entry are checked by the parent.
                    verifier.expected_seq, verifier.prev_hash = first[0], first[6]
                feed_rows(verifier, batch)
        finally:
            raw.close()
        answer = {"problems": verifier.problem_count, "entries": verifier.entries,
                  "checkpoints_checked": verifier.checkpoints_checked,
                  "anchors": verifier.anchors, "compared": verifier.compared,
                  "reduced": verifier.reduced,
                  "reductions": verifier.reductions,
                  "first_seq": first[0] if first else None,
                  "first_prev": first[6] if first else None,
                  "last_seq": verifier.expected_seq - 1, "last_hash": verifier.prev_hash}
    finally:
        send.send(answer)
        send.close()
