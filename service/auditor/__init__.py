"""The auditor's web pages at /auditor/<site>: sign in with an auditor key, browse and verify
the log, read the promise report, see charts and the site scans, export."""

from __future__ import annotations

from flask import Flask

from service.auditor import scans  # noqa: F401 - its routes join the blueprint
from service.auditor.views import bp


def init_app(app: Flask) -> None:
    # The session cookie carries only the auditor's key id and a CSRF token (signed).
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.register_blueprint(bp)
