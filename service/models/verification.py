"""Proving identifiers: codes sent to phone numbers, and the messages sent per recipient
(for the hourly limit per recipient)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from service.extensions import db
from service.models.types import BigId, UTCDateTime, utcnow


class IdentifierChallenge(db.Model):  # type: ignore[name-defined,misc]
    """A code sent to a phone number that a subject asked to prove. The number is encrypted
    under the asking subject's data key (erasure makes it noise), the code is kept only as a
    keyed hash; `grants` are the permissions (purpose, channel) the proof confirms."""

    __tablename__ = "identifier_challenges"
    __table_args__ = (
        Index("ix_identifier_challenges_number", "site_id", "number_hash", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(
        ForeignKey("subjects.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    code_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    # The number by a keyed hash (domain/marketing/throttle.py): one live code per number,
    # wrong tries counted across its codes.
    number_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32), nullable=True)
    grants: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class MessageSend(db.Model):  # type: ignore[name-defined,misc]
    """One mail or SMS sent to one recipient, named by a keyed hash of its own (not the
    identifier lookup hash); rows older than the window are deleted as new ones come."""

    __tablename__ = "message_sends"
    __table_args__ = (
        Index("ix_message_sends_recipient", "site_id", "recipient_hash", "sent_at"),
        Index("ix_message_sends_sent_at", "sent_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    recipient_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
