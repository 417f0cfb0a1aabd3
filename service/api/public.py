"""Public endpoints used by the widget: configuration and visitor consent (CORS per site)."""

from __future__ import annotations

from typing import Any, cast

from flask import Response, current_app, g, json, request
from flask.views import MethodView
from flask_smorest import Blueprint

from service import cache, metrics
from service.domain import consent, notices, sites
from service.domain.audit.canonical import canonical_json, iso_utc, sha256_hex
from service.errors import Forbidden, InvalidInput, NotFound
from service.extensions import db
from service.schemas.consent import ConsentHistoryOut, ConsentIn, ConsentOut
from service.web.widget import widget_manifest

blp = Blueprint(
    "public", __name__, url_prefix="/api/v1/sites/<site>", description="Widget (public, CORS)"
)

VISITOR_COOKIE = "lupa_vid"
VISITOR_COOKIE_MAX_AGE = 60 * 60 * 24 * 395  # 13 months


def own_origin() -> str:
    return request.host_url.rstrip("/")


@blp.after_request
def add_cors_headers(resp: Response) -> Response:
    """Allow exactly the site's origins; everyone else gets no CORS headers."""
    origin = request.headers.get("Origin")
    slug = (request.view_args or {}).get("site")
    resp.headers.add("Vary", "Origin")
    if not origin or not isinstance(slug, str):
        return resp
    site = g.get("cors_site")
    if site is None:
        try:
            site = sites.get_site(slug)
        except Exception:  # unknown site: no CORS grant
            return resp
    if sites.origin_allowed(site, origin, own_origin()):
        resp.headers["Access-Control-Allow-Origin"] = origin
        resp.headers["Access-Control-Allow-Credentials"] = "true"
        if request.method == "OPTIONS":
            resp.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            resp.headers["Access-Control-Allow-Headers"] = "Content-Type"
            resp.headers["Access-Control-Max-Age"] = "600"
        resp.headers["Access-Control-Expose-Headers"] = "ETag"
    return resp


def widget_config(site: Any) -> dict[str, Any]:
    version = notices.current_version(site)
    data = version.data
    return {
        "site": {
            "slug": site.slug,
            "name": site.name,
            "languages": site.languages,
            "default_language": site.languages[0],
        },
        "notice": {
            "version": version.number,
            "hash": version.content_hash,
            "categories_hash": version.categories_hash,
            "published_at": iso_utc(version.published_at),
            "controller": {"name": data["controller"]["name"]},
            "banner": data["banner"],
            "categories": data["cookie_categories"],
            "marketing": data["marketing"],
        },
        "links": {
            "notice": f"/sites/{site.slug}/notice",
            "consents": f"/api/v1/sites/{site.slug}/consents",
            "signups": f"/api/v1/sites/{site.slug}/signups",
        },
        # The immutable, content-hashed widget files with their SRI hashes.
        "widget": {kind: {"file": f"/{entry['file']}", "integrity": entry["integrity"]}
                   for kind, entry in widget_manifest().items() if kind in ("js", "css")},
    }


@blp.route("/config")
class WidgetConfig(MethodView):
    @blp.doc(
        summary="Widget configuration and the current notice",
        responses={"200": {"description": "Configuration (ETag)"},
                   "304": {"description": "Not modified"},
                   "404": {"description": "Unknown site or no notice"}},
    )
    def get(self, site: str) -> Response:
        entry = cache.config_cache().get(site, render_widget_config)
        g.cors_site = entry  # carries the site's origins for the CORS hook
        max_age = int(current_app.config["LUPA_CONFIG_MAX_AGE"])
        headers = {
            "ETag": f'"{entry.etag}"',
            "Cache-Control": f"public, max-age={max_age}, stale-while-revalidate=600",
        }
        if entry.etag in request.if_none_match:
            return Response(status=304, headers=headers)
        return Response(entry.body, status=200, mimetype="application/json", headers=headers)


def render_widget_config(slug: str) -> cache.RenderedConfig:
    """Render from the database (cache miss): the body, its ETag and the site's origins."""
    s = sites.get_site(slug)
    body = canonical_json(widget_config(s))
    return cache.RenderedConfig(slug=s.slug, body=body, etag=sha256_hex(body)[:32],
                                origins=list(s.origins or []))


def _check_write_origin(site: Any) -> None:
    origin = request.headers.get("Origin")
    if origin and not sites.origin_allowed(site, origin, own_origin()):
        raise Forbidden("This origin may not record consent for this site.")


@blp.route("/consents")
class Consents(MethodView):
    @blp.arguments(ConsentIn)
    @blp.response(201, ConsentOut)
    @blp.alt_response(403, schema="ProblemSchema", description="Origin not allowed")
    @blp.alt_response(404, schema="ProblemSchema", description="Unknown site")
    def post(self, body: dict[str, Any], site: str) -> Any:
        """Record a visitor's choice for the notice version they were shown."""
        s = cache.site_ref(site)  # hot path: no site query per write
        g.cors_site = s
        _check_write_origin(s)
        visitor_id = body.get("visitor_id") or request.cookies.get(VISITOR_COOKIE) or None
        if body.get("visitor_id") is None and visitor_id is not None:
            try:
                consent.parse_visitor_id(visitor_id)
            except Exception:
                visitor_id = None
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
            VISITOR_COOKIE, out["visitor_id"], max_age=VISITOR_COOKIE_MAX_AGE, path="/",
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
        visitor_id = request.cookies.get(VISITOR_COOKIE)
        if not visitor_id:
            raise NotFound("No visitor cookie.")
        try:
            event = consent.current_choice(cast(Any, ref), visitor_id)
        except InvalidInput as exc:
            raise NotFound("No choice for this visitor cookie.") from exc
        resp = Response(json.dumps(consent.choice_dict(event)), mimetype="application/json")
        resp.headers["Cache-Control"] = "no-store"
        return resp


@blp.route("/consents/<visitor_id>")
class VisitorConsent(MethodView):
    @blp.response(200, ConsentOut)
    @blp.alt_response(404, schema="ProblemSchema", description="No choice recorded")
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
    @blp.alt_response(422, schema="ProblemSchema", description="Not a visitor id")
    def get(self, site: str, visitor_id: str) -> Any:
        """Every choice this visitor made, oldest first (the visitor's own record)."""
        s = sites.get_site(site)
        g.cors_site = s
        events = consent.history(s, visitor_id)
        return {"visitor_id": consent.parse_visitor_id(visitor_id),
                "events": [consent.choice_dict(e) for e in events]}
