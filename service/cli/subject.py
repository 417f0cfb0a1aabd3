"""`lupa subject ...`: customers' relationships, one at a time or imported from a CSV; the
physical purge of what erasures deleted."""

from __future__ import annotations

import csv
import sys
from datetime import date

import click
from flask.cli import with_appcontext

from service.cli.common import fail
from service.domain import rights, sites
from service.domain.marketing import permission_cache, relationships, subjects
from service.errors import DomainError
from service.extensions import db

COMMIT_EVERY = 500


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter("a day as YYYY-MM-DD") from exc


@click.group("subject")
def subject_group() -> None:
    """Subjects (customers): their customer relationships."""


@subject_group.command("relationship")
@click.option("--site", "slug", required=True)
@click.option("--customer-number", help="Find (or create) the subject by customer number.")
@click.option("--id", "subject_id", help="The subject's id (subject:<uuid> or the uuid).")
@click.option("--start", help="First day as a customer (YYYY-MM-DD).")
@click.option("--end", help="First day no longer a customer (YYYY-MM-DD); none: open.")
@click.option("--none", "clear", is_flag=True, help="Not a customer (clears both days).")
@click.option("--source", default="cli", show_default=True)
@with_appcontext
def relationship_command(slug: str, customer_number: str | None, subject_id: str | None,
                         start: str | None, end: str | None, clear: bool, source: str) -> None:
    """Set one subject's customer relationship (soft opt-in purposes need it)."""
    if (customer_number is None) == (subject_id is None):
        raise click.UsageError("Give --customer-number or --id.")
    if clear == (start is not None):
        raise click.UsageError("Give --start (and maybe --end), or --none.")
    try:
        site = sites.get_site(slug)
        if subject_id is not None:
            subject = subjects.get_subject(site, subject_id.removeprefix("subject:"))
        else:
            numbers = subjects.normalise_all({"customer_number": customer_number})
            subject, _ = subjects.find_or_create(site, numbers, "cli")
        changed = relationships.set_relationship(site, subject, _day(start), _day(end),
                                                 "cli", source)
    except DomainError as exc:
        fail(exc)
    db.session.commit()
    permission_cache.after_commit(site.id)
    view = relationships.of(subject).as_dict()
    click.echo(f"{subjects.pseudonym(subject)}: relationship {view['start'] or '-'} .. "
               f"{view['end'] or 'open'}, {'active' if view['active'] else 'not active'} today"
               f"{'' if changed else ' (unchanged)'}")


@subject_group.command("import-customers")
@click.option("--site", "slug", required=True)
@click.option("--source", default="customer-import", show_default=True)
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows, skip the rest.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_customers_command(slug: str, source: str, skip_invalid: bool, file: str) -> None:
    """Import customer relationships from a CSV: customer number, start, end (YYYY-MM-DD;
    an empty end: open). Unknown customer numbers become subjects."""
    try:
        site = sites.get_site(slug)
        relationships.validate(None, None, source)
    except DomainError as exc:
        fail(exc)
    with open(file, newline="", encoding="utf-8-sig") as fh:
        valid, errors = relationships.parse_customers(list(csv.reader(fh)))
    if errors and not skip_invalid:
        shown = "; ".join(f"line {n}: {why}" for n, why in list(errors.items())[:20])
        raise click.ClickException(f"{len(errors)} rows are not valid ({shown}"
                                   f"{' ...' if len(errors) > 20 else ''}); nothing imported. "
                                   "Fix them or use --skip-invalid.")
    created = changed = 0
    site_id = site.id
    with click.progressbar(valid, label="importing", file=sys.stderr) as bar:
        for n, (number, start, end) in enumerate(bar, start=1):
            new, moved = relationships.import_customer(site, number, start, end, "cli", source)
            created, changed = created + new, changed + moved
            if n % COMMIT_EVERY == 0:
                db.session.commit()
                permission_cache.after_commit(site_id)
    db.session.commit()
    permission_cache.after_commit(site_id)
    click.echo(f"imported {len(valid)} customers: {changed} relationships changed, {created} "
               f"new subjects, {len(errors)} invalid rows skipped", err=True)


@subject_group.command("purge-erased")
@with_appcontext
def purge_erased_command() -> None:
    """Remove what erasures deleted from the database files (each erasure does this itself;
    run it when one said `storage_purged: false`). Exit 1 if it could not finish."""
    result = rights.purge_storage()
    if not result.purged:
        raise click.ClickException(f"not purged ({result.method}): {result.problem}")
    click.echo(f"purged ({result.method})")
