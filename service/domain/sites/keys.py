"""API keys: issue (shown once), store hashed, authenticate in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select

from service.domain import audit
from service.errors import Forbidden, InvalidInput, Unauthorized
from service.extensions import db
from service.models import ROLES, ApiKey, Site
from service.models.types import utcnow

PREFIX = "lupa"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(site: Site, role: str, actor: str, label: str | None = None) -> tuple[ApiKey, str]:
    """Return the stored key and its plaintext, which is never stored."""
    if role not in ROLES:
        raise InvalidInput(f"Role must be one of {', '.join(ROLES)}.", {"role": ["unknown role"]})
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(site_id=site.id, role=role, key_id=key_id, secret_hash=_hash(secret), label=label)
    db.session.add(key)
    db.session.flush()
    audit.append(site, actor, "key.created", {"key_id": key_id, "role": role})
    return key, f"{PREFIX}_{key_id}_{secret}"


def revoke_key(site: Site, key_id: str, actor: str) -> ApiKey:
    key = db.session.execute(
        select(ApiKey).where(ApiKey.site_id == site.id, ApiKey.key_id == key_id)
    ).scalar_one_or_none()
    if key is None:
        raise InvalidInput("No such key for this site.", {"key_id": ["unknown"]})
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
