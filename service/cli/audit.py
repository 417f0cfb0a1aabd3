"""`lupa audit`: verify the chain (in the database or an export offline), export it, sign a
checkpoint."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from service import formats
from service.cli.common import current_app_context, fail, output_stream
from service.domain import audit, sites
from service.domain.audit import export
from service.domain.audit.export import ExportFormatError, parse_checkpoint_file, verify_export
from service.errors import DomainError
from service.extensions import db
from service.formats.entries import KIND as ENTRIES
from service.formats.entries import one_by_one


@click.group("audit", help="Verify and export the audit log.")
def audit_group() -> None:
    pass


def _print_result(result: Any, as_json: bool = False) -> None:
    d = result.as_dict()
    if as_json:
        click.echo(json.dumps(d, ensure_ascii=False))
        return
    status = "BROKEN" if not d["ok"] else "INTACT" if d["anchored"] else "INTACT, UNANCHORED"
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
@click.option("--allow-unanchored", is_flag=True,
              help="Exit 0 for an intact chain even when no checkpoint signed by a trusted "
                   "key (or kept outside) matched it: a consistent rewrite would pass too.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def audit_verify(ctx: click.Context, slug: str | None, file: str | None,
                 checkpoint_files: tuple[str, ...], public_keys: tuple[str, ...],
                 allow_unanchored: bool, as_json: bool) -> None:
    """Verify the chain and checkpoints; exit 0 only if intact and anchored (at least one
    checkpoint signed by a trusted key, or kept outside, matched), unless --allow-unanchored."""
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
            with current_app_context(ctx):
                try:
                    result = audit.verify_site(sites.get_site(slug), external)
                except DomainError as exc:
                    fail(exc)
        else:
            raise click.UsageError("give --site SLUG or --file EXPORT")
    except (ExportFormatError, UnicodeDecodeError) as exc:
        raise click.ClickException(str(exc)) from exc
    _print_result(result, as_json)
    sys.exit(0 if result.ok and (result.anchored or allow_unanchored) else 1)


def _since(since: str | None) -> datetime | None:
    if not since:
        return None
    try:
        since_dt = datetime.fromisoformat(since.replace("Z", "+00:00"))
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO time: {since}") from exc
    if since_dt.tzinfo is None:
        raise click.BadParameter("--since needs a time zone, e.g. 2026-01-01T00:00:00Z")
    return since_dt


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
    try:
        site = sites.get_site(slug)
    except DomainError as exc:
        fail(exc)
    since_dt = _since(since)
    with output_stream(output) as out:
        if fmt == "bundle":
            if since_dt:
                raise click.UsageError("--since cannot be used with the bundle format")
            n = export.write_jsonl(export.export_lines(site), out)
        elif fmt == "jsonl":
            n = export.write_jsonl(audit.iter_entries(site, since=since_dt), out)
        else:
            writer = formats.writer(ENTRIES, "csv")
            out.write(writer.head.decode())
            n = 1  # the header row
            for batch in one_by_one(audit.iter_entries(site, since=since_dt)):
                out.write(writer.rows(batch).decode())
                n += 1
    click.echo(f"exported {n} lines", err=True)


@audit_group.command("checkpoint")
@click.option("--site", "slug", required=True)
@with_appcontext
def audit_checkpoint(slug: str) -> None:
    """Sign the current head now and print the checkpoint as JSON."""
    site = sites.get_site(slug)
    cp = audit.checkpoint_now(site)
    if cp is None:
        raise click.ClickException("the chain is empty")
    db.session.commit()
    click.echo(json.dumps(audit.checkpoint_dict(site, cp)))
