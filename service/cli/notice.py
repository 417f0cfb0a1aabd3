"""`lupa notice`: publish, check and convert privacy notices (docs/notice-format.md)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any, NoReturn

import click
from flask.cli import with_appcontext

from service.domain import notices, sites
from service.domain.notices import toml_out
from service.errors import DomainError, InvalidInput
from service.extensions import db

LANGUAGE_CHOICE = click.Choice(["fi", "sv", "en"])


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


def fail_notice(path: str, exc: DomainError) -> NoReturn:
    """Exit 1 with one line per invalid field (1-based positions), then the summary."""
    for field, messages in (exc.errors or {}).items():
        for message in messages if isinstance(messages, list) else [messages]:
            click.echo(f"error: {path}: {field}: {message}", err=True)
    raise click.ClickException(f"{exc.detail} Nothing was published.")


def echo_warnings(path: str, data: dict[str, Any]) -> int:
    found = notices.gaps(notices.as_format_2(data))
    for gap in found:
        click.echo(f"warning: {path}: {gap}", err=True)
    return len(found)


@click.group("notice", help="Publish, check and convert privacy notices.")
def notice_group() -> None:
    pass


@notice_group.command("publish")
@click.option("--site", "slug", required=True)
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def notice_publish(slug: str, file: str) -> None:
    """Publish a notice version from a JSON or TOML file (format 1 or 2)."""
    raw = read_notice_file(file)
    try:
        version, created = notices.publish_notice(sites.get_site(slug), raw, "cli")
    except InvalidInput as exc:
        fail_notice(file, exc)
    except DomainError as exc:
        raise click.ClickException(exc.detail) from exc
    db.session.commit()
    echo_warnings(file, version.data)
    if created:
        click.echo(f"published {slug} notice version {version.number} "
                   f"({version.content_hash[:12]})")
    else:
        click.echo(f"unchanged: version {version.number} already has this content")


@notice_group.command("check")
@click.option("--site", "slug", help="Check against this site's languages.")
@click.option("--language", "languages", multiple=True, type=LANGUAGE_CHOICE,
              help="A language every text must have (repeat); default: the site's, or every "
                   "language the notice uses.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def notice_check(slug: str | None, languages: tuple[str, ...], file: str) -> None:
    """Validate a notice and list what GDPR art. 13/14 expects but it lacks.

    Exit 0 when it would publish (warnings on stderr), 1 when it has errors.
    """
    raw = read_notice_file(file)
    langs: list[str] | None = list(languages) or None
    try:
        if slug and langs is None:
            langs = list(sites.get_site(slug).languages)
        data = notices.validate_notice(raw, langs)
    except InvalidInput as exc:
        fail_notice(file, exc)
    except DomainError as exc:
        raise click.ClickException(exc.detail) from exc
    count = echo_warnings(file, data)
    click.echo(f"ok: {file} is valid ({count} warning{'' if count == 1 else 's'})")


@notice_group.command("convert")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def notice_convert(file: str) -> None:
    """Print a format-1 notice as format 2 (TOML), for `lupa notice publish`."""
    raw = read_notice_file(file)
    if not isinstance(raw, dict):
        raise click.ClickException(f"{file}: a notice must be a table.")
    if not notices.is_format_1(raw):
        raise click.ClickException(f"{file}: already format {raw.get('format')!r}.")
    try:
        notices.validate_notice(raw)
    except InvalidInput as exc:
        fail_notice(file, exc)
    click.echo(toml_out.dumps(notices.format_1_to_2(raw)), nl=False)
