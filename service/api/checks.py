"""Sender API: pre-send checks (JSON, or NDJSON/CSV streamed both ways)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import closing
from typing import Any

from flask import Response, g, request, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from service import formats
from service.api.auth import protected_docs, require_role
from service.domain.checks import answers as check_answers
from service.domain.checks import pipeline as checks
from service.errors import DomainError, InvalidInput
from service.extensions import db
from service.formats import answers as answers_format
from service.formats.recipients import READERS as RECIPIENT_READERS
from service.models import Site
from service.problems import problem
from service.schemas.marketing import CheckIn, CheckOut, CheckQuery

log = logging.getLogger("lupa.marketing.checks")
blp = Blueprint("checks", __name__, url_prefix="/api/v1/sites/<site>",
                description="Direct marketing: pre-send checks (sender)")

NDJSON, CSV = formats.registry.NDJSON, formats.registry.CSV
JSON_MAX_BYTES = 4 * 1024 * 1024
STREAM_MAX_BYTES = 1 << 40  # no practical limit; None would mean the app default


def _load(schema: Any, data: Any) -> dict[str, Any]:
    try:
        return dict(schema.load(data))
    except ValidationError as exc:
        raise InvalidInput("The request did not validate.", exc.messages_dict) from exc


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


def stream_check(run: checks.CheckRun, recipients: Iterator[str],
                 writer: formats.Writer) -> Iterator[bytes]:
    """Answer batch by batch: store, commit, then send; the audit entry closes the check."""
    if writer.head:
        yield writer.head
    status = "aborted"
    error: tuple[str, Any] | None = None
    try:
        # closing(): a client that goes away stops the store thread before finish() runs
        with closing(run.run_batches(checks.batched(recipients))) as answered:
            for answered_batch in answered:
                yield writer.rows(answered_batch)
        status = "complete"
    except DomainError as exc:
        db.session.rollback()
        error = (exc.title, exc.detail)
    except HTTPException as exc:  # the body could not be read: cut short, bad chunking
        db.session.rollback()
        error = ("The request body could not be read", exc.description)
    except Exception:
        # The headers are gone: the stream itself says what happened, where the format has
        # a place for it (CSV has none: its last row and X-Lupa-Check-Id tell how far it got).
        log.exception("check %s stopped", run.public_id)
        db.session.rollback()
        error = ("Internal error", "The check stopped. Every answer sent before this line is "
                 "stored; the summary below counts them.")
    finally:
        summary = run.finish(status)
        db.session.commit()
    if error is not None and writer.error is not None:
        yield writer.error(*error)
    if writer.tail is not None:
        yield writer.tail(summary)


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
    def post(self, site: Site) -> Any:
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
                results += [check_answers.result(r, c) for r, c in zip(batch, run.answer(batch),
                                                                strict=True)]
            summary = run.finish()
            db.session.commit()
            summary.pop("status")
            return {**summary, "results": results}
        if mimetype not in (NDJSON, CSV):
            return problem(415, "Unsupported media type",
                           f"Send application/json, {NDJSON} or {CSV}.", "unsupported-media-type")
        query = _load(CheckQuery(), request.args)
        writer = formats.negotiate(answers_format.KIND, request.accept_mimetypes,
                                   fallback="csv" if mimetype == CSV else "ndjson")
        request.max_content_length = STREAM_MAX_BYTES  # streamed: never held in memory
        body = _Counted(request.stream)
        run = checks.CheckRun(site, query["purpose"], query["channel"], query["id_type"], g.actor,
                              expected=query["expected"],
                              estimate=_estimate(body, request.content_length))
        db.session.commit()
        recipients = RECIPIENT_READERS[mimetype](body)
        resp = Response(stream_with_context(stream_check(run, recipients, writer)),
                        mimetype=writer.media_type)
        resp.headers["Cache-Control"] = "no-store"
        resp.headers["X-Lupa-Check-Id"] = run.public_id
        return resp
