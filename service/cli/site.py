"""`lupa site`: add sites."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from service.cli.common import fail
from service.domain import sites
from service.errors import DomainError
from service.extensions import db


@click.group("site", help="Manage sites.")
def site_group() -> None:
    pass


@site_group.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The site's display name.")
@click.option("--origin", "origins", multiple=True, help="Allowed origin (repeatable).")
@click.option("--language", "languages", multiple=True, type=click.Choice(["fi", "sv", "en"]))
@with_appcontext
def site_create(slug: str, name: str, origins: tuple[str, ...], languages: tuple[str, ...]) -> None:
    """Add a site."""
    try:
        site = sites.create_site(slug, name, list(origins), "cli", list(languages) or None)
    except DomainError as exc:
        fail(exc)
    db.session.commit()
    click.echo(f"created site {site.slug} ({site.name}); origins: {', '.join(site.origins) or '-'}")
