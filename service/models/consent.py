"""Visitor consent events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from service.extensions import db
from service.models.types import BigId, UTCDateTime, utcnow


class ConsentEvent(db.Model):  # type: ignore[name-defined,misc]
    """One choice of one visitor. Append-only: the current state is the latest event."""

    __tablename__ = "consent_events"
    __table_args__ = (Index("ix_consent_events_site_visitor", "site_id", "visitor_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    visitor_id: Mapped[str] = mapped_column(String(36))
    notice_version: Mapped[int] = mapped_column(Integer)
    choices: Mapped[dict[str, bool]] = mapped_column(JSON)
    method: Mapped[str] = mapped_column(String(16))
    ip_prefix: Mapped[str | None] = mapped_column(String(64), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(String(256), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
