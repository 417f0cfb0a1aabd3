"""Scans kept as evidence: each scan's row (status, findings, the raw record) and screenshots,
its audit entry `scan.recorded` with the digests of both (appended through domain/audit in the
caller's transaction), reading them back, and the scan retention that empties old raw records
and screenshots (keeping each site's latest scan whole)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select

from service.domain import audit
from service.domain.audit.canonical import canonical_json, iso_utc, sha256_hex
from service.domain.scan import judge
from service.errors import NotFound
from service.extensions import db
from service.models import ScanScreenshot, Site, SiteScan
from service.models.types import utcnow

RETENTION_DAYS = 180  # LUPA_SCAN_RETENTION_DAYS default


def record_digest(record: dict[str, Any]) -> str:
    """SHA-256 of the raw record's canonical JSON (what the audit entry names)."""
    return sha256_hex(canonical_json(record))


def _parse(ts: str | None) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")) if ts else utcnow()


def record_scan(site: Site, record: dict[str, Any], screenshots: dict[str, bytes],
                findings: list[dict[str, Any]], notice_version: int | None,
                actor: str) -> SiteScan:
    """Store a scan and append its audit entry, in the caller's transaction. The entry holds
    no personal data: the scan's id, status, counts, notice version, and the digests of the
    raw record and of each screenshot (the record holds only the site's URLs, cookie names,
    storage keys and host names)."""
    for digest, png in screenshots.items():
        if hashlib.sha256(png).hexdigest() != digest:
            raise ValueError("a screenshot does not match its digest")
    status = judge.status_of(record, findings)
    digest = record_digest(record)
    scan = SiteScan(site_id=site.id, started_at=_parse(record.get("started_at")),
                    finished_at=_parse(record.get("finished_at")), status=status,
                    notice_version=notice_version, pages=len(record.get("pages") or []),
                    counts=judge.counts(findings), findings=findings,
                    error=record.get("error"), record=record, record_sha256=digest,
                    audit_seq=0, actor=actor)
    db.session.add(scan)
    db.session.flush()
    for sha, png in sorted(screenshots.items()):
        db.session.add(ScanScreenshot(scan_id=scan.id, sha256=sha, png=png))
    scan.audit_seq = audit.append(site, actor, "scan.recorded", {
        "scan": scan.id, "status": status, "notice_version": notice_version,
        "pages": scan.pages, "visits": len(record.get("visits") or []),
        "scenarios": list(record.get("scenarios") or []), "counts": scan.counts,
        "error": (record.get("error") or {}).get("kind"),
        "record_sha256": digest, "screenshots": sorted(screenshots)})
    db.session.flush()
    return scan


def list_scans(site: Site, limit: int = 50) -> list[SiteScan]:
    return list(db.session.execute(
        select(SiteScan).where(SiteScan.site_id == site.id)
        .order_by(SiteScan.id.desc()).limit(limit)).scalars())


def latest_scan(site: Site) -> SiteScan | None:
    scans = list_scans(site, 1)
    return scans[0] if scans else None


def get_scan(site: Site, scan_id: int) -> SiteScan:
    scan = db.session.get(SiteScan, scan_id)
    if scan is None or scan.site_id != site.id:
        raise NotFound(f"Scan {scan_id} does not exist for this site.")
    return scan


def screenshot(site: Site, scan_id: int, sha256: str) -> bytes:
    scan = get_scan(site, scan_id)
    png = db.session.execute(select(ScanScreenshot.png).where(
        ScanScreenshot.scan_id == scan.id, ScanScreenshot.sha256 == sha256)).scalar_one_or_none()
    if png is None:
        raise NotFound("No such screenshot (or it is past the scan retention).")
    return bytes(png)


def purge(site: Site, days: int, now: datetime | None = None, dry_run: bool = False) -> int:
    """Empty the raw record and delete the screenshots of scans finished more than `days` ago,
    except the site's latest scan (the promise report's evidence); audited as
    `retention.purged` with rule `scan_records`. Returns how many scans were (or would be)
    emptied."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    latest = select(func.max(SiteScan.id)).where(SiteScan.site_id == site.id).scalar_subquery()
    ids = list(db.session.execute(select(SiteScan.id).where(
        SiteScan.site_id == site.id, SiteScan.finished_at < cutoff,
        SiteScan.purged_at.is_(None), SiteScan.id != latest).order_by(SiteScan.id)).scalars())
    if dry_run or not ids:
        return len(ids)
    db.session.execute(delete(ScanScreenshot).where(ScanScreenshot.scan_id.in_(ids)))
    stamp = now or utcnow()
    for scan in db.session.execute(select(SiteScan).where(SiteScan.id.in_(ids))).scalars():
        scan.record, scan.purged_at = None, stamp
    audit.append(site, "system", "retention.purged", {
        "rule": "scan_records", "days": days, "cutoff": iso_utc(cutoff), "deleted": len(ids),
        "first_id": ids[0], "last_id": ids[-1]})
    db.session.flush()
    return len(ids)
