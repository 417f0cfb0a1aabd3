"""Serves the built consent widget (plain and content-hashed names); the demo page is
web/demo.py (this module stays free of the rest of the service)."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, send_from_directory

from service.assets import WIDGET_DIR, widget_manifest

bp = Blueprint("widget", __name__)

# Plain names are what sites embed; a short cache lets a new release reach them within minutes.
PLAIN_MAX_AGE = 300
HASHED_MAX_AGE = 31536000


def _asset(kind: str, name: str, max_age: int) -> Response:
    entry = widget_manifest()[kind]
    # The content hash is the ETag, so every instance answers the same validator.
    response = send_from_directory(
        WIDGET_DIR, name, max_age=max_age, etag=entry["integrity"], conditional=True
    )
    if max_age == HASHED_MAX_AGE:
        response.cache_control.immutable = True
    response.cache_control.public = True
    # Public, credential-free files that any site may embed, including with SRI.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if kind in ("js", "subscribe", "embeds"):
        response.mimetype = "text/javascript"
    return response


@bp.get("/widget.js")
def widget_js() -> Response:
    return _asset("js", "widget.js", PLAIN_MAX_AGE)


@bp.get("/widget.css")
def widget_css() -> Response:
    return _asset("css", "widget.css", PLAIN_MAX_AGE)


@bp.get("/widget.<digest>.<ext>")
def widget_hashed(digest: str, ext: str) -> Response:
    kind = {"js": "js", "css": "css"}.get(ext)
    if kind is None or not re.fullmatch(r"[0-9a-f]{8,64}", digest):
        abort(404)
    name = f"widget.{digest}.{ext}"
    if widget_manifest()[kind]["file"] != name:
        abort(404)
    return _asset(kind, name, HASHED_MAX_AGE)


@bp.get("/widget-subscribe.<digest>.js")
def widget_subscribe(digest: str) -> Response:
    """`Lupa.subscribe`'s sender, fetched by the widget only on pages that use it."""
    name = f"widget-subscribe.{digest}.js"
    if widget_manifest()["subscribe"]["file"] != name:
        abort(404)
    return _asset("subscribe", name, HASHED_MAX_AGE)


@bp.get("/widget-embeds.<digest>.<ext>")
def widget_embeds(digest: str, ext: str) -> Response:
    """The embeds' placeholders (script and stylesheet), fetched by the widget only on pages
    with an `iframe[data-lupa-src]`."""
    kind = {"js": "embeds", "css": "embeds_css"}.get(ext)
    name = f"widget-embeds.{digest}.{ext}"
    if kind is None or widget_manifest()[kind]["file"] != name:
        abort(404)
    return _asset(kind, name, HASHED_MAX_AGE)
