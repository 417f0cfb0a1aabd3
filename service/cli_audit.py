"""`lupa audit`, `lupa report` and `lupa retention`: the auditor's and operator's evidence."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import with_appcontext

from service.cli import _fail
from service.errors import DomainError


@click.group("audit", help="Verify and export the audit log.")
def audit_group() -> None:
    pass


def _print_result(result: Any, as_json: bool = False) -> None:
    d = result.as_dict()
    if as_json:
        click.echo(json.dumps(d, ensure_ascii=False))
        return
    status = "INTACT" if d["ok"] else "BROKEN"
    click.echo(f"{d['site']}: {status}: {d['entries']} entries, last seq {d['last_seq']}, "
               f"{d['checkpoints_checked']} checkpoints matched")
    for p in d["problems"]:
        click.echo(f"  seq {p['seq']}: {p['kind']}: {p['detail']}")
    if d["problem_count"] > len(d["problems"]):
        click.echo(f"  ... and {d['problem_count'] - len(d['problems'])} more problems")
    for note in d.get("notes", []):
        click.echo(f"  note: {note}", err=True)


@audit_group.command("verify")
@click.option("--site", "slug", default=None, help="Verify the site's chain in the database.")
@click.option("--file", "file", type=click.Path(exists=True, dir_okay=False),
              help="Verify an export bundle offline (no database).")
@click.option("--checkpoint", "checkpoint_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False),
              help="Checkpoints kept outside the system (one, a list, or the body of GET "
                   ".../audit/checkpoints, whose public keys are then trusted); repeatable.")
@click.option("--public-key", "public_keys", multiple=True,
              help="Trusted Ed25519 public key (base64); overrides keys inside the file.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def audit_verify(ctx: click.Context, slug: str | None, file: str | None,
                 checkpoint_files: tuple[str, ...], public_keys: tuple[str, ...],
                 as_json: bool) -> None:
    """Verify the chain and checkpoints; exit 0 only if intact."""
    from service.domain.audit.export import ExportFormatError, parse_checkpoint_file, verify_export

    external: list[dict[str, Any]] = []
    trusted = list(public_keys)
    try:
        for cp_file in checkpoint_files:
            cps, keys = parse_checkpoint_file(Path(cp_file).read_text("utf-8"))
            external.extend(cps)
            trusted.extend(keys.values())
        if file:
            with open(file, encoding="utf-8") as fh:
                result = verify_export(
                    fh, trusted or None, external,
                    progress=lambda n: click.echo(f"  {n} entries checked", err=True),
                )
        elif slug:
            from service.domain import audit, sites

            with current_app_context(ctx):
                try:
                    result = audit.verify_site(sites.get_site(slug), external)
                except DomainError as exc:
                    _fail(exc)
        else:
            raise click.UsageError("give --site SLUG or --file EXPORT")
    except (ExportFormatError, UnicodeDecodeError) as exc:
        raise click.ClickException(str(exc)) from exc
    _print_result(result, as_json)
    sys.exit(0 if result.ok else 1)


class current_app_context:
    """Enter the app context of the CLI's app (needed where with_appcontext cannot be used)."""

    def __init__(self, ctx: click.Context) -> None:
        self.ctx = ctx
        self._cm: Any = None

    def __enter__(self) -> Flask:
        info = self.ctx.find_root().obj
        app = info.load_app()
        self._cm = app.app_context()
        self._cm.__enter__()
        return app

    def __exit__(self, *exc: Any) -> None:
        self._cm.__exit__(*exc)


@audit_group.command("export")
@click.option("--site", "slug", required=True)
@click.option("--since", default=None, help="ISO time; only entries at or after it (csv/jsonl).")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "bundle"]), default="bundle",
              show_default=True,
              help="bundle: self-contained JSONL with checkpoints and public key, verifiable "
                   "offline; jsonl/csv: entries only.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default="-")
@with_appcontext
def audit_export(slug: str, since: str | None, fmt: str, output: str) -> None:
    """Stream entries to a file or stdout."""
    from service import formats
    from service.domain import audit, sites
    from service.domain.audit import export
    from service.formats.entries import one_by_one

    try:
        site = sites.get_site(slug)
    except DomainError as exc:
        _fail(exc)
    since_dt = None
    if since:
        try:
            since_dt = datetime.fromisoformat(since.replace("Z", "+00:00"))
        except ValueError as exc:
            raise click.BadParameter(f"not an ISO time: {since}") from exc
        if since_dt.tzinfo is None:
            raise click.BadParameter("--since needs a time zone, e.g. 2026-01-01T00:00:00Z")
    out = sys.stdout if output == "-" else open(output, "w", encoding="utf-8")  # noqa: SIM115
    try:
        if fmt == "bundle":
            if since_dt:
                raise click.UsageError("--since cannot be used with the bundle format")
            n = export.write_jsonl(export.export_lines(site), out)
        elif fmt == "jsonl":
            n = export.write_jsonl(audit.iter_entries(site, since=since_dt), out)
        else:
            writer = formats.writer("audit-entries", "csv")
            out.write(writer.head.decode())
            n = 1  # the header row
            for batch in one_by_one(audit.iter_entries(site, since=since_dt)):
                out.write(writer.rows(batch).decode())
                n += 1
    finally:
        if out is not sys.stdout:
            out.close()
    click.echo(f"exported {n} lines", err=True)


@audit_group.command("checkpoint")
@click.option("--site", "slug", required=True)
@with_appcontext
def audit_checkpoint(slug: str) -> None:
    """Sign the current head now and print the checkpoint as JSON."""
    from service.domain import audit, sites
    from service.extensions import db

    site = sites.get_site(slug)
    cp = audit.checkpoint_now(site)
    if cp is None:
        raise click.ClickException("the chain is empty")
    db.session.commit()
    click.echo(json.dumps(audit.checkpoint_dict(site, cp)))


# --- report and retention -------------------------------------------------------------------
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
    from service.domain import promises, sites

    try:
        report = promises.promise_report(sites.get_site(slug), _aware(since, "--since"),
                                         _aware(until, "--until"))
    except DomainError as exc:
        _fail(exc)
    if fmt == "json":
        text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    elif fmt == "html":
        from service.auditor.views import standalone_report_html

        text = standalone_report_html(report)
    else:
        lines = [f"{report['site']}: {'OK' if report['ok'] else 'BROKEN'} "
                 f"({report['summary']['holds']} hold, {report['summary']['broken']} broken, "
                 f"{report['summary']['not_applicable']} not applicable)"]
        for p in report["promises"]:
            lines.append(f"  {p['status']:>14}  {p['key']}: {p['summary']}")
        text = "\n".join(lines) + "\n"
    if output == "-":
        click.echo(text, nl=False)
    else:
        Path(output).write_text(text, "utf-8")
    sys.exit(0 if report["ok"] else 1)


@click.group("retention", help="Enforce the notice's retention periods.")
def retention_group() -> None:
    pass


@retention_group.command("purge")
@click.option("--site", "slug", default=None, help="One site (default: every site).")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; change nothing.")
@with_appcontext
def retention_purge(slug: str | None, dry_run: bool) -> None:
    """Delete what is past retention, in audited batches."""
    from sqlalchemy import select

    from service.domain import retention, sites
    from service.domain.marketing import permission_cache
    from service.extensions import db
    from service.models import Site
    from service.models.types import utcnow

    try:
        targets = ([sites.get_site(slug)] if slug else
                   list(db.session.execute(select(Site).order_by(Site.slug)).scalars()))
    except DomainError as exc:
        _fail(exc)
    now = utcnow()
    for site in targets:
        for rule in retention.RULES:
            total = 0
            for batch in retention.purge(site, rule, now, dry_run=dry_run):
                db.session.commit()
                if rule == retention.MARKETING_EVIDENCE and not dry_run:
                    permission_cache.after_commit(site.id)
                total += batch.deleted
                verb = "would delete" if dry_run else "deleted"
                click.echo(f"{site.slug}: {rule}: {verb} {total} (older than {batch.months} "
                           f"months, before {batch.cutoff.date().isoformat()})", err=True)
            click.echo(f"{site.slug}\t{rule}\t{'would_delete' if dry_run else 'deleted'}\t{total}")
    db.session.commit()


# --- demo and serve -------------------------------------------------------------------------


COMMANDS = (audit_group, report_group, retention_group)
