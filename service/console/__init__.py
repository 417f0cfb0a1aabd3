"""The operator's console at /console/<site>: sign in with an admin key of the site (several
sites in one session), change the site's settings, keys and data-subject requests."""

from __future__ import annotations

from flask import Flask

from service.console import (  # noqa: F401 - routes
    keys_views,
    notice_views,
    optouts_views,
    requests_views,
    stats_views,
    views,
)
from service.console.common import bp


def init_app(app: Flask) -> None:
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.register_blueprint(bp)
