"""Console sign-in: an admin key per site, several sites in one session. The signed session
cookie holds, per site signed in to, only the key's id and the time of its last use; the key
is looked up and re-checked (live, admin, this site) on every request, so a revocation or an
idle session ends access at once."""

from __future__ import annotations

import time
from typing import Any

from flask import session

from service.domain.sites import keys
from service.errors import DomainError
from service.models import ApiKey, Site
from service.page_session import new_csrf_token

IDLE_SECONDS = 8 * 3600
ROLE = "admin"


class NotSignedIn(Exception):
    """No valid console session for this site."""


def _sites() -> dict[str, Any]:
    info = session.get("console")
    return dict(info) if isinstance(info, dict) else {}


def sign_in(site: Site, raw_key: str) -> ApiKey | None:
    """The key if it is a live admin key of this site; the site joins the session's others."""
    try:
        key = keys.authenticate(f"Bearer {raw_key.strip()}")
    except DomainError:
        return None
    if key.site_id != site.id or key.role != ROLE:
        return None
    keys.note_use(key)  # committed by the sign-in view
    signed = _sites()
    signed[site.slug] = {"key_id": key.key_id, "at": int(time.time())}
    session["console"] = signed
    new_csrf_token()
    return key


def sign_out() -> None:
    """Out of every site of the console (the auditor's session, if any, is its own)."""
    session.pop("console", None)
    new_csrf_token()


def signed_in_sites() -> list[str]:
    """The slugs the session holds, by slug (each is re-checked when opened)."""
    return sorted(_sites())


def current_key(site: Site) -> ApiKey:
    """The admin key behind this session for this site, re-checked on every request."""
    signed = _sites()
    info = signed.get(site.slug)
    if not isinstance(info, dict):
        raise NotSignedIn
    key = keys.key_of_site(site, info.get("key_id"))
    stale = time.time() - int(info.get("at", 0)) > IDLE_SECONDS
    if stale or key is None or key.revoked_at is not None or key.role != ROLE:
        signed.pop(site.slug, None)
        session["console"] = signed
        raise NotSignedIn
    signed[site.slug] = {**info, "at": int(time.time())}
    session["console"] = signed
    return key
