"""Signed, expiring links for customers: unsubscribe (issued to senders), double opt-in and
preferences (only ever mailed to one identifier of the subject, which they name by its row
id), and the SMS code form.

A token carries the site, the subject's pseudonymous id and what it is for, never an email
or phone number in clear; it is signed with LUPA_SECRET_KEY (itsdangerous, HMAC-SHA256 via
salt). One salt per kind: a token of one kind is no token of another.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from service.errors import DomainError

KINDS = {
    "unsubscribe": "LUPA_UNSUBSCRIBE_MAX_AGE",
    "optin": "LUPA_OPTIN_MAX_AGE",
    "preferences": "LUPA_PREFERENCES_MAX_AGE",
    "verify": "LUPA_SMS_CODE_MAX_AGE",
}


class LinkInvalid(DomainError):
    status = 400
    title = "Invalid link"
    slug = "invalid-link"


class LinkExpired(DomainError):
    status = 410
    title = "Link expired"
    slug = "link-expired"


def _serializer(kind: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"lupa.{kind}.v1")


def make(kind: str, site_id: int, subject_public_id: str, **data: Any) -> str:
    return str(_serializer(kind).dumps({"s": site_id, "u": subject_public_id, **data}))


def read(kind: str, token: str, site_id: int) -> dict[str, Any]:
    """The token's data; 400 if tampered or for another site, 410 if expired."""
    return read_timed(kind, token, site_id)[0]


def read_timed(kind: str, token: str, site_id: int) -> tuple[dict[str, Any], datetime]:
    """The token's data and when it was made; 400 if tampered or for another site, 410 if
    expired."""
    max_age = int(current_app.config[KINDS[kind]])
    try:
        data, issued = _serializer(kind).loads(token, max_age=max_age, return_timestamp=True)
    except SignatureExpired as exc:
        raise LinkExpired("This link has expired.") from exc
    except BadSignature as exc:
        raise LinkInvalid("This link is not valid.") from exc
    if not isinstance(data, dict) or data.get("s") != site_id or not isinstance(data.get("u"),
                                                                                  str):
        raise LinkInvalid("This link is not valid.")
    return data, issued
