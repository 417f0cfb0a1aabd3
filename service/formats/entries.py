"""Writers of audit entries: JSON Lines (the default) and CSV, one entry a line."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from service.formats.cells import SafeWriter
from service.formats.registry import CSV, NDJSON, Writer, register

KIND = "audit-entries"
CSV_COLUMNS = ["site", "seq", "ts", "actor", "action", "subject", "payload", "prev_hash", "hash",
               "v", "payload_hash"]


def jsonl_rows(entries: Iterable[dict[str, Any]]) -> bytes:
    # sorted keys: the bytes Flask's JSON provider wrote before the registry
    return "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n"
                   for e in entries).encode()


def csv_rows(entries: Iterable[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    SafeWriter(buf).writerows([e.get(c, "") for c in CSV_COLUMNS] for e in entries)
    return buf.getvalue().encode()


def one_by_one(entries: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Entries as batches of one: an export streams each entry as soon as it is read."""
    for entry in entries:
        yield [entry]


JSONL = register(KIND, Writer("jsonl", NDJSON, "jsonl", jsonl_rows))
CSV_ENTRIES = register(KIND, Writer("csv", CSV, "csv", csv_rows,
                                    head=(",".join(CSV_COLUMNS) + "\n").encode()))
