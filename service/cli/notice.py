"""`lupa notice`: publish a privacy notice version from a JSON or TOML file."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from service.cli.common import fail
from service.domain import notices, sites
from service.errors import DomainError
from service.extensions import db


def read_notice_file(path: str) -> Any:
    """The notice as data: TOML for a .toml file, JSON otherwise; a clear error if neither."""
    p = Path(path)
    raw = p.read_bytes()
    try:
        if p.suffix.lower() == ".toml":
            return tomllib.loads(raw.decode("utf-8"))
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        kind = p.suffix.lstrip(".") or "JSON"
        raise click.ClickException(f"{path}: not valid {kind}: {exc}") from exc


@click.group("notice", help="Publish privacy notices.")
def notice_group() -> None:
    pass


@notice_group.command("publish")
@click.option("--site", "slug", required=True)
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def notice_publish(slug: str, file: str) -> None:
    """Publish a notice version from a JSON or TOML file."""
    raw = read_notice_file(file)
    try:
        version, created = notices.publish_notice(sites.get_site(slug), raw, "cli")
    except DomainError as exc:
        fail(exc)
    db.session.commit()
    if created:
        click.echo(f"published {slug} notice version {version.number} "
                   f"({version.content_hash[:12]})")
    else:
        click.echo(f"unchanged: version {version.number} already has this content")
