"""Auditor sign-in: an auditor API key exchanged for a signed session cookie; CSRF tokens."""

from __future__ import annotations

import secrets
import time
from typing import Any

from flask import session

from service.domain.sites import keys
from service.errors import DomainError
from service.models import ApiKey, Site
from service.page_session import csrf_token, csrf_valid

IDLE_SECONDS = 8 * 3600


__all__ = ["NotSignedIn", "csrf_token", "csrf_valid", "sign_in", "sign_out", "current_key"]


class NotSignedIn(Exception):
    """No valid auditor session for this site."""


def sign_in(site: Site, raw_key: str) -> bool:
    """True if the key is a live auditor key of this site; then the session is renewed."""
    try:
        key = keys.authenticate(f"Bearer {raw_key.strip()}")
    except DomainError:
        return False
    if key.site_id != site.id or key.role != "auditor":
        return False
    keys.note_use(key)  # committed by the sign-in view
    session.clear()  # a fresh session (and CSRF token) at every sign-in: no fixation
    session["auditor"] = {"site": site.slug, "key_id": key.key_id, "at": int(time.time())}
    session["csrf"] = secrets.token_urlsafe(32)
    return True


def sign_out() -> None:
    session.clear()


def current_key(site: Site) -> ApiKey:
    """The auditor key behind this session, re-checked on every request (revocation wins)."""
    info: Any = session.get("auditor")
    if not isinstance(info, dict) or info.get("site") != site.slug:
        raise NotSignedIn
    if time.time() - int(info.get("at", 0)) > IDLE_SECONDS:
        session.clear()
        raise NotSignedIn
    key = keys.key_of_site(site, info.get("key_id"))
    if key is None or key.revoked_at is not None or key.role != "auditor":
        session.clear()
        raise NotSignedIn
    info["at"] = int(time.time())
    session["auditor"] = info
    return key
