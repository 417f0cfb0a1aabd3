"""Sites and their published notice versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.extensions import db
from service.models.types import UTCDateTime, utcnow


class Site(db.Model):  # type: ignore[name-defined,misc]
    """One website of one controller; the unit of tenancy."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["fi", "sv", "en"])
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class NoticeVersion(db.Model):  # type: ignore[name-defined,misc]
    """An immutable published version of a site's privacy notice. Append-only."""

    __tablename__ = "notice_versions"
    __table_args__ = (UniqueConstraint("site_id", "number", name="uq_notice_versions_site_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    categories_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_by: Mapped[str] = mapped_column(String(80))
