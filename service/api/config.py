"""The widget's configuration and the current notice (public, CORS, cacheable)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint

from service import cache
from service.api import cors
from service.assets import widget_manifest
from service.domain import notices, sites
from service.domain.audit.canonical import canonical_json, iso_utc, sha256_hex
from service.models import Site

blp = Blueprint("config", __name__, url_prefix="/api/v1/sites/<site>",
                description="Widget configuration (public, CORS)")
blp.after_request(cors.add_cors_headers)


def widget_vendor(vendor: dict[str, Any]) -> dict[str, Any]:
    """A vendor of the category as an embed's placeholder names it (`data-vendor` is its id):
    who it is, why, and the cookies it sets."""
    return {"id": vendor["id"], "name": vendor["name"],
            **({"purpose": vendor["purpose"]} if "purpose" in vendor else {}),
            "cookies": [{"name": c["name"],
                         **({"duration": c["duration"]} if "duration" in c else {})}
                        for c in vendor.get("cookies", [])]}


def widget_category(cat: dict[str, Any]) -> dict[str, Any]:
    """A category for the widget: its type drives blocking, Consent Mode and GPC; `cookies`
    lists its own cookies and its vendors' (the cookie-removal list of a refusal); `vendors`
    are its vendors by id (the placeholders of embeds that wait for it)."""
    cookies = list(cat.get("cookies") or [])
    for vendor in cat.get("vendors") or []:
        cookies += [{"name": c["name"], "vendor": vendor["name"],
                     **({"duration": c["duration"]} if "duration" in c else {}),
                     **({"purpose": vendor["purpose"]} if "purpose" in vendor else {})}
                    for c in vendor.get("cookies", [])]
    shown = ("key", "type", "required", "title", "description")
    out: dict[str, Any] = {k: cat[k] for k in shown if k in cat}
    vendors = [widget_vendor(v) for v in cat.get("vendors") or [] if isinstance(v, dict)]
    return {**out, "cookies": cookies, "vendors": vendors}


def widget_config(site: Site) -> dict[str, Any]:
    version = notices.current_version(site)
    data = notices.as_format_2(version.data)
    categories = [widget_category(c) for c in data.get("cookie_categories") or []]
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
            "banner": data.get("banner") or {},
            "categories": categories,
            # Necessary cookies only: nothing to ask, the widget shows no banner.
            "consent_required": any(not c["required"] for c in categories),
            "marketing": data.get("marketing") or {"purposes": [], "channels": [],
                                                   "prohibitions": []},
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
    """Render from the database (cache miss): the body, its ETag and the site's origins.

    The ETag covers the origins too: a change of origins changes the CORS headers sent with
    the same body, so a CDN or browser revalidating must get a full answer, not a 304."""
    s = sites.get_site(slug)
    body = canonical_json(widget_config(s))
    origins = list(s.origins or [])
    etag = sha256_hex(body + "\n" + canonical_json(origins))[:32]
    return cache.RenderedConfig(slug=s.slug, body=body, etag=etag, origins=origins)
