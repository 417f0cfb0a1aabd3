"""Sender API: pre-send checks (JSON, or NDJSON/CSV streamed both ways)."""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Iterator
from contextlib import closing
from itertools import chain, repeat
from typing import Any

import orjson
from flask import Response, g, request, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from service.api.auth import protected_docs, require_role
from service.domain import marketing
from service.domain.checks import pipeline as checks
from service.errors import DomainError, InvalidInput
from service.extensions import db
from service.problems import problem
from service.schemas.marketing import CheckIn, CheckOut, CheckQuery

log = logging.getLogger("lupa.marketing.checks")
blp = Blueprint("marketing_checks", __name__, url_prefix="/api/v1/sites/<site>",
                description="Direct marketing: pre-send checks (sender)")

NDJSON = "application/x-ndjson"
CSV = "text/csv"
JSON_MAX_BYTES = 4 * 1024 * 1024
MAX_LINE = 4096
STREAM_MAX_BYTES = 1 << 40  # no practical limit; None would mean the app default
CSV_HEADERS = {"recipient", "email", "phone", "customer_number", "email address", "e-mail"}
_NDJSON_TAIL = [
    ',"may_contact":true,"reason":null}\n' if code == marketing.ALLOWED
    else ',"may_contact":false,"reason":"' + marketing.OUTCOMES[code] + '"}\n'
    for code in range(len(marketing.OUTCOMES))
]
_NDJSON_TAIL_BYTES = [tail.encode() for tail in _NDJSON_TAIL]


def _load(schema: Any, data: Any) -> dict[str, Any]:
    try:
        return dict(schema.load(data))
    except ValidationError as exc:
        raise InvalidInput("The request did not validate.", exc.messages_dict) from exc


def _runs(stream: Any) -> Iterator[tuple[bool, bytes]]:
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
    for run, payload in _runs(stream):
        if run:
            yield from payload.split(b"\n")[:-1]
        else:
            yield payload


# A run of lines that are all plain JSON strings (no escapes): most large lists. Read as one,
# at C speed, instead of line by line (~4x faster; tests/test_checks.py pins it to the same).
_PLAIN_STRINGS = re.compile(rb'(?:"[^"\\\n]*"\n)*')


def ndjson_recipients(stream: Any) -> Iterator[str]:
    """Each line: a JSON string, a JSON object with "recipient", or the plain text."""
    for run, payload in _runs(stream):
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
            value = json.loads(text)
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


class _Counted:
    """A request body that counts the bytes read from it."""

    def __init__(self, stream: Any) -> None:
        self._stream, self.read_bytes = stream, 0

    def read(self, n: int) -> bytes:
        data: bytes = self._stream.read(n)
        self.read_bytes += len(data)
        return data


def _estimate(body: _Counted, length: int | None) -> Any:
    """Without `expected`, a body of known length (not chunked) tells how many recipients
    are coming: as many per byte as came so far."""
    if not length:
        return None
    return lambda received: received * length // max(body.read_bytes, 1)


def _ndjson_lines(recipients: list[str], codes: list[int]) -> bytes:
    try:
        # one join over C iterators: no Python bytecode per answer
        return b"".join(chain.from_iterable(zip(
            repeat(b'{"recipient":', len(recipients)), map(orjson.dumps, recipients),
            map(_NDJSON_TAIL_BYTES.__getitem__, codes), strict=True)))
    except orjson.JSONEncodeError:  # a lone surrogate, from a JSON "\ud800" escape
        return "".join('{"recipient":' + json.dumps(r) + _NDJSON_TAIL[c]
                       for r, c in zip(recipients, codes, strict=True)).encode()


def _csv_lines(recipients: list[str], codes: list[int]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for r, c in zip(recipients, codes, strict=True):
        ok = c == marketing.ALLOWED
        writer.writerow([r, "true" if ok else "false", "" if ok else marketing.OUTCOMES[c]])
    return out.getvalue().encode()


def stream_check(run: checks.CheckRun, recipients: Iterator[str],
                 as_csv: bool) -> Iterator[bytes]:
    """Answer batch by batch: store, commit, then send; the audit entry closes the check."""
    render = _csv_lines if as_csv else _ndjson_lines
    if as_csv:
        yield b"recipient,may_contact,reason\n"
    status = "aborted"
    try:
        # closing(): a client that goes away stops the store thread before finish() runs
        with closing(run.run_batches(checks.batched(recipients))) as answered:
            for batch, codes in answered:
                yield render(batch, codes)
        status = "complete"
    except DomainError as exc:
        db.session.rollback()
        if not as_csv:
            yield orjson.dumps({"error": {"title": exc.title, "detail": exc.detail}}) + b"\n"
    except HTTPException as exc:  # the body could not be read: cut short, bad chunking
        db.session.rollback()
        if not as_csv:
            yield orjson.dumps({"error": {"title": "The request body could not be read",
                                          "detail": exc.description}}) + b"\n"
    except Exception:
        # The headers are gone: the stream itself says what happened. CSV has no place for
        # it; its last row and the check id (X-Lupa-Check-Id) tell how far it got.
        log.exception("check %s stopped", run.public_id)
        db.session.rollback()
        if not as_csv:
            yield orjson.dumps({"error": {
                "title": "Internal error",
                "detail": "The check stopped. Every answer sent before this line is stored; "
                          "the summary below counts them."}}) + b"\n"
    finally:
        summary = run.finish(status)
        db.session.commit()
    if not as_csv:
        yield orjson.dumps({"summary": summary}) + b"\n"


@blp.route("/checks")
class Checks(MethodView):
    @protected_docs(blp)
    @blp.doc(
        parameters=[{"in": "query", "name": n, "schema": {"type": "string"},
                     "description": "for NDJSON/CSV bodies"}
                    for n in ("purpose", "channel", "id_type")] + [
            {"in": "query", "name": "expected", "schema": {"type": "integer", "minimum": 0},
             "description": "for NDJSON/CSV bodies: how many recipients are coming (a hint; "
                            "a list large next to the site is then answered from one read "
                            "of the site's answers)"}],
        requestBody={"content": {
            "application/json": {"schema": CheckIn},
            NDJSON: {"schema": {"type": "string"},
                     "example": '"anna@example.fi"\n{"recipient": "+358401234567"}\n'},
            CSV: {"schema": {"type": "string"}, "example": "email\nanna@example.fi\n"},
        }},
        responses={"200": {"description": "Answers; NDJSON/CSV streamed, NDJSON ends with a "
                           "summary line", "content": {"application/json": {"schema": CheckOut},
                                                       NDJSON: {}, CSV: {}}},
                   "415": {"description": "Unsupported body type"},
                   "422": {"description": "Not in the notice or malformed"}},
    )
    @require_role("sender")
    def post(self, site: Any) -> Any:
        """Who of these recipients may be contacted for purpose P on channel C, and why not."""
        mimetype = request.mimetype
        if mimetype == "application/json":
            request.max_content_length = JSON_MAX_BYTES
            body = request.get_json(silent=True)
            if not isinstance(body, dict):
                raise InvalidInput("The body must be a JSON object.", {"_schema": ["not JSON"]})
            data = _load(CheckIn(), body)
            run = checks.CheckRun(site, data["purpose"], data["channel"], data["id_type"],
                                  g.actor)
            results = []
            for batch in checks.batched(data["recipients"]):
                results += [checks.result(r, c) for r, c in zip(batch, run.answer(batch),
                                                                strict=True)]
            summary = run.finish()
            db.session.commit()
            summary.pop("status")
            return {**summary, "results": results}
        if mimetype not in (NDJSON, CSV):
            return problem(415, "Unsupported media type",
                           f"Send application/json, {NDJSON} or {CSV}.", "unsupported-media-type")
        query = _load(CheckQuery(), request.args)
        as_csv = request.accept_mimetypes.best_match([NDJSON, CSV], NDJSON) == CSV \
            if request.accept_mimetypes.provided else mimetype == CSV
        request.max_content_length = STREAM_MAX_BYTES  # streamed: never held in memory
        body = _Counted(request.stream)
        run = checks.CheckRun(site, query["purpose"], query["channel"], query["id_type"], g.actor,
                              expected=query["expected"],
                              estimate=_estimate(body, request.content_length))
        db.session.commit()
        recipients = (csv_recipients if mimetype == CSV else ndjson_recipients)(body)
        resp = Response(stream_with_context(stream_check(run, recipients, as_csv)),
                        mimetype=CSV if as_csv else NDJSON)
        resp.headers["Cache-Control"] = "no-store"
        resp.headers["X-Lupa-Check-Id"] = run.public_id
        return resp
