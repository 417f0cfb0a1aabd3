"""A whole scan of a site: the notice in force gives the scenarios and what is declared; the
browser visits the pages (runner.py); the record is judged (judge.py) and kept as evidence with
its audit entry (store.py), in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.domain import notices
from service.domain.scan import judge, runner, scenarios, store
from service.domain.scan.browser import CHROMIUM, Limits, Outcome
from service.domain.scan.catalog import Catalog
from service.extensions import db
from service.models import Site, SiteScan


@dataclass
class ScanResult:
    scan: SiteScan
    outcome: Outcome
    findings: list[dict[str, Any]]
    notice: dict[str, Any]

    @property
    def status(self) -> str:
        return self.scan.status


def judge_record(record: dict[str, Any], notice: dict[str, Any]) -> list[dict[str, Any]]:
    """The findings of a raw record against a notice (format 2)."""
    catalog = Catalog.of(notice, frozenset(record.get("lupa_hosts") or ()))
    return judge.judge(record, notice, catalog)


def scan_site(site: Site, urls: list[str], limits: Limits, actor: str,
              only: tuple[str, ...] = (), chromium: str = CHROMIUM,
              extra_args: tuple[str, ...] = ()) -> ScanResult:
    """Scan the pages under the notice's scenarios and record the result (the caller
    commits). Raises NotFound without a published notice, InvalidInput for bad URLs or
    scenario names, Unavailable when no browser can run; every other failure is recorded."""
    version = notices.current_version(site)
    notice = notices.as_format_2(version.data)
    planned = scenarios.scenarios_for(notice, only)
    number, content_hash = version.number, version.content_hash
    # The visits take minutes and the pages may write to this database (the widget records
    # the choices): end the read transaction (on SQLite, BEGIN IMMEDIATE holds the write lock).
    db.session.rollback()
    outcome = runner.run(urls, planned, limits, chromium, extra_args)
    outcome.record["site"] = site.slug
    outcome.record["notice"] = {"version": number, "hash": content_hash}
    findings = judge_record(outcome.record, notice)
    scan = store.record_scan(site, outcome.record, outcome.screenshots, findings,
                             number, actor)
    return ScanResult(scan, outcome, findings, notice)
