"""Auditor sign-in: an auditor API key exchanged for a signed session cookie; CSRF tokens.

The cookie (Flask's, signed with LUPA_SECRET_KEY) names a server-side session
(domain/sites/sessions.py): a sign-out ends it, so a copy of the cookie replayed afterwards is
refused; it dies LUPA_AUDITOR_SESSION_MAX_AGE seconds after sign-in whatever is done with it
(absolute lifetime), and after LUPA_AUDITOR_SESSION_IDLE seconds without a request (idle). The
key is re-checked on every request (revocation wins). The cookie is Secure behind HTTPS
(service/auditor/__init__.py)."""

from __future__ import annotations

import secrets
import time
from typing import Any

from flask import current_app, session

from service.domain.sites import keys, sessions
from service.errors import DomainError
from service.models import ApiKey, Site
from service.page_session import csrf_token, csrf_valid

MAX_AGE_SECONDS = 8 * 3600  # defaults of LUPA_AUDITOR_SESSION_MAX_AGE and _IDLE
IDLE_SECONDS = 30 * 60


__all__ = ["NotSignedIn", "csrf_token", "csrf_valid", "sign_in", "sign_out", "current_key"]


class NotSignedIn(Exception):
    """No valid auditor session for this site."""


def max_age() -> int:
    return int(current_app.config.get("LUPA_AUDITOR_SESSION_MAX_AGE", MAX_AGE_SECONDS))


def idle() -> int:
    return int(current_app.config.get("LUPA_AUDITOR_SESSION_IDLE", IDLE_SECONDS))


def sign_in(site: Site, raw_key: str) -> bool:
    """True if the key is a live auditor key of this site; then a new session is started
    (the caller commits it)."""
    try:
        key = keys.authenticate(f"Bearer {raw_key.strip()}")
    except DomainError:
        return False
    if key.site_id != site.id or key.role != "auditor":
        return False
    keys.note_use(key)  # committed by the sign-in view
    session.clear()  # a fresh session (and CSRF token) at every sign-in: no fixation
    token = sessions.start_session(site, key, max_age())
    session["auditor"] = {"site": site.slug, "key_id": key.key_id, "sid": token,
                          "at": int(time.time())}
    session["csrf"] = secrets.token_urlsafe(32)
    return True


def sign_out() -> None:
    """End the server-side session (the caller commits) and clear the cookie."""
    info: Any = session.get("auditor")
    if isinstance(info, dict):
        sessions.end_session(info.get("sid"))
    session.clear()


def current_key(site: Site) -> ApiKey:
    """The auditor key behind this session, re-checked on every request (revocation wins)."""
    info: Any = session.get("auditor")
    if not isinstance(info, dict) or info.get("site") != site.slug:
        raise NotSignedIn
    if time.time() - int(info.get("at", 0)) > idle() or not sessions.session_alive(
            site, info.get("key_id"), info.get("sid"), max_age()):
        session.clear()
        raise NotSignedIn
    key = keys.key_of_site(site, info.get("key_id"))
    if key is None or key.revoked_at is not None or key.role != "auditor":
        session.clear()
        raise NotSignedIn
    info["at"] = int(time.time())
    session["auditor"] = info
    return key
