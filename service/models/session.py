"""Auditor web sessions, kept server-side so that a sign-out revokes the cookie."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from service.extensions import db
from service.models.types import UTCDateTime, utcnow


class AuditorSession(db.Model):  # type: ignore[name-defined,misc]
    """One sign-in of an auditor key on the auditor pages; only the SHA-256 of the random
    session id (which lives in the signed session cookie) is kept. Ended at sign-out; past
    its absolute lifetime it is dead whatever the cookie says."""

    __tablename__ = "auditor_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    key_id: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
