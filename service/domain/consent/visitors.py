"""The service's visitor cookie (`lupa_vid`): the visitor id signed with LUPA_SECRET_KEY.

A visitor id is no secret: it is in the site's own first-party cookie (readable by every
script on the page), in audit subjects and in the public read URLs. So a choice is recorded
under the id of the visitor's signed HttpOnly cookie only, which no one can make for an id
they merely learned; a request without a valid cookie (a first visit) gets a new id from the
service. Rotating LUPA_SECRET_KEY makes every cookie invalid: returning visitors then get new
ids (their earlier choices stay recorded under the old ones)."""

from __future__ import annotations

import hashlib

from itsdangerous import BadSignature, Signer

from service.domain.consent.choices import parse_visitor_id
from service.errors import InvalidInput

SALT = "lupa.visitor-cookie"


def _signer(secret: str) -> Signer:
    return Signer(secret, salt=SALT, digest_method=hashlib.sha256)


def cookie_value(secret: str, visitor_id: str) -> str:
    """The cookie for this visitor id: `<id>.<signature>`."""
    return _signer(secret).sign(visitor_id).decode()


def visitor_of_cookie(secret: str, value: str | None) -> str | None:
    """The visitor id a cookie proves, or None (absent, unsigned, forged, not a random id)."""
    if not value:
        return None
    try:
        raw = _signer(secret).unsign(value).decode()
        return parse_visitor_id(raw)
    except (BadSignature, InvalidInput, UnicodeDecodeError):
        return None
