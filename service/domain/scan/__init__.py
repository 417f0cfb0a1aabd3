"""Site scans (`lupa scan`, docs/scan.md): a headless Chromium visits the live site under the
notice's scenarios (no interaction, Reject all, Accept all, each category alone, GPC), records
the cookies, storage keys, third-party hosts, banner and screenshots it observed, judges them
against the notice's declared cookies and vendors and Lupa's vendor table, and keeps the
result as evidence (its digests in the audit chain). Playwright (the extra `lupa[scan]`) is
imported only when a scan runs. Also drafts a notice's cookie section from a scan."""

from service.domain.scan.browser import CHROMIUM, Limits, Outcome
from service.domain.scan.judge import BROKEN, CLEAN, FAILED, FINDINGS, STALE, UNDECLARED
from service.domain.scan.scanning import ScanResult, judge_record, scan_site
from service.domain.scan.store import (
    RETENTION_DAYS,
    get_scan,
    latest_scan,
    list_scans,
    purge,
    record_digest,
    screenshot,
)

__all__ = [
    "CHROMIUM", "Limits", "Outcome", "ScanResult", "judge_record", "scan_site",
    "BROKEN", "CLEAN", "FAILED", "FINDINGS", "STALE", "UNDECLARED",
    "RETENTION_DAYS", "get_scan", "latest_scan", "list_scans", "purge", "record_digest",
    "screenshot",
]
