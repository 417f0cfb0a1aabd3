"""`lupa retention purge`: delete what is past the notice's retention periods, in audited
batches."""

from __future__ import annotations

from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from service.cli.common import fail
from service.domain import retention, scan, sites
from service.domain.marketing import permission_cache
from service.errors import DomainError
from service.extensions import db
from service.models import Site
from service.models.types import utcnow


def describe(rule: dict[str, Any]) -> str:
    """A rule in words for the operator: "120 months from collection", "as long as needed"."""
    if rule.get("as_long_as_needed"):
        return "as long as needed"
    amount = f"{rule['years']} years" if "years" in rule else f"{rule.get('months')} months"
    return f"{amount} from {rule.get('starts', 'collection')}"


@click.group("retention", help="Enforce the notice's retention periods.")
def retention_group() -> None:
    pass


@retention_group.command("purge")
@click.option("--site", "slug", default=None, help="One site (default: every site).")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; change nothing.")
@with_appcontext
def retention_purge(slug: str | None, dry_run: bool) -> None:
    """Delete what is past retention, in audited batches."""
    try:
        targets = ([sites.get_site(slug)] if slug else
                   list(db.session.execute(select(Site).order_by(Site.slug)).scalars()))
    except DomainError as exc:
        fail(exc)
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
        days = int(current_app.config.get("LUPA_SCAN_RETENTION_DAYS", scan.RETENTION_DAYS))
        emptied = scan.purge(site, days, now, dry_run=dry_run)
        click.echo(f"{site.slug}\tscan_records\t{'would_delete' if dry_run else 'deleted'}"
                   f"\t{emptied}")
        for outside in retention.rules_outside_lupa(site):
            click.echo(f"{site.slug}: {outside['key']}: kept outside Lupa ({describe(outside)}); "
                       "Lupa neither deletes nor checks it", err=True)
            click.echo(f"{site.slug}\t{outside['key']}\tkept_outside_lupa\t-")
    db.session.commit()
