"""The demo page (`lupa demo`, /demo): a realistic page whose stand-in tags wait for the demo
site's notice categories, under a strict CSP, and its static files."""

from __future__ import annotations

import secrets

from flask import Blueprint, Response, abort, render_template, send_from_directory

from service.assets import STATIC, widget_manifest
from service.domain import notices, sites
from service.errors import NotFound

bp = Blueprint("demo", __name__)

DEMO_DIR = STATIC / "demo"
DEMO_FILES = {"fake-ga.js", "fake-pixel.js", "demo.css", "demo.js"}
# The hosts of the embeds the docs show: the page's own video and map, and a Vimeo player
# that a page (or a test) may add.
EMBED_ORIGINS = ("https://www.youtube.com", "https://www.youtube-nocookie.com",
                 "https://www.google.com", "https://player.vimeo.com")


def demo_setup() -> tuple[dict[str, str], list[str]]:
    """What the demo page's stand-in tags wait for, and its languages, from the demo site's
    notice: the first category key of each type (a notice may call its analytics category
    `statistics`); a type the notice lacks has no tag on the page."""
    try:
        site = sites.get_site("demo")
        notice = notices.as_format_2(notices.current_version(site).data)
    except NotFound:
        return {t: t for t in ("analytics", "marketing", "preferences")}, list(sites.LANGUAGES)
    tags: dict[str, str] = {}
    for category in notice.get("cookie_categories") or []:
        tags.setdefault(category["type"], category["key"])
    return tags, list(site.languages)


@bp.get("/demo")
def demo_page() -> Response:
    """A realistic page with a blocked analytics tag, pixel, video and map, under a strict
    CSP."""
    nonce = secrets.token_urlsafe(16)
    tags, languages = demo_setup()
    html = render_template("demo.html", nonce=nonce, site="demo", manifest=widget_manifest(),
                           tags=tags, languages=languages)
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self'; "
        "img-src 'self' data:; "
        "connect-src 'self'; "
        # The video and the map, once allowed (YouTube's privacy-enhanced host for "once").
        f"frame-src {' '.join(EMBED_ORIGINS)}; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/demo/static/<name>")
def demo_static(name: str) -> Response:
    if name not in DEMO_FILES:
        abort(404)
    return send_from_directory(DEMO_DIR, name, max_age=0)
