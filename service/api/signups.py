"""Public signup for newsletters and offers (CORS to the site's origins, rate-limited)."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask.views import MethodView
from flask_smorest import Blueprint

from service.api import cors
from service.domain import sites
from service.domain.marketing import mailer, optin, permission_cache, unsubscribe
from service.extensions import db
from service.schemas.marketing import SignupIn, SignupOut

blp = Blueprint("signups", __name__, url_prefix="/api/v1/sites/<site>",
                description="Direct marketing: signup with double opt-in (public, CORS)")
blp.after_request(cors.add_cors_headers)


@blp.route("/signups")
class Signups(MethodView):
    @blp.arguments(SignupIn)
    @blp.response(202, SignupOut)
    @blp.alt_response(403, schema="ProblemSchema", description="Origin not allowed")
    @blp.alt_response(422, schema="ProblemSchema", description="Not offered by the notice")
    @blp.alt_response(503, schema="ProblemSchema", description="LUPA_PUBLIC_URL is not set")
    def post(self, body: dict[str, Any], site: str) -> Any:
        """Start a double opt-in: a confirmation mail with a link to the address given.

        The answer is the same for a known and an unknown address; a known person's
        permissions change only when the link is confirmed. The mail is sent after the
        answer (not when everything asked for is granted already, nor past the address's
        hourly allowance)."""
        s = sites.get_site(site)
        g.cors_site = s
        cors.check_write_origin(s)
        base = unsubscribe.public_base()  # LUPA_PUBLIC_URL, never the request's Host
        signup = optin.start(s, body, request.remote_addr, base)
        db.session.commit()
        permission_cache.after_commit(s.id)
        if signup.mail is not None:
            mailer.send_later(signup.mail)
        return {"status": "accepted", "requested": [list(p) for p in signup.requested]}
