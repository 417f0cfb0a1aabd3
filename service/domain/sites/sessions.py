"""Auditor web sessions, server-side: a random id per sign-in, its hash stored, ended at
sign-out and dead after an absolute lifetime, so that a copied or replayed session cookie
stops working when the auditor signs out or the lifetime ends (issue 13 item 7)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select, update

from service.extensions import db
from service.models import ApiKey, AuditorSession, Site
from service.models.types import utcnow


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(site: Site, key: ApiKey, max_age: int) -> str:
    """A new session of this key on this site; the id to keep in the signed cookie. Sessions
    past their lifetime are deleted on the way (they cannot be used any more)."""
    now = utcnow()
    db.session.execute(delete(AuditorSession).where(
        AuditorSession.created_at < now - timedelta(seconds=max_age)))
    token = secrets.token_urlsafe(32)
    db.session.add(AuditorSession(token_hash=_hash(token), site_id=site.id, key_id=key.key_id,
                                  created_at=now))
    return token


def session_alive(site: Site, key_id: object, token: object, max_age: int) -> bool:
    """True when `token` is a session of this key on this site, not ended, and younger than
    `max_age` seconds."""
    if not isinstance(token, str) or not isinstance(key_id, str):
        return False
    row = db.session.execute(select(AuditorSession).where(
        AuditorSession.token_hash == _hash(token))).scalar_one_or_none()
    return (row is not None and row.ended_at is None and row.site_id == site.id
            and row.key_id == key_id
            and utcnow() - row.created_at <= timedelta(seconds=max_age))


def end_session(token: object) -> None:
    """Revoke the session (sign-out): its cookie is refused from now on, replayed or not."""
    if isinstance(token, str):
        db.session.execute(update(AuditorSession).where(
            AuditorSession.token_hash == _hash(token), AuditorSession.ended_at.is_(None))
            .values(ended_at=utcnow()))
