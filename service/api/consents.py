"""Visitors' choices: record and read them (public, CORS)."""

from __future__ import annotations

from typing import Any, cast

from flask import Response, current_app, g, json, request
from flask.views import MethodView
from flask_smorest import Blueprint

from service import cache, metrics
from service.api import cors
from service.domain import consent, sites
from service.errors import NotFound
from service.extensions import db
from service.schemas.consent import ConsentHistoryOut, ConsentIn, ConsentOut

blp = Blueprint("consents", __name__, url_prefix="/api/v1/sites/<site>",
                description="Visitor consent (public, CORS)")
blp.after_request(cors.add_cors_headers)


VISITOR_COOKIE = "lupa_vid"  # the visitor id, signed (domain/consent/visitors.py)
VISITOR_COOKIE_MAX_AGE = 60 * 60 * 24 * 395  # 13 months


def visitor_from_cookie() -> str | None:
    """The visitor id the request's signed `lupa_vid` cookie proves, or None."""
    return consent.visitor_of_cookie(current_app.config["SECRET_KEY"],
                                     request.cookies.get(VISITOR_COOKIE))


@blp.route("/consents")
class Consents(MethodView):
    @blp.arguments(ConsentIn)
    @blp.response(201, ConsentOut)
    @blp.alt_response(400, schema="ProblemSchema",
                      description="The nil or max UUID as visitor_id, or JSON nested too deep")
    @blp.alt_response(403, schema="ProblemSchema", description="Origin not allowed")
    @blp.alt_response(404, schema="ProblemSchema", description="Unknown site")
    def post(self, body: dict[str, Any], site: str) -> Any:
        """Record a visitor's choice for the notice version they were shown.

        The visitor is the one the service's signed `lupa_vid` cookie names; without one, a
        new visitor id. A `visitor_id` in the body is checked but never overrides the cookie.
        With `Sec-GPC: 1`, categories of type marketing are stored as refused (method gpc)."""
        s = cache.site_ref(site)  # hot path: no site query per write
        g.cors_site = s
        cors.check_write_origin(s)
        if body.get("visitor_id") is not None:
            consent.parse_visitor_id(body["visitor_id"])  # 422 not a UUID, 400 nil or max
        # The id is the signed cookie's, never the body's: a body id other than the cookie's
        # is not used, and without a cookie (a first visit) the service makes a new one.
        visitor_id = visitor_from_cookie()
        ctx = consent.ChoiceContext(
            ip=request.remote_addr,
            user_agent=request.headers.get("User-Agent"),
            gpc=request.headers.get("Sec-GPC") == "1",
        )
        event = consent.record_visitor_choice(
            s, body["notice_version"], body["choices"], body["method"], visitor_id, ctx
        )
        out = consent.choice_dict(event)  # before the commit expires (and reloads) the row
        db.session.commit()
        metrics.record_consent_write(out["method"])
        resp = Response(json.dumps(out), status=201, mimetype="application/json")
        resp.set_cookie(
            VISITOR_COOKIE, consent.cookie_value(current_app.config["SECRET_KEY"],
                                                 out["visitor_id"]),
            max_age=VISITOR_COOKIE_MAX_AGE, path="/",
            secure=request.is_secure, samesite="None" if request.is_secure else "Lax",
            httponly=True,  # only the service reads it (GET .../consents/current)
        )
        resp.headers["Cache-Control"] = "no-store"
        return resp


@blp.route("/consents/current")
class CurrentConsent(MethodView):
    @blp.response(200, ConsentOut)
    @blp.alt_response(404, schema="ProblemSchema", description="No visitor cookie or choice")
    def get(self, site: str) -> Any:
        """The choice of the visitor named by the service's own `lupa_vid` cookie.

        The widget asks when the page's script cookie is gone (Safari deletes script-set
        cookies after 7 days), so a returning visitor is not asked again."""
        ref = cache.site_ref(site)
        g.cors_site = ref
        visitor_id = visitor_from_cookie()
        if not visitor_id:
            raise NotFound("No valid visitor cookie.")
        event = consent.current_choice(cast(Any, ref), visitor_id)
        resp = Response(json.dumps(consent.choice_dict(event)), mimetype="application/json")
        resp.headers["Cache-Control"] = "no-store"
        return resp


@blp.route("/consents/<visitor_id>")
class VisitorConsent(MethodView):
    @blp.response(200, ConsentOut)
    @blp.alt_response(404, schema="ProblemSchema", description="No choice recorded")
    @blp.alt_response(400, schema="ProblemSchema", description="The nil or max UUID")
    @blp.alt_response(422, schema="ProblemSchema", description="Not a visitor id")
    def get(self, site: str, visitor_id: str) -> Any:
        """The visitor's current choice (the latest event)."""
        ref = cache.site_ref(site)  # hot path: no site query per request
        g.cors_site = ref
        event = consent.current_choice(cast(Any, ref), visitor_id)  # uses only `site.id`
        # Already in ConsentOut's shape (pinned by the schemathesis run): skip re-dumping.
        return Response(json.dumps(consent.choice_dict(event)), mimetype="application/json")


@blp.route("/consents/<visitor_id>/history")
class VisitorHistory(MethodView):
    @blp.response(200, ConsentHistoryOut)
    @blp.alt_response(404, schema="ProblemSchema", description="Unknown site")
    @blp.alt_response(400, schema="ProblemSchema", description="The nil or max UUID")
    @blp.alt_response(422, schema="ProblemSchema", description="Not a visitor id")
    def get(self, site: str, visitor_id: str) -> Any:
        """Every choice this visitor made, oldest first (the visitor's own record)."""
        s = sites.get_site(site)
        g.cors_site = s
        events = consent.history(s, visitor_id)
        return {"visitor_id": consent.parse_visitor_id(visitor_id),
                "events": [consent.choice_dict(e) for e in events]}
