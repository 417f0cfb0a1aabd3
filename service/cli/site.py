"""`lupa site`: add, list and change sites."""

from __future__ import annotations

import json
from typing import Any

import click
from flask.cli import with_appcontext

from service.cli.common import cli_actor, echo_table, fail
from service.domain import sites
from service.domain.audit.canonical import iso_utc
from service.errors import DomainError
from service.extensions import db
from service.models import Site

LANGUAGE = click.Choice(["fi", "sv", "en"])


@click.group("site", help="Manage sites.")
def site_group() -> None:
    pass


@site_group.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The site's display name.")
@click.option("--origin", "origins", multiple=True, help="Allowed origin (repeatable).")
@click.option("--language", "languages", multiple=True, type=LANGUAGE,
              help="A language of the notice (repeatable; the first is the default).")
@with_appcontext
def site_create(slug: str, name: str, origins: tuple[str, ...], languages: tuple[str, ...]) -> None:
    """Add a site."""
    try:
        site = sites.create_site(slug, name, list(origins), cli_actor(), list(languages) or None)
    except DomainError as exc:
        fail(exc)
    db.session.commit()
    click.echo(f"created site {site.slug} ({site.name}); origins: {', '.join(site.origins) or '-'}")


def site_dict(site: Site) -> dict[str, Any]:
    """A site as `GET /api/v1/sites/{site}` shows it."""
    return {"slug": site.slug, "name": site.name, "origins": list(site.origins or []),
            "languages": list(site.languages or []), "created_at": iso_utc(site.created_at)}


@site_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="A JSON array instead of a table.")
@with_appcontext
def site_list(as_json: bool) -> None:
    """Every site of this installation: slug, name, languages, origins, creation time."""
    found = [site_dict(s) for s in sites.list_sites()]
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo("no sites yet; add one with `lupa site create`", err=True)
        return
    echo_table(["SLUG", "NAME", "LANGUAGES", "CREATED", "ORIGINS"],
               [[s["slug"], s["name"], ",".join(s["languages"]), s["created_at"][:19] + "Z",
                 " ".join(s["origins"]) or "-"] for s in found])


@site_group.command("update")
@click.argument("slug")
@click.option("--name", help="A new display name.")
@click.option("--origin", "--origins", "origins", multiple=True,
              help="Allowed origin (repeatable): replaces the whole list.")
@click.option("--add-origin", "add_origins", multiple=True,
              help="Allow this origin too (repeatable).")
@click.option("--remove-origin", "remove_origins", multiple=True,
              help="Allow this origin no more (repeatable; it must be one of the site's).")
@click.option("--language", "languages", multiple=True, type=LANGUAGE,
              help="The notice's languages (repeatable, replaces them; the first is the "
                   "default). A language is added only if the current notice has its texts.")
@with_appcontext
def site_update(slug: str, name: str | None, origins: tuple[str, ...],
                add_origins: tuple[str, ...], remove_origins: tuple[str, ...],
                languages: tuple[str, ...]) -> None:
    """Change a site's name, origins or languages (audited; takes effect at once)."""
    change = sites.SiteChange(name=name, origins=list(origins) if origins else None,
                              add_origins=add_origins, remove_origins=remove_origins,
                              languages=list(languages) if languages else None)
    if change == sites.SiteChange():
        raise click.UsageError("Nothing to change: give --name, --origin, --add-origin, "
                               "--remove-origin or --language.")
    try:
        site = sites.get_site(slug)
        changed = sites.update_site(site, change, cli_actor())
    except DomainError as exc:
        fail(exc)
    db.session.commit()
    if not changed:
        click.echo(f"site {slug} unchanged")
        return
    parts = []
    if "name" in changed:
        parts.append(f"name {changed['name']!r}")
    parts += [f"+{o}" for o in changed.get("origins_added", [])]
    parts += [f"-{o}" for o in changed.get("origins_removed", [])]
    if "languages" in changed:
        parts.append(f"languages {','.join(changed['languages'])}")
    click.echo(f"updated site {slug}: {'; '.join(parts)}")
    click.echo(f"origins: {' '.join(site.origins) or '-'}")
