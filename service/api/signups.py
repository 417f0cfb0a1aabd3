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
    @blp.alt_response(503, schema="ProblemSchema", description="Mail could not be sent")
    def post(self, body: dict[str, Any], site: str) -> Any:
        """Start a double opt-in: pending permissions and a confirmation mail with a link."""
        s = sites.get_site(site)
        g.cors_site = s
        cors.check_write_origin(s)
        base = unsubscribe.public_base()  # LUPA_PUBLIC_URL, never the request's Host
        signup = optin.start(s, body, request.remote_addr)
        db.session.commit()
        permission_cache.after_commit(s.id)
        link = f"{base}/sites/{s.slug}/confirm/{signup.token}?lang={body['language']}"
        subject_line, text = optin.confirmation_mail(s, signup, link, body["language"])
        mailer.send(mailer.build(signup.email, subject_line, text))
        return {"status": "confirmation_sent", "pending": [list(p) for p in signup.pending]}
