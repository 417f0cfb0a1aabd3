"""Writers of the suppression list: NDJSON (the default) and CSV, one subject a line."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from service.formats.cells import SafeWriter
from service.formats.registry import CSV, NDJSON, Writer, register

KIND = "suppressions"
CSV_COLUMNS = ("email", "phone", "customer_number", "reason", "subject")
BATCH = 1000


def ndjson_rows(items: Iterable[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items).encode()


def csv_rows(items: Iterable[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    SafeWriter(out).writerows([item.get(c, "") for c in CSV_COLUMNS] for item in items)
    return out.getvalue().encode()


def batches(items: Iterable[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


NDJSON_SUPPRESSIONS = register(KIND, Writer("ndjson", NDJSON, "ndjson", ndjson_rows))
CSV_SUPPRESSIONS = register(KIND, Writer("csv", CSV, "csv", csv_rows,
                                         head=(",".join(CSV_COLUMNS) + "\n").encode()))
