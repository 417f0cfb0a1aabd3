"""The suppression list: everyone who must not be contacted (sender)."""

from __future__ import annotations

from typing import Any

from flask import Response, g, request, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint

from service import formats
from service.api.auth import protected_docs, require_role
from service.domain import audit, marketing
from service.domain.marketing import suppressions
from service.errors import InvalidInput
from service.extensions import db
from service.formats.suppressions import KIND as SUPPRESSIONS
from service.formats.suppressions import batches
from service.models import Site
from service.schemas.marketing import (
    SuppressionQuery,
)

blp = Blueprint("suppressions", __name__, url_prefix="/api/v1/sites/<site>",
                description="Direct marketing: suppressions (sender)")


@blp.route("/suppressions")
class Suppressions(MethodView):
    @protected_docs(blp)
    @blp.arguments(SuppressionQuery, location="query")
    @blp.response(200, description="NDJSON (default) or CSV: one line per suppressed subject "
                  "with its identifiers and the reason (prohibited, withdrawn, restricted)")
    @blp.alt_response(422, schema="ProblemSchema", description="Not in the notice")
    @require_role("sender")
    def get(self, query: dict[str, Any], site: Site) -> Any:
        """Everyone known who must not be contacted for purpose P on channel C (streamed)."""
        purpose, channel = query["purpose"], query["channel"]
        purposes, channels, _ = marketing.notice_marketing(site)
        if purpose not in purposes or channel not in channels:
            raise InvalidInput("Purpose and channel must come from the site's notice.",
                               {"purpose" if purpose not in purposes else "channel": ["unknown"]})
        writer = (formats.writer(SUPPRESSIONS, query["format"]) if "format" in query
                  else formats.negotiate(SUPPRESSIONS, request.accept_mimetypes))
        audit.append(site, g.actor, "marketing.suppressions_exported",
                     {"purpose": purpose, "channel": channel, "format": writer.name})
        site_id = site.id
        db.session.commit()
        items = suppressions.iter_suppressed(site_id, purpose, channel)
        resp = Response(stream_with_context(writer.stream(batches(items))),
                        mimetype=writer.media_type)
        resp.headers["Cache-Control"] = "no-store"
        return resp
