"""Data-subject requests (access, rectification, restriction, erasure) with their dates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.extensions import db
from service.models.types import BigId, UTCDateTime, utcnow


class SubjectRequest(db.Model):  # type: ignore[name-defined,misc]
    """One request of a data subject: when it was received and when it was completed, so
    that the one-month deadline can be checked. `outcome` holds counts only, no personal data."""

    __tablename__ = "subject_requests"
    __table_args__ = (Index("ix_subject_requests_site_received", "site_id", "received_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(
        ForeignKey("subjects.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16))  # received | completed
    via: Mapped[str] = mapped_column(String(32))  # admin | signed_link
    actor: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The operator's note on a request recorded by hand (how it came, what was asked); kept
    # with the request only, never in the audit log (it may name the person).
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
