"""Which reduced payloads the chain accounts for: the rule `finish()` applies.

Retention reduces a format-2 payload (sets it to NULL, keeping its SHA-256) and, in the same
transaction, appends a `retention.reduced` entry whose payload states the range
`first_seq..last_seq` it reduced. A reduced payload is accounted for when an intact
`retention.reduced` entry after it states a range that contains it; any other missing payload
was removed by someone else (docs/audit-format.md, "Reduced payloads").
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterator

RETENTION_REDUCED = "retention.reduced"


def stated_range(payload: str) -> tuple[int, int] | None:
    """(first_seq, last_seq) of a retention.reduced payload; None if it states none."""
    try:
        stated = json.loads(payload)
        first, last = stated["first_seq"], stated["last_seq"]
    except (ValueError, TypeError, KeyError, IndexError):
        return None
    return (first, last) if type(first) is int and type(last) is int else None



def uncovered(runs: list[list[int]], reductions: list[tuple[int, int, int]]) -> Iterator[int]:
    """Seqs of the runs that no reduction (seq R, first, last) covers: first <= seq <= last
    and seq < R."""
    spans = sorted((first, min(last, at - 1)) for at, first, last in reductions)
    merged: list[list[int]] = []
    for lo, hi in spans:
        if hi < lo:
            continue
        if merged and lo <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    starts = [m[0] for m in merged]
    for first, last in sorted(runs):
        seq = first
        while seq <= last:
            i = bisect_right(starts, seq) - 1
            if i >= 0 and merged[i][1] >= seq:
                seq = merged[i][1] + 1
                continue
            yield seq
            seq += 1

