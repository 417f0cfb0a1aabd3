"""Direct marketing: subjects, their encrypted identifiers, permissions, and check answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.extensions import db
from service.models.types import BigId, UTCDateTime, utcnow


class Subject(db.Model):  # type: ignore[name-defined,misc]
    """A customer of one site. Its data key (wrapped by the master key, in `subject_keys`)
    encrypts its identifiers; destroying the key makes them unreadable for good."""

    __tablename__ = "subjects"
    # Checks ask "which of these 10,000 subjects are restricted?": a partial index holds only
    # the few that are, so the answer costs a probe of a tiny index instead of 10,000 rows.
    __table_args__ = (
        Index("ix_subjects_restricted", "id", postgresql_where=text("restricted_at IS NOT NULL"),
              sqlite_where=text("restricted_at IS NOT NULL")),
        # Checks of a customer-relationship purpose ask "which of these are customers today?":
        # index-only on PostgreSQL (the dates ride along), customers only.
        Index("ix_subjects_relationship", "id",
              postgresql_include=["relationship_start", "relationship_end"],
              postgresql_where=text("relationship_start IS NOT NULL"),
              sqlite_where=text("relationship_start IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    restricted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The customer relationship, in days: active from its start until the day it ended
    # (that day no longer), or open (no end). None: not a customer.
    relationship_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    relationship_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Loaded only when read (decrypting): what never decrypts (permission writes, checks)
    # never touches subject_keys, so it does not wait while the purge rewrites that table.
    # No key row: erased.
    key: Mapped[SubjectKey | None] = relationship(
        lazy="select", uselist=False, cascade="all, delete-orphan", passive_deletes=True)

    @property
    def wrapped_key(self) -> bytes | None:
        """The wrapped data key; None once erased (its row deleted)."""
        return self.key.wrapped_key if self.key is not None else None

    @wrapped_key.setter
    def wrapped_key(self, value: bytes | None) -> None:
        if value is None:
            self.key = None  # delete-orphan: the key's row is deleted at the flush
        elif self.key is None:
            self.key = SubjectKey(wrapped_key=value)
        else:
            self.key.wrapped_key = value


class SubjectKey(db.Model):  # type: ignore[name-defined,misc]
    """A subject's data key, wrapped by the master key, in a table of its own so that erasure
    can destroy it physically: the row is deleted and the table, small (one short row per
    subject) and read only to decrypt identifiers, is rewritten right after on PostgreSQL
    (VACUUM FULL) and checkpointed out of the WAL on SQLite (secure_delete zeroes the row).
    See domain/rights/purge.py and docs/operations.md."""

    __tablename__ = "subject_keys"

    subject_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True,
        autoincrement=False)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)


class SubjectIdentifier(db.Model):  # type: ignore[name-defined,misc]
    """One normalised identifier: AES-GCM ciphertext plus a keyed hash for lookup, and
    whether the person proved it."""

    __tablename__ = "subject_identifiers"
    __table_args__ = (
        # Unique, and covering on PostgreSQL: a check's lookup of 10,000 hashes is an
        # index-only scan, with no visit to the rows (ciphertext) for the subject id.
        Index("uq_subject_identifiers_site_lookup", "site_id", "lookup_hash", unique=True,
              postgresql_include=["subject_id"]),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(
        ForeignKey("subjects.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    lookup_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Proven by the person (a mailed link followed, an SMS code entered): when and how.
    # None: unverified (given by a form, or recorded by staff or an import).
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    verified_by: Mapped[str | None] = mapped_column(String(24), nullable=True)


class MarketingPermission(db.Model):  # type: ignore[name-defined,misc]
    """Current state of one subject x purpose x channel (`*` = every); history is in events."""

    __tablename__ = "marketing_permissions"
    __table_args__ = (
        # Unique, and covering on PostgreSQL: what a check reads is all in the index.
        Index("uq_marketing_permissions_key", "subject_id", "purpose", "channel", unique=True,
              postgresql_include=["state", "prohibited"]),
        Index("ix_marketing_permissions_site_purpose", "site_id", "purpose", "channel"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))  # none | pending | granted | withdrawn
    prohibited: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(String(64), nullable=True)
    notice_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ip_prefix: Mapped[str | None] = mapped_column(String(64), nullable=True)
    granted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    prohibited_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MarketingEvent(db.Model):  # type: ignore[name-defined,misc]
    """One change of a permission with its evidence. Append-only."""

    __tablename__ = "marketing_events"
    __table_args__ = (Index("ix_marketing_events_subject", "subject_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    change: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(80))
    source: Mapped[str | None] = mapped_column(String(64), nullable=True)
    notice_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ip_prefix: Mapped[str | None] = mapped_column(String(64), nullable=True)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MarketingGeneration(db.Model):  # type: ignore[name-defined,misc]
    """Per-site counter bumped in every permission write's transaction; keys the Redis cache."""

    __tablename__ = "marketing_generations"

    site_id: Mapped[int] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    generation: Mapped[int] = mapped_column(BigInteger, default=0)


class MarketingCheck(db.Model):  # type: ignore[name-defined,misc]
    """A sender's question "who may be contacted for P on C?" and a digest of its answers."""

    __tablename__ = "marketing_checks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    actor: Mapped[str] = mapped_column(String(80))
    purpose: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # running | complete | aborted
    total: Mapped[int] = mapped_column(Integer, default=0)
    allowed: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class CheckAnswer(db.Model):  # type: ignore[name-defined,misc]
    """One answer of a check, compactly: who (subject, keyed hash) and the outcome code.
    Append-only."""

    __tablename__ = "marketing_check_answers"
    __table_args__ = (Index("ix_marketing_check_answers_subject", "subject_id"),)

    # No foreign keys: a million-row COPY must not run a trigger per row; answers are
    # written only by CheckRun for its own check, and stay evidence if a subject row goes.
    check_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    subject_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    lookup_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32), nullable=True)
    outcome: Mapped[int] = mapped_column(SmallInteger)
