"""Verifying a large export file in two processes: this one reads the first half of the file,
a forked child the second, each with the full verifier (reader and hot loop of export.py);
the halves are joined here.

As for the database (verify_split), only a clean outcome is used: the child's first entry is
checked against this process's last (sequence and link), and anything unusual (a problem in
either half, a checkpoint line that only the other half could check, a second head line, a
carriage return that text mode would read differently, the child failing) makes the caller
read the whole file again in one pass, which reports exactly what is wrong.
"""

from __future__ import annotations

import itertools
import mmap
import multiprocessing
import os
import stat
import threading
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any

from service.domain.audit.chain import ChainVerifier
from service.domain.audit.chain_fast import Row, feed_rows

SPLIT_MIN_BYTES = 64 * 1024 * 1024  # ~100,000 entries; below, a second process costs more

Reader = Callable[[Iterator[str], bool], Any]  # (lines, in child) -> an _EntryReader


def splittable(lines: object) -> int | None:
    """The file descriptor of a large regular file, when two processes can share the work."""
    try:
        fd = lines.fileno()  # type: ignore[attr-defined]
        info = os.fstat(fd)
    except (AttributeError, OSError, ValueError):
        return None
    ok = stat.S_ISREG(info.st_mode) and info.st_size >= SPLIT_MIN_BYTES and fork_safe()
    return fd if ok else None


def fork_safe() -> bool:
    """Two cores, fork available, and no other thread whose locks a fork could copy
    half-held (a threaded server, or a test run with helper threads, stays in one process)."""
    return ((os.cpu_count() or 1) >= 2 and threading.active_count() == 1
            and "fork" in multiprocessing.get_all_start_methods())


def feed_halves(verifier: ChainVerifier, fd: int, reader: Reader) -> tuple[bool, Any]:
    """Feed every line after the header; (False, None) if the caller must read it again."""
    size = os.fstat(fd).st_size
    header_end = _line_start_after(fd, 0)
    mid = max(_line_start_after(fd, size // 2 - 1), header_end)
    first = reader(_lines(fd, header_end, mid), False)
    try:
        rows = iter(first)
        head_row = next(rows, None)  # reads the checkpoint lines that precede the entries
    except Exception:  # noqa: BLE001 - any fault: the one-pass reading reports it properly
        return False, None
    known = set(verifier.checkpoints)  # the child starts with these
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(verifier, fd, mid, size, reader, send), daemon=True)
    child.start()
    send.close()
    try:
        if head_row is not None:
            feed_rows(verifier, itertools.chain([head_row], rows))
        part = receive.recv()
    except Exception:  # noqa: BLE001
        return False, None
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
        receive.close()
    last = verifier.expected_seq - 1
    late = any(s > last and s not in known for s in verifier.checkpoints)
    if (verifier.problem_count or late or part is None or part["problems"] or part["late"]
            or (first.head is not None and part["heads"])):
        return False, None
    if part["entries"]:
        if (part["first_seq"], part["first_prev"]) != (verifier.expected_seq,
                                                       verifier.prev_hash):
            return False, None
        verifier.entries += part["entries"]
        verifier.checkpoints_checked += part["checkpoints_checked"]
        verifier.anchors += part["anchors"]
        verifier.compared |= part["compared"]
        verifier.reduced += part["reduced"]
        verifier.reductions += part["reductions"]
        verifier.expected_seq, verifier.prev_hash = part["last_seq"] + 1, part["last_hash"]
    return True, first.head if first.head is not None else part["head"]


def _lines(fd: int, start: int, stop: int) -> Iterator[str]:
    """The lines that begin at byte offsets start..stop-1, decoded as text mode would. Read
    through a private mapping: the file offset is shared with the other process."""
    with mmap.mmap(fd, 0, access=mmap.ACCESS_READ) as mm:
        pos, size = start, len(mm)
        while pos < stop and pos < size:
            end = mm.find(b"\n", pos)
            end = size if end < 0 else end + 1
            line = mm[pos:end]
            if b"\r" in line:  # universal newlines would split or rewrite this line
                raise ValueError("carriage return")
            pos = end
            yield line.decode("utf-8")


def _line_start_after(fd: int, offset: int) -> int:
    with mmap.mmap(fd, 0, access=mmap.ACCESS_READ) as mm:
        end = mm.find(b"\n", offset)
        return len(mm) if end < 0 else end + 1


def _child(verifier: ChainVerifier, fd: int, start: int, stop: int, reader: Reader,
           send: Connection) -> None:
    answer: dict[str, Any] | None = None
    try:
        known = set(verifier.checkpoints)
        second = reader(_lines(fd, start, stop), True)
        rows = iter(second)
        head_row = next(rows, None)
        first: list[Row] = []
        if head_row is not None:
            first.append(head_row)
            # Sequence and link of the first entry are checked by the parent.
            verifier.expected_seq, verifier.prev_hash = head_row[0], head_row[6]
            feed_rows(verifier, itertools.chain(first, rows))
        answer = {"problems": verifier.problem_count, "entries": verifier.entries,
                  "checkpoints_checked": verifier.checkpoints_checked,
                  "anchors": verifier.anchors, "compared": verifier.compared,
                  "reduced": verifier.reduced,
                  "reductions": verifier.reductions,
                  "late": any(s not in known for s in verifier.checkpoints),
                  "first_seq": first[0][0] if first else None,
                  "first_prev": first[0][6] if first else None,
                  "last_seq": verifier.expected_seq - 1, "last_hash": verifier.prev_hash,
                  "head": second.head, "heads": second.head is not None}
    except Exception:  # noqa: BLE001, S110 - no answer: the parent reads the file in one pass
        pass
    finally:
        send.send(answer)
        send.close()
