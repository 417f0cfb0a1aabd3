"""One-click unsubscribe links (RFC 8058) for a send (sender): the only links a sender gets,
each issuance audited with the key that asked."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from service.api.auth import protected_docs, require_role
from service.domain.marketing import unsubscribe
from service.extensions import db
from service.models import Site
from service.schemas.marketing import (
    UnsubscribeLinksIn,
    UnsubscribeLinksOut,
)

blp = Blueprint("unsubscribe_links", __name__, url_prefix="/api/v1/sites/<site>",
                description="Direct marketing: unsubscribe links (sender)")


@blp.route("/unsubscribe-links")
class UnsubscribeLinks(MethodView):
    @protected_docs(blp)
    @blp.arguments(UnsubscribeLinksIn)
    @blp.response(200, UnsubscribeLinksOut)
    @blp.alt_response(422, schema="ProblemSchema", description="Not in the notice")
    @require_role("sender")
    def post(self, body: dict[str, Any], site: Site) -> Any:
        """`List-Unsubscribe` / `List-Unsubscribe-Post` (RFC 8058) values per recipient, for
        one purpose on one channel or `*` for every purpose / channel; audited."""
        base = unsubscribe.public_base()
        links = unsubscribe.links_for(site, body["purpose"], body["channel"], body["id_type"],
                                      body["recipients"], base, g.actor)
        db.session.commit()
        return {"links": links}
