"""Sender API: suppression export, opt-out import, List-Unsubscribe header values."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from flask import Response, g, request, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from service.api.auth import protected_docs, require_role
from service.domain import audit, marketing
from service.domain.marketing import optouts, permission_cache, suppressions, unsubscribe
from service.errors import InvalidInput
from service.extensions import db
from service.problems import problem
from service.schemas.marketing import (
    ID_TYPES,
    OptoutImportOut,
    SuppressionQuery,
    UnsubscribeLinksIn,
    UnsubscribeLinksOut,
)

blp = Blueprint("marketing_sender", __name__, url_prefix="/api/v1/sites/<site>",
                description="Direct marketing: suppressions, opt-outs, unsubscribe (sender)")

IMPORT_MAX_BYTES = 16 * 1024 * 1024
CSV_COLUMNS = ("email", "phone", "customer_number", "reason", "subject")


class OptoutQuery(Schema):
    purpose = fields.String(load_default=marketing.ANY, validate=validate.Length(max=64))
    channel = fields.String(load_default="email", validate=validate.Length(max=16))
    state = fields.String(load_default="withdrawn",
                          validate=validate.OneOf(("withdrawn", "prohibited")))
    id_type = fields.String(load_default="auto", validate=validate.OneOf(ID_TYPES))
    source = fields.String(load_default="optout-import",
                           validate=validate.Regexp(marketing.SOURCE_RE))


def _csv_stream(items: Iterator[dict[str, Any]]) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for n, item in enumerate(items, start=1):
        writer.writerow([item.get(c, "") for c in CSV_COLUMNS])
        if n % 1000 == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


@blp.route("/suppressions")
class Suppressions(MethodView):
    @protected_docs(blp)
    @blp.arguments(SuppressionQuery, location="query")
    @blp.response(200, description="NDJSON (default) or CSV: one line per suppressed subject "
                  "with its identifiers and the reason (prohibited, withdrawn, restricted)")
    @blp.alt_response(422, schema="ProblemSchema", description="Not in the notice")
    @require_role("sender")
    def get(self, query: dict[str, Any], site: Any) -> Any:
        """Everyone known who must not be contacted for purpose P on channel C (streamed)."""
        purpose, channel = query["purpose"], query["channel"]
        purposes, channels, _ = marketing.notice_marketing(site)
        if purpose not in purposes or channel not in channels:
            raise InvalidInput("Purpose and channel must come from the site's notice.",
                               {"purpose" if purpose not in purposes else "channel": ["unknown"]})
        audit.append(site, g.actor, "marketing.suppressions_exported",
                     {"purpose": purpose, "channel": channel, "format": query["format"]})
        site_id = site.id
        db.session.commit()
        items = suppressions.iter_suppressed(site_id, purpose, channel)
        if query["format"] == "csv":
            body: Iterator[str] = _csv_stream(items)
            mimetype = "text/csv"
        else:
            body = (json.dumps(item, ensure_ascii=False) + "\n" for item in items)
            mimetype = "application/x-ndjson"
        resp = Response(stream_with_context(body), mimetype=mimetype)
        resp.headers["Cache-Control"] = "no-store"
        return resp


@blp.route("/optouts")
class Optouts(MethodView):
    @protected_docs(blp)
    @blp.arguments(OptoutQuery, location="query")
    @blp.doc(requestBody={"content": {"text/csv": {
        "schema": {"type": "string"}, "example": "Email Address\nanna@example.fi\n"}}})
    @blp.response(200, OptoutImportOut)
    @blp.alt_response(415, schema="ProblemSchema", description="Not CSV")
    @blp.alt_response(422, schema="ProblemSchema", description="Invalid rows: nothing imported")
    @require_role("sender")
    def post(self, query: dict[str, Any], site: Any) -> Any:
        """Import opt-outs (CSV, e.g. an email service's unsubscribes): all rows or none."""
        if request.mimetype != "text/csv":
            return problem(415, "Unsupported media type", "Send text/csv.",
                           "unsupported-media-type")
        request.max_content_length = IMPORT_MAX_BYTES
        optouts.validate_target(site, query["purpose"], query["channel"], query["state"])
        text = request.get_data(as_text=True)
        parsed = optouts.parse(optouts.csv_identifiers(io.StringIO(text)),
                               optouts.kind_for(query["id_type"], query["channel"]))
        bad = [p for p in parsed if isinstance(p, int)]
        if bad:
            raise InvalidInput(f"{len(bad)} rows are not valid identifiers; nothing imported.",
                               {"rows": [f"line {n}" for n in bad[:100]]})
        result = optouts.ImportResult()
        for item in parsed:
            assert not isinstance(item, int)
            _, kind, value = item
            result.rows += 1
            optouts.apply_one(site, kind, value, query["purpose"], query["channel"],
                              query["state"], query["source"], g.actor, result)
        db.session.commit()
        permission_cache.after_commit(site.id)
        return result.as_dict()


@blp.route("/unsubscribe-links")
class UnsubscribeLinks(MethodView):
    @protected_docs(blp)
    @blp.arguments(UnsubscribeLinksIn)
    @blp.response(200, UnsubscribeLinksOut)
    @blp.alt_response(422, schema="ProblemSchema", description="Not in the notice")
    @require_role("sender")
    def post(self, body: dict[str, Any], site: Any) -> Any:
        """`List-Unsubscribe` / `List-Unsubscribe-Post` (RFC 8058) values per recipient."""
        base = unsubscribe.public_base(request.host_url)
        return {"links": unsubscribe.links_for(site, body["purpose"], body["channel"],
                                               body["id_type"], body["recipients"], base)}

