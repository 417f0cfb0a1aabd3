"""Readers of a pre-send check's recipients: NDJSON or CSV, streamed, never held whole."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from typing import Any

from service import bodies
from service.formats.lines import iter_lines, runs
from service.formats.registry import CSV, NDJSON

CSV_HEADERS = {"recipient", "email", "phone", "customer_number", "email address", "e-mail"}

# A run of lines that are all plain JSON strings (no escapes): most large lists. Read as one,
# at C speed, instead of line by line (~4x faster; tests pin it to the line-by-line reading).
_PLAIN_STRINGS = re.compile(rb'(?:"[^"\\\n]*"\n)*')


def ndjson_recipients(stream: Any) -> Iterator[str]:
    """Each line: a JSON string, a JSON object with "recipient", or the plain text."""
    for run, payload in runs(stream):
        if run and _PLAIN_STRINGS.fullmatch(payload):
            # UTF-8 errors cannot reach past a quote or a line end: decoding the run whole
            # gives what decoding each string would
            yield from payload.decode("utf-8", "replace")[1:-2].split('"\n"')
            continue
        for line in payload.split(b"\n")[:-1] if run else (payload,):
            value = _ndjson_value(line)
            if value is not None:
                yield value


def _ndjson_value(line: bytes) -> str | None:
    text = line.strip()
    if not text:
        # an over-long line (empty) is skipped; a line of whitespace is an invalid recipient
        return "" if line else None
    if text[:1] == b'"' and text[-1:] == b'"' and b"\\" not in text \
            and b'"' not in text[1:-1]:
        return text[1:-1].decode("utf-8", "replace")  # the common case, without a parser
    if text[:1] in (b'"', b"{"):
        try:
            value = bodies.loads(text)  # a line nested too deep is a ValueError too
        except ValueError:
            return ""
        if isinstance(value, dict):
            value = value.get("recipient")
        return value if isinstance(value, str) else ""
    return text.decode("utf-8", "replace")


def csv_recipients(stream: Any) -> Iterator[str]:
    """The first column of each row; a header row naming the column is skipped."""
    first = True
    for row in csv.reader(line.decode("utf-8-sig" if first else "utf-8", "replace")
                          for line in iter_lines(stream)):
        cell = row[0].strip() if row else ""
        if first and cell.lower() in CSV_HEADERS:
            first = False
            continue
        first = False
        yield cell


READERS: dict[str, Callable[[Any], Iterator[str]]] = {
    NDJSON: ndjson_recipients,
    CSV: csv_recipients,
}
