"""API keys: one site, one role, stored hashed; who created each and when it was last used."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from service.extensions import db
from service.models.types import UTCDateTime, utcnow

ROLES = ("admin", "sender", "auditor")


class ApiKey(db.Model):  # type: ignore[name-defined,misc]
    """A bearer key; only the SHA-256 of its secret part is kept."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    key_id: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    label: Mapped[str | None] = mapped_column(String(120), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The audit actor that created it (`key:<id>`, `cli:<user>`, `system`); NULL before 0009.
    created_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    # To the minute at best: written at most once per LAST_USE_RESOLUTION (domain/sites/keys).
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
