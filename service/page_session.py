"""What the server-rendered signed-in pages (auditor, console) share: the CSRF token kept in
the signed session cookie, and the strict headers (no script, no inline style) they send."""

from __future__ import annotations

import hmac
import secrets

from flask import Response, session

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")


def csrf_token() -> str:
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def csrf_valid(sent: str | None) -> bool:
    token = session.get("csrf")
    return isinstance(token, str) and isinstance(sent, str) and hmac.compare_digest(token, sent)


def new_csrf_token() -> None:
    """A fresh token at every sign-in (a token seen before it is useless after it)."""
    session["csrf"] = secrets.token_urlsafe(32)


def strict_headers(resp: Response) -> Response:
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["Cache-Control"] = "no-store"
    return resp
