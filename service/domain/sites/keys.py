"""API keys: issue (shown once), store hashed, authenticate in constant time, list and
revoke; who created each key is stored with it and its last use is kept to the minute."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from service.domain import audit
from service.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from service.extensions import db
from service.models import ROLES, ApiKey, Site
from service.models.types import utcnow

PREFIX = "lupa"
# A key's last use is written at most this often: a write per request would put a write on
# every hot read path; to the minute is enough to tell a key in use from a forgotten one.
LAST_USE_RESOLUTION = timedelta(minutes=1)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(site: Site, role: str, actor: str, label: str | None = None) -> tuple[ApiKey, str]:
    """Return the stored key and its plaintext, which is never stored. `actor` (the creating
    key, `cli:<user>` or `system`) is kept on the key and in the `key.created` entry."""
    if role not in ROLES:
        raise InvalidInput(f"Role must be one of {', '.join(ROLES)}.", {"role": ["unknown role"]})
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(site_id=site.id, role=role, key_id=key_id, secret_hash=_hash(secret), label=label,
                 created_by=actor)
    db.session.add(key)
    db.session.flush()
    audit.append(site, actor, "key.created", {"key_id": key_id, "role": role})
    return key, f"{PREFIX}_{key_id}_{secret}"


def list_keys(site: Site) -> list[ApiKey]:
    """Every key of the site, revoked ones too, oldest first (secrets are never kept)."""
    return list(db.session.execute(
        select(ApiKey).where(ApiKey.site_id == site.id).order_by(ApiKey.created_at, ApiKey.id)
    ).scalars())


def revoke_key(site: Site, key_id: str, actor: str) -> ApiKey:
    """Revoke the site's key (audited once; revoking a revoked key changes nothing)."""
    key = key_of_site(site, key_id)
    if key is None:
        raise NotFound(f"Site {site.slug!r} has no key {str(key_id)[:40]!r}.",
                       {"key_id": ["unknown"]})
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.append(site, actor, "key.revoked", {"key_id": key_id, "role": key.role})
    return key


def authenticate(authorization: str | None) -> ApiKey:
    """Resolve an `Authorization: Bearer` header to a live key, or raise 401."""
    if not authorization or not authorization.startswith("Bearer "):
        raise Unauthorized("An API key is required: Authorization: Bearer KEY.")
    token = authorization[len("Bearer ") :].strip()
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or len(parts[1]) != 12:
        raise Unauthorized("The API key is malformed or unknown.")
    key = db.session.execute(select(ApiKey).where(ApiKey.key_id == parts[1])).scalar_one_or_none()
    expected = key.secret_hash if key else _hash("x")
    ok = hmac.compare_digest(expected, _hash(parts[2]))
    if key is None or not ok or key.revoked_at is not None:
        raise Unauthorized("The API key is malformed or unknown.")
    return key


def note_use(key: ApiKey, now: datetime | None = None) -> bool:
    """Set the key's last use if the stored one is older than LAST_USE_RESOLUTION; True if it
    changed (the caller commits it). Not audited: a use changes nothing of anyone's record."""
    now = now or utcnow()
    if key.last_used_at is not None and now - key.last_used_at < LAST_USE_RESOLUTION:
        return False
    key.last_used_at = now
    return True


def key_of_site(site: Site, key_id: object) -> ApiKey | None:
    """The site's key with this id (revoked or not), or None."""
    return db.session.execute(
        select(ApiKey).where(ApiKey.key_id == key_id, ApiKey.site_id == site.id)
    ).scalar_one_or_none()


def authorise(key: ApiKey, site: Site, roles: tuple[str, ...]) -> None:
    """A key reads and writes only its own site, in its own role."""
    if key.site_id != site.id:
        raise Forbidden("This key belongs to another site.")
    if key.role not in roles:
        raise Forbidden(f"This needs the role {' or '.join(roles)}; the key has {key.role}.")
