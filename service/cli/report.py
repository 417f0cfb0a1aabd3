"""`lupa report promises`: each promise of the notice checked against the log."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from service.auditor.views import standalone_report_html
from service.cli.common import fail
from service.domain import promises, sites
from service.errors import DomainError


def _aware(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO time: {value}", param_hint=name) from exc
    if parsed.tzinfo is None:
        raise click.BadParameter("needs a time zone, e.g. 2026-01-01T00:00:00Z", param_hint=name)
    return parsed


def _as_text(report: dict[str, Any]) -> str:
    tally = report["summary"]
    lines = [f"{report['site']}: {'OK' if report['ok'] else 'BROKEN'} "
             f"({tally['holds']} hold, {tally['broken']} broken, "
             f"{tally['not_applicable']} not applicable, {tally['kept_outside_lupa']} kept "
             f"outside Lupa, {tally['not_checkable']} not checkable)"]
    for p in report["promises"]:
        lines.append(f"  {p['status']:>17}  {p['key']} [{p['notice']}]: {p['summary']}")
        if p.get("sentence"):
            lines.append(f"  {'':>17}  notice: \"{p['sentence']}\"")
    return "\n".join(lines) + "\n"


@click.group("report", help="Auditor reports.")
def report_group() -> None:
    pass


@report_group.command("promises")
@click.option("--site", "slug", required=True)
@click.option("--since", default=None, help="ISO time; records made at or after it.")
@click.option("--until", default=None, help="ISO time; records made before it.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default="-")
@with_appcontext
def report_promises(slug: str, since: str | None, until: str | None, fmt: str,
                    output: str) -> None:
    """Check each promise of the notice; exit 1 if any is broken."""
    try:
        report = promises.promise_report(sites.get_site(slug), _aware(since, "--since"),
                                         _aware(until, "--until"))
    except DomainError as exc:
        fail(exc)
    if fmt == "json":
        text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    elif fmt == "html":
        text = standalone_report_html(report)
    else:
        text = _as_text(report)
    if output == "-":
        click.echo(text, nl=False)
    else:
        Path(output).write_text(text, "utf-8")
    sys.exit(0 if report["ok"] else 1)
