"""`lupa key`: create, list and revoke a site's API keys."""

from __future__ import annotations

import json
from typing import Any

import click
from flask.cli import with_appcontext

from service.cli.common import cli_actor, echo_table, fail
from service.domain import sites
from service.domain.audit.canonical import iso_utc
from service.domain.sites import keys
from service.errors import DomainError
from service.extensions import db
from service.models import ApiKey


@click.group("key", help="Manage API keys.")
def key_group() -> None:
    pass


@key_group.command("create")
@click.option("--site", "slug", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "sender", "auditor"]))
@click.option("--label", default=None, help="What or who the key is for (up to 120 characters).")
@with_appcontext
def key_create(slug: str, role: str, label: str | None) -> None:
    """Print a new API key as the last line of stdout (shown once, stored hashed)."""
    if label is not None and len(label) > 120:
        raise click.BadParameter("at most 120 characters", param_hint="--label")
    try:
        site = sites.get_site(slug)
        key, plaintext = keys.create_key(site, role, cli_actor(), label)
    except DomainError as exc:
        fail(exc)
    db.session.commit()
    click.echo(f"# {role} key {key.key_id} for site {slug}; store it now, it is not shown again",
               err=True)
    click.echo(plaintext)


def key_dict(key: ApiKey) -> dict[str, Any]:
    """A key as `GET /api/v1/sites/{site}/keys` lists it: never its secret."""
    def when(value: Any) -> str | None:
        return iso_utc(value) if value is not None else None

    return {"key_id": key.key_id, "role": key.role, "label": key.label,
            "created_at": when(key.created_at), "created_by": key.created_by,
            "last_used_at": when(key.last_used_at), "revoked_at": when(key.revoked_at)}


@key_group.command("list")
@click.option("--site", "slug", required=True)
@click.option("--json", "as_json", is_flag=True, help="A JSON array instead of a table.")
@with_appcontext
def key_list(slug: str, as_json: bool) -> None:
    """The site's keys, revoked ones too: id, role, label, created (when, by whom), last use
    (to the minute) and revocation. Secrets are never stored, so never shown."""
    try:
        found = [key_dict(k) for k in keys.list_keys(sites.get_site(slug))]
    except DomainError as exc:
        fail(exc)
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return

    def minute(value: str | None) -> str:
        return value[:16].replace("T", " ") if value else "-"

    echo_table(["ID", "ROLE", "CREATED", "CREATED BY", "LAST USED", "REVOKED", "LABEL"],
               [[k["key_id"], k["role"], minute(k["created_at"]), k["created_by"] or "-",
                 minute(k["last_used_at"]) if k["last_used_at"] else "never",
                 minute(k["revoked_at"]), k["label"] or "-"] for k in found])


@key_group.command("revoke")
@click.option("--site", "slug", required=True)
@click.argument("key_id")
@with_appcontext
def key_revoke(slug: str, key_id: str) -> None:
    """Revoke a key by its id (from `lupa key list`)."""
    try:
        site = sites.get_site(slug)
        known = keys.key_of_site(site, key_id)
        revoked_before = known.revoked_at if known is not None else None
        keys.revoke_key(site, key_id, cli_actor())
    except DomainError as exc:
        fail(exc)
    db.session.commit()
    if revoked_before is not None:
        click.echo(f"key {key_id} was already revoked ({iso_utc(revoked_before)}); unchanged")
    else:
        click.echo(f"revoked {key_id}")
