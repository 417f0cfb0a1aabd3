"""Streamed bodies read line by line without holding them; over-long lines come out empty."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

MAX_LINE = 4096


def runs(stream: Any) -> Iterator[tuple[bool, bytes]]:
    """A streamed body without holding it: (True, run) for each chunk's whole lines as one
    bytes (each line ending in b"\n"), (False, line) for a single line; the tail of a line
    longer than MAX_LINE that spans chunks comes out as one empty line."""
    buf = b""
    skipping = False
    while True:
        chunk = stream.read(65536)
        if not chunk:
            break
        data = buf + chunk
        cut = data.rfind(b"\n") + 1
        buf = data[cut:]
        if cut:
            run = data[:cut]
            if skipping:
                skipping = False
                yield False, b""
                run = run[run.index(b"\n") + 1:]
            if run:
                yield True, run
        if len(buf) > MAX_LINE:
            buf, skipping = b"", True
    if skipping:
        yield False, b""
    elif buf.strip():
        yield False, buf


def iter_lines(stream: Any) -> Iterator[bytes]:
    """Lines of a streamed body without holding it; over-long lines come out empty."""
    for run, payload in runs(stream):
        if run:
            yield from payload.split(b"\n")[:-1]
        else:
            yield payload
