"""Writers of a pre-send check's answers: NDJSON (with an error line and a summary line at
the end of a stream) and CSV (a header row; no place for either). Each answer says whether
the recipient may be contacted, why not, and on which basis it may (`basis`, added last)."""

from __future__ import annotations

import csv
import io
import json
from itertools import chain, repeat
from typing import Any

import orjson

from service.domain import marketing
from service.formats.cells import ESCAPED_STARTS, SafeWriter
from service.formats.registry import CSV, NDJSON, Writer, register

KIND = "check-answers"


def _tail(code: marketing.Outcome) -> str:
    basis = code.basis
    if basis is not None:
        return ',"may_contact":true,"reason":null,"basis":"' + basis.value + '"}\n'
    return ',"may_contact":false,"reason":"' + code.reason + '","basis":null}\n'


_NDJSON_TAIL = [_tail(marketing.Outcome(code)) for code in range(len(marketing.OUTCOMES))]
_CSV_TAIL = [("true", "", code.basis.value) if code.basis is not None
             else ("false", code.reason, "")
             for code in map(marketing.Outcome, range(len(marketing.OUTCOMES)))]
_NDJSON_TAIL_BYTES = [tail.encode() for tail in _NDJSON_TAIL]


def ndjson_lines(answered: tuple[list[str], list[int]]) -> bytes:
    recipients, codes = answered
    try:
        # one join over C iterators: no Python bytecode per answer
        return b"".join(chain.from_iterable(zip(
            repeat(b'{"recipient":', len(recipients)), map(orjson.dumps, recipients),
            map(_NDJSON_TAIL_BYTES.__getitem__, codes), strict=True)))
    except orjson.JSONEncodeError:  # a lone surrogate, from a JSON "\ud800" escape
        return "".join('{"recipient":' + json.dumps(r) + _NDJSON_TAIL[c]
                       for r, c in zip(recipients, codes, strict=True)).encode()


def csv_lines(answered: tuple[list[str], list[int]]) -> bytes:
    recipients, codes = answered
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    safe = SafeWriter(out)
    tails = _CSV_TAIL
    for r, c in zip(recipients, codes, strict=True):
        # the recipient as the sender gave it: maybe a formula, or a CR that starts a row
        (safe if r[:1] in ESCAPED_STARTS or "\r" in r else writer).writerow([r, *tails[c]])
    return out.getvalue().encode()


def _ndjson_error(title: str, detail: Any) -> bytes:
    return orjson.dumps({"error": {"title": title, "detail": detail}}) + b"\n"


def _ndjson_summary(summary: dict[str, Any]) -> bytes:
    return orjson.dumps({"summary": summary}) + b"\n"


NDJSON_ANSWERS = register(KIND, Writer("ndjson", NDJSON, "ndjson", ndjson_lines,
                                       error=_ndjson_error, tail=_ndjson_summary))
CSV_ANSWERS = register(KIND, Writer("csv", CSV, "csv", csv_lines,
                                    head=b"recipient,may_contact,reason,basis\n"))
