"""At most LUPA_MESSAGES_PER_RECIPIENT_HOUR mails and SMS to one recipient per hour, counted
in the database (`message_sends`), so the limit holds across workers and instances. The
recipient is named by a keyed hash of its own, apart from the identifier lookup hash, and
rows older than the hour are deleted as new ones come."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from service.domain.marketing import crypto
from service.extensions import db
from service.models import MessageSend, Site
from service.models.types import utcnow

WINDOW = timedelta(hours=1)


def recipient_hash(site: Site, kind: str, value: str) -> bytes:
    key = hmac.digest(crypto.lookup_key(site.id), b"lupa/message-throttle/v1", hashlib.sha256)
    return hmac.digest(key, f"{kind}:{value}".encode(), hashlib.sha256)


def reserve(site: Site, kind: str, value: str) -> bool:
    """Count one message to this recipient in the caller's transaction; False (and nothing
    counted) when the hour's allowance is spent."""
    now = utcnow()
    db.session.execute(delete(MessageSend).where(MessageSend.sent_at < now - WINDOW)
                       .execution_options(synchronize_session=False))
    digest = recipient_hash(site, kind, value)
    sent = db.session.execute(
        select(func.count()).select_from(MessageSend).where(
            MessageSend.site_id == site.id, MessageSend.recipient_hash == digest,
            MessageSend.sent_at >= now - WINDOW)
    ).scalar_one()
    if sent >= int(current_app.config["LUPA_MESSAGES_PER_RECIPIENT_HOUR"]):
        return False
    db.session.add(MessageSend(site_id=site.id, recipient_hash=digest, sent_at=now))
    db.session.flush()
    return True
