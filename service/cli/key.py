"""`lupa key`: create and revoke a site's API keys."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from service.cli.common import fail
from service.domain import sites
from service.domain.sites import keys
from service.errors import DomainError
from service.extensions import db


@click.group("key", help="Manage API keys.")
def key_group() -> None:
    pass


@key_group.command("create")
@click.option("--site", "slug", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "sender", "auditor"]))
@click.option("--label", default=None)
@with_appcontext
def key_create(slug: str, role: str, label: str | None) -> None:
    """Print a new API key as the last line of stdout (shown once, stored hashed)."""
    try:
        site = sites.get_site(slug)
        key, plaintext = keys.create_key(site, role, "cli", label)
    except DomainError as exc:
        fail(exc)
    db.session.commit()
    click.echo(f"# {role} key {key.key_id} for site {slug}; store it now, it is not shown again",
               err=True)
    click.echo(plaintext)


@key_group.command("revoke")
@click.option("--site", "slug", required=True)
@click.argument("key_id")
@with_appcontext
def key_revoke(slug: str, key_id: str) -> None:
    """Revoke a key by its id."""
    try:
        keys.revoke_key(sites.get_site(slug), key_id, "cli")
    except DomainError as exc:
        fail(exc)
    db.session.commit()
    click.echo(f"revoked {key_id}")
