"""`lupa scan --site SLUG URL...`: visit the live site in Chromium under the notice's scenarios,
judge what it sets against the notice, and keep the result as audited evidence (docs/scan.md).

Exit status: 0 clean or only undeclared/stale entries, 2 a promise broken, 3 the scan failed
(unreachable, TLS, timeout, never settled, no banner), 1 a usage error."""

from __future__ import annotations

import json
import re
import sys
import time
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from service.cli.common import fail
from service.domain import scan, sites
from service.domain.notices import toml_out
from service.domain.scan import suggest as drafting
from service.errors import DomainError
from service.extensions import db

EXIT = {scan.CLEAN: 0, scan.FINDINGS: 0, scan.BROKEN: 2, scan.FAILED: 3}
INTERVAL = re.compile(r"^(\d+)(s|m|h|d)$")
SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def interval_seconds(text: str) -> int:
    match = INTERVAL.match(text.strip())
    if not match or int(match.group(1)) == 0:
        raise click.BadParameter("use a number and s, m, h or d, e.g. 24h", param_hint="--every")
    return int(match.group(1)) * SECONDS[match.group(2)]


def describe(result: scan.ScanResult) -> str:
    s, record = result.scan, result.outcome.record
    lines = [f"scan {s.id} of {record.get('site')}: {s.status.upper()} (notice version "
             f"{s.notice_version}; {s.pages} page(s), {len(record.get('visits') or [])} "
             f"visit(s), {record.get('elapsed_ms', 0) / 1000:.1f} s; audit entry {s.audit_seq})"]
    if s.error:
        where = f" at {s.error['page']} ({s.error['scenario']})" if "page" in s.error else ""
        lines.append(f"  failed: {s.error['kind']}{where}: {s.error['detail']}")
    for f in result.findings:
        pages = ", ".join(f["pages"][:3]) + (" ..." if len(f["pages"]) > 3 else "")
        lines.append(f"  {f['severity']:<10} {f['rule']:<15} {f['kind']} {f['name']}"
                     f"{' [' + f['category'] + ']' if f.get('category') else ''}: {f['detail']}"
                     f"{' — ' + pages if pages else ''}")
    return "\n".join(lines)


def summary(result: scan.ScanResult) -> dict[str, Any]:
    s = result.scan
    return {"scan": s.id, "site": result.outcome.record.get("site"), "status": s.status,
            "notice_version": s.notice_version, "pages": s.pages, "counts": s.counts,
            "error": s.error, "findings": result.findings, "record_sha256": s.record_sha256,
            "screenshots": sorted(result.outcome.screenshots), "audit_seq": s.audit_seq}


@click.command("scan")
@click.option("--site", "slug", required=True, help="The site whose notice the scan judges by.")
@click.argument("urls", nargs=-1, required=True)
@click.option("--depth", default=0, show_default=True, type=click.IntRange(0, 5),
              help="Follow same-site links this many steps from the given pages.")
@click.option("--max-pages", default=20, show_default=True, type=click.IntRange(1, 500))
@click.option("--page-timeout", default=30.0, show_default=True, type=click.FloatRange(1, 300),
              help="Seconds for one visit (load, settle, choose, reload).")
@click.option("--timeout", "total", default=600.0, show_default=True,
              type=click.FloatRange(5, 86400), help="Seconds for the whole scan.")
@click.option("--scenario", "only", multiple=True,
              help="Only these scenarios (none, reject, accept, only:KEY, only, gpc).")
@click.option("--concurrency", default=4, show_default=True, type=click.IntRange(1, 16))
@click.option("--chromium", default=scan.CHROMIUM, show_default=True, help="The browser.")
@click.option("--chromium-arg", "chromium_args", multiple=True,
              help="An extra Chromium switch (e.g. --host-resolver-rules=...).")
@click.option("--record-choices", is_flag=True,
              help="Let the widget store the scan's choices as consent events (by default "
              "they are answered without being stored).")
@click.option("--json", "as_json", is_flag=True, help="The result as JSON on stdout.")
@click.option("--suggest", is_flag=True,
              help="Print a draft of the notice's cookie section (TOML) from what was found.")
@click.option("--every", default=None, help="Scan again at this interval (e.g. 24h) until "
              "stopped; each scan is recorded.")
@click.option("--count", default=0, type=click.IntRange(0), hidden=True,
              help="With --every: stop after this many scans (0: never).")
@with_appcontext
def scan_command(slug: str, urls: tuple[str, ...], depth: int, max_pages: int,
                 page_timeout: float, total: float, only: tuple[str, ...], concurrency: int,
                 chromium: str, chromium_args: tuple[str, ...], record_choices: bool,
                 as_json: bool, suggest: bool, every: str | None, count: int) -> None:
    """Visit the site in Chromium and judge what it sets against the notice."""
    limits = scan.Limits(max_pages=max_pages, depth=depth, page_seconds=page_timeout,
                         total_seconds=total, concurrency=concurrency,
                         record_choices=record_choices)
    wait = interval_seconds(every) if every else None
    done = 0
    while True:
        status = _scan_once(slug, list(urls), limits, only, chromium, chromium_args, as_json,
                            suggest)
        done += 1
        if wait is None or (count and done >= count):
            sys.exit(EXIT[status])
        time.sleep(wait)


def _scan_once(slug: str, urls: list[str], limits: scan.Limits, only: tuple[str, ...],
               chromium: str, chromium_args: tuple[str, ...], as_json: bool,
               suggest: bool) -> str:
    try:
        result = scan.scan_site(sites.get_site(slug), urls, limits, "cli", only, chromium,
                                chromium_args)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        fail(exc)
    out = sys.stderr if suggest else sys.stdout
    if as_json:
        print(json.dumps(summary(result), ensure_ascii=False, indent=2), file=out)
    else:
        print(describe(result), file=out)
    if suggest:
        draft, notes = drafting.draft(result.outcome.record, result.notice,
                                      sites.get_site(slug).languages)
        click.echo("\n".join(f"# {n}" for n in notes) + ("\n" if notes else "")
                   + toml_out.dumps(draft), nl=False)
    current_app.logger.info("scan %s of %s: %s", result.scan.id, slug, result.scan.status)
    return result.status
