"""Site scans (`lupa scan`): what a headless browser observed on the live site, judged against
the notice, with its screenshots. Each scan's digests are in the audit chain (`scan.recorded`);
the raw record and the screenshots are kept here (the database, not files: every app instance
serves the auditor pages, and backups take them with the chain) until the scan retention
(LUPA_SCAN_RETENTION_DAYS) empties them, which keeps the status, the findings and the digests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.extensions import db
from service.models.types import BigId, UTCDateTime


class SiteScan(db.Model):  # type: ignore[name-defined,misc]
    """One scan of a site. Written once, at the end of the scan; retention only empties
    `record` (and deletes the screenshots), setting `purged_at`."""

    __tablename__ = "site_scans"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))  # clean, findings, broken, failed
    notice_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pages: Mapped[int] = mapped_column(Integer)
    counts: Mapped[dict[str, int]] = mapped_column(JSON)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    record: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    record_sha256: Mapped[str] = mapped_column(String(64))
    audit_seq: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(80))
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ScanScreenshot(db.Model):  # type: ignore[name-defined,misc]
    """A screenshot of a scan's visit (PNG), named by its SHA-256 (what the record and the
    audit entry name)."""

    __tablename__ = "scan_screenshots"
    __table_args__ = (UniqueConstraint("scan_id", "sha256", name="uq_scan_screenshots_scan_sha"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("site_scans.id", ondelete="CASCADE"),
                                         index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    png: Mapped[bytes] = mapped_column(LargeBinary)
