"""Serves the built consent widget (plain and content-hashed names) and the demo page."""

from __future__ import annotations

import re
import secrets

from flask import Blueprint, Response, abort, render_template, send_from_directory

from service.assets import STATIC, WIDGET_DIR, widget_manifest

bp = Blueprint("widget", __name__)

DEMO_DIR = STATIC / "demo"
# Plain names are what sites embed; a short cache lets a new release reach them within minutes.
PLAIN_MAX_AGE = 300
HASHED_MAX_AGE = 31536000
DEMO_FILES = {"fake-ga.js", "fake-pixel.js", "demo.css", "demo.js"}


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
    if kind in ("js", "subscribe"):
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


@bp.get("/demo")
def demo_page() -> Response:
    """A realistic page with a blocked analytics tag and pixel, under a strict CSP."""
    nonce = secrets.token_urlsafe(16)
    html = render_template("demo.html", nonce=nonce, site="demo", manifest=widget_manifest())
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self'; "
        "img-src 'self' data:; "
        "connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/demo/static/<name>")
def demo_static(name: str) -> Response:
    if name not in DEMO_FILES:
        abort(404)
    return send_from_directory(DEMO_DIR, name, max_age=0)
