"""The per-site audit hash chain, its head and its signed checkpoints."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from service.extensions import db
from service.models.types import BigId, UTCDateTime


class AuditEntry(db.Model):  # type: ignore[name-defined,misc]
    """One link of a site's hash chain. Append-only: no code path updates or deletes it."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        UniqueConstraint("site_id", "seq", name="uq_audit_entries_site_seq"),
        Index("ix_audit_entries_site_action", "site_id", "action"),
        Index("ix_audit_entries_site_subject", "site_id", "subject"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(80), nullable=True)
    # Canonical JSON. Format 1 hashes it as stored; format 2 hashes payload_hash (its SHA-256),
    # so that retention can later drop the payload (NULL) and the chain still verifies.
    payload: Mapped[str | None] = mapped_column(Text, nullable=True)
    payload_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hash_version: Mapped[int] = mapped_column(SmallInteger, default=1, server_default="1")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(db.Model):  # type: ignore[name-defined,misc]
    """The newest link of each site's chain; its row lock serialises appends."""

    __tablename__ = "audit_heads"

    site_id: Mapped[int] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(db.Model):  # type: ignore[name-defined,misc]
    """A signed statement "entry SEQ of site S has hash H". Append-only."""

    __tablename__ = "audit_checkpoints"
    __table_args__ = (UniqueConstraint("site_id", "seq", name="uq_audit_checkpoints_site_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(128))
