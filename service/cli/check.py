"""`lupa check` and `lupa import-optouts`: the sender's command line, with progress bars."""

from __future__ import annotations

import sys
from contextlib import closing
from typing import Any

import click
from flask.cli import with_appcontext

from service import formats
from service.cli.common import fail_inline, output_stream
from service.domain import marketing, sites
from service.domain.checks import pipeline as checks
from service.domain.marketing import optouts, permission_cache
from service.errors import DomainError
from service.extensions import db
from service.formats.answers import KIND as ANSWERS
from service.formats.recipients import csv_recipients

ID_TYPES = ["auto", "email", "phone", "customer_number"]
COMMIT_EVERY = 500


def _count_rows(path: str) -> int:
    with open(path, "rb") as fh:
        return sum(1 for _ in fh)


class _Progress:
    """A binary file that moves a progress bar by the lines read from it."""

    def __init__(self, fh: Any, bar: Any) -> None:
        self._fh, self._bar = fh, bar

    def read(self, n: int) -> bytes:
        data: bytes = self._fh.read(n)
        self._bar.update(data.count(b"\n"))
        return data


def _write_answers(run: checks.CheckRun, file: str, total: int, out: Any) -> None:
    """Feed the file's recipients to the run in batches; one CSV row out per recipient,
    read and written by the same formats as the API's (service.formats)."""
    writer = formats.writer(ANSWERS, "csv")
    out.write(writer.head.decode())
    with open(file, "rb") as fh, click.progressbar(
        length=total, label="checking", file=sys.stderr
    ) as bar:
        recipients = csv_recipients(_Progress(fh, bar))
        with closing(run.run_batches(checks.batched(recipients))) as batches:
            for answered in batches:
                out.write(writer.rows(answered).decode())


@click.command("check")
@click.option("--site", "slug", required=True)
@click.option("--purpose", required=True)
@click.option("--channel", required=True)
@click.option("--id-type", default="auto", show_default=True, type=click.Choice(ID_TYPES))
@click.option("--output", "-o", default="-", type=click.Path(dir_okay=False, writable=True),
              help="Where the answers go (CSV: recipient,may_contact,reason,basis); "
                   "default stdout.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def check_command(slug: str, purpose: str, channel: str, id_type: str, output: str,
                  file: str) -> None:
    """Check a CSV of recipients (first column) before a send; allowed/denied CSV out."""
    total = _count_rows(file)
    try:
        run = checks.CheckRun(sites.get_site(slug), purpose, channel, id_type, "cli",
                              expected=total)
    except DomainError as exc:
        fail_inline(exc)
    db.session.commit()
    with output_stream(output, newline="") as out:
        status = "aborted"
        try:
            _write_answers(run, file, total, out)
            status = "complete"
        finally:
            summary = run.finish(status)
            db.session.commit()
    counts = ", ".join(f"{k} {v}" for k, v in summary["counts"].items())
    click.echo(f"check {summary['check_id']}: {summary['total']} recipients, "
               f"{summary['allowed']} may be contacted ({counts}); digest {summary['digest']}",
               err=True)


@click.command("import-optouts")
@click.option("--site", "slug", required=True)
@click.option("--channel", default="email", show_default=True)
@click.option("--purpose", default="*", show_default=True, help="`*` = every purpose.")
@click.option("--state", default="withdrawn", show_default=True,
              type=click.Choice(["withdrawn", "prohibited"]))
@click.option("--id-type", default="auto", show_default=True, type=click.Choice(ID_TYPES))
@click.option("--source", default="optout-import", show_default=True)
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows, skip the rest.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_optouts_command(slug: str, channel: str, purpose: str, state: str, id_type: str,
                           source: str, skip_invalid: bool, file: str) -> None:
    """Import opt-outs from a CSV (e.g. an email service's unsubscribe export)."""
    try:
        site = sites.get_site(slug)
        optouts.validate_target(site, purpose, channel, state)
    except DomainError as exc:
        fail_inline(exc)
    if not marketing.SOURCE_RE.match(source):
        raise click.BadParameter("1-64 lowercase letters, digits or _.:-", param_hint="--source")
    with open(file, newline="", encoding="utf-8-sig") as fh:
        parsed = optouts.parse(optouts.csv_identifiers(fh), optouts.kind_for(id_type, channel))
    bad = [p for p in parsed if isinstance(p, int)]
    if bad and not skip_invalid:
        raise click.ClickException(
            f"{len(bad)} rows are not valid identifiers (data lines "
            f"{', '.join(map(str, bad[:20]))}{' ...' if len(bad) > 20 else ''}); nothing "
            "imported. Fix them or use --skip-invalid.")
    result = optouts.ImportResult(invalid=len(bad))
    site_id = site.id
    with click.progressbar(parsed, label="importing", file=sys.stderr) as bar:
        for n, item in enumerate(bar, start=1):
            if isinstance(item, int):
                continue
            _, kind, value = item
            result.rows += 1
            optouts.apply_one(site, kind, value, purpose, channel, state, source, "cli",
                              result)
            if n % COMMIT_EVERY == 0:
                db.session.commit()
                permission_cache.after_commit(site_id)
    db.session.commit()
    permission_cache.after_commit(site_id)
    click.echo(f"imported {result.rows} opt-outs: {result.changed} changed, "
               f"{result.created_subjects} new subjects, {result.invalid} invalid rows skipped",
               err=True)
