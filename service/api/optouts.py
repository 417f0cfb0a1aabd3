"""Importing opt-outs (sender): all rows or none."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask.views import MethodView
from flask_smorest import Blueprint

from service.api.auth import protected_docs, require_role
from service.domain.marketing import optouts, permission_cache
from service.extensions import db
from service.models import Site
from service.problems import problem
from service.schemas.marketing import (
    OptoutImportOut,
    OptoutQuery,
)

blp = Blueprint("optouts", __name__, url_prefix="/api/v1/sites/<site>",
                description="Direct marketing: opt-out import (sender)")


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
    def post(self, query: dict[str, Any], site: Site) -> Any:
        """Import opt-outs (CSV, e.g. an email service's unsubscribes): all rows or none."""
        if request.mimetype != "text/csv":
            return problem(415, "Unsupported media type", "Send text/csv.",
                           "unsupported-media-type")
        request.max_content_length = optouts.IMPORT_MAX_BYTES
        result = optouts.import_csv(site, request.get_data(as_text=True), query["purpose"],
                                    query["channel"], query["state"], query["id_type"],
                                    query["source"], g.actor)
        db.session.commit()
        permission_cache.after_commit(site.id)
        return result.as_dict()
