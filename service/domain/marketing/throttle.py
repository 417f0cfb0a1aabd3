"""At most LUPA_MESSAGES_PER_RECIPIENT_HOUR mails and SMS to one recipient per hour, counted
in the database (`message_sends`), so the limit holds across workers and instances. The
recipient is named by a keyed hash of its own, apart from the identifier lookup hash, and
rows older than the hour are deleted as new ones come.

An address is counted as its mailbox: `name+tag@domain` is `name@domain` here (the tags
reach the same mailbox). A scope gives one kind of message an allowance of its own (the
preference links a person asks for are not spent by signups; one confirm mail per address
and permissions asked for). On PostgreSQL the count and the insert run under a transaction
advisory lock on the recipient, so requests racing for one recipient take turns; on SQLite
the database's single writer does the same."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select, text

from service.domain.marketing import crypto
from service.extensions import db
from service.models import MessageSend, Site
from service.models.types import utcnow

WINDOW = timedelta(hours=1)


def mailbox(kind: str, value: str) -> str:
    """The recipient a message reaches: an address without its +tag."""
    if kind != "email" or "@" not in value:
        return value
    local, _, domain = value.rpartition("@")
    return f"{local.split('+', 1)[0] or local}@{domain}"


def recipient_hash(site: Site, kind: str, value: str, scope: str = "") -> bytes:
    key = hmac.digest(crypto.lookup_key(site.id), b"lupa/message-throttle/v1", hashlib.sha256)
    name = f"{kind}:{mailbox(kind, value)}" if not scope else \
        f"{kind}/{scope}:{mailbox(kind, value)}"
    return hmac.digest(key, name.encode(), hashlib.sha256)


def _lock(digest: bytes) -> None:
    """Hold the recipient until the caller's transaction ends (PostgreSQL)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"),
                           {"k": int.from_bytes(digest[:8], "big", signed=True)})


def reserve(site: Site, kind: str, value: str, scope: str = "", limit: int | None = None) -> bool:
    """Count one message to this recipient in the caller's transaction; False (and nothing
    counted) when the hour's allowance (LUPA_MESSAGES_PER_RECIPIENT_HOUR, or `limit`) for
    this scope is spent."""
    now = utcnow()
    digest = recipient_hash(site, kind, value, scope)
    _lock(digest)
    db.session.execute(delete(MessageSend).where(MessageSend.sent_at < now - WINDOW)
                       .execution_options(synchronize_session=False))
    sent = db.session.execute(
        select(func.count()).select_from(MessageSend).where(
            MessageSend.site_id == site.id, MessageSend.recipient_hash == digest,
            MessageSend.sent_at >= now - WINDOW)
    ).scalar_one()
    allowed = int(current_app.config["LUPA_MESSAGES_PER_RECIPIENT_HOUR"]) if limit is None \
        else limit
    if sent >= allowed:
        return False
    db.session.add(MessageSend(site_id=site.id, recipient_hash=digest, sent_at=now))
    db.session.flush()
    return True
