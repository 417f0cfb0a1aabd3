"""The auditor's web pages at /auditor/<site>: sign in with an auditor key, browse and verify
the log, read the promise report, see charts and the site scans, export."""

from __future__ import annotations

from typing import Any

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface

from service.auditor import scans  # noqa: F401 - its routes join the blueprint
from service.auditor.views import bp


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, Secure when LUPA_PUBLIC_URL is https or the request
    came over HTTPS (directly, or as a trusted proxy says: LUPA_PROXY_COUNT)."""

    def get_cookie_secure(self, app: Any) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (
            has_request_context() and request.is_secure)


def init_app(app: Flask) -> None:
    # The session cookie carries only the auditor's key id, a session id and a CSRF token
    # (signed); the session itself is server-side (service/auditor/session.py).
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    if str(app.config.get("LUPA_PUBLIC_URL") or "").startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True
    app.session_interface = SessionInterface()
    app.register_blueprint(bp)
