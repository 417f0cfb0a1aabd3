"""The `lupa` command line: sites, keys, notices, demo and serve (the auditor's commands are in
cli_audit.py, the sender's in cli_marketing.py)."""

from __future__ import annotations

import json
import os
import sys
import tomllib
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from service.errors import DomainError

DEMO_DIR = Path(__file__).parent / "demo"


def _fail(exc: DomainError) -> None:
    msg = exc.detail
    if exc.errors:
        msg += "\n" + json.dumps(exc.errors, indent=2, ensure_ascii=False)
    raise click.ClickException(msg)


def read_notice_file(path: str) -> Any:
    p = Path(path)
    raw = p.read_bytes()
    try:
        if p.suffix.lower() == ".toml":
            return tomllib.loads(raw.decode("utf-8"))
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        kind = p.suffix.lstrip(".") or "JSON"
        raise click.ClickException(f"{path}: not valid {kind}: {exc}") from exc


# --- site -----------------------------------------------------------------------------------
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
    from service.domain import sites
    from service.extensions import db

    try:
        site = sites.create_site(slug, name, list(origins), "cli", list(languages) or None)
    except DomainError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"created site {site.slug} ({site.name}); origins: {', '.join(site.origins) or '-'}")


# --- key ------------------------------------------------------------------------------------
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
    from service.domain import sites
    from service.domain.sites import keys
    from service.extensions import db

    try:
        site = sites.get_site(slug)
        key, plaintext = keys.create_key(site, role, "cli", label)
    except DomainError as exc:
        _fail(exc)
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
    from service.domain import sites
    from service.domain.sites import keys
    from service.extensions import db

    try:
        keys.revoke_key(sites.get_site(slug), key_id, "cli")
    except DomainError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"revoked {key_id}")


# --- notice ---------------------------------------------------------------------------------
@click.group("notice", help="Publish privacy notices.")
def notice_group() -> None:
    pass


@notice_group.command("publish")
@click.option("--site", "slug", required=True)
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def notice_publish(slug: str, file: str) -> None:
    """Publish a notice version from a JSON or TOML file."""
    from service.domain import notices, sites
    from service.extensions import db

    raw = read_notice_file(file)
    try:
        version, created = notices.publish_notice(sites.get_site(slug), raw, "cli")
    except DomainError as exc:
        _fail(exc)
    db.session.commit()
    if created:
        click.echo(f"published {slug} notice version {version.number} "
                   f"({version.content_hash[:12]})")
    else:
        click.echo(f"unchanged: version {version.number} already has this content")


# --- audit ----------------------------------------------------------------------------------
def ensure_demo_site(port: int | None = None) -> dict[str, str]:
    """Create the demo site, its notice and keys if missing; return the demo keys."""
    from service.domain import notices, sites
    from service.domain.sites import keys
    from service.errors import NotFound
    from service.extensions import db

    keys_file = Path(current_app.instance_path) / "demo-keys.json"
    origins = ["http://localhost:8000", "http://127.0.0.1:8000"]
    if port:
        origins += [f"http://localhost:{port}", f"http://127.0.0.1:{port}"]
    try:
        site = sites.get_site("demo")
    except NotFound:
        site = sites.create_site("demo", "Siivouspalvelu Kirkas Oy (demo)", origins, "system")
    notices.publish_notice(site, tomllib.loads((DEMO_DIR / "notice.toml").read_text("utf-8")),
                           "system")
    demo_keys: dict[str, str] = {}
    if keys_file.exists():
        demo_keys = json.loads(keys_file.read_text())
    for role in ("admin", "sender", "auditor"):
        if role not in demo_keys:
            _, demo_keys[role] = keys.create_key(site, role, "system", "demo")
    db.session.commit()
    keys_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(keys_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(demo_keys, fh)
    return demo_keys


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@with_appcontext
def demo_command(host: str, port: int) -> None:
    """Migrate, create the demo site with its notice, and serve it with a demo page at /demo."""
    from flask_migrate import upgrade

    click.echo("applying migrations ...", err=True)
    upgrade(directory=current_app.extensions["migrate"].directory)
    demo_keys = ensure_demo_site(port)
    base = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}"
    click.echo(f"\nLupa demo at {base}/demo  (notice: {base}/sites/demo/notice)")
    click.echo(f"OpenAPI: {base}/api/v1/openapi.json")
    for role, key in demo_keys.items():
        click.echo(f"  {role:8} key: {key}")
    click.echo("")
    import logging

    from werkzeug.serving import run_simple

    # werkzeug's own access log prints client IP addresses; the JSON access log does not.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    # The Flask CLI refuses app.run(); the demo is a single-process embedded server on purpose.
    run_simple(host, port, current_app._get_current_object(), threaded=True)  # type: ignore[attr-defined]


@click.command("serve")
@click.option("--bind", default="0.0.0.0:8000", show_default=True)
@click.option("--workers", default=None, type=int, help="Default: 2 x CPU cores + 1.")
def serve_command(bind: str, workers: int | None) -> None:
    """Run under gunicorn with the configured database and Redis."""
    conf = Path(__file__).parent / "gunicorn_conf.py"
    args = [sys.executable, "-m", "gunicorn", "-c", str(conf), "--bind", bind]
    if workers:
        args += ["--workers", str(workers)]
    args.append("service.wsgi:app")
    os.execvp(args[0], args)


def init_app(app: Flask) -> None:
    from service.cli_audit import COMMANDS as AUDIT_COMMANDS
    from service.cli_marketing import COMMANDS as MARKETING_COMMANDS

    for cmd in (site_group, key_group, notice_group, demo_command, serve_command,
                *AUDIT_COMMANDS, *MARKETING_COMMANDS):
        app.cli.add_command(cmd)


def main() -> None:
    """Console script entry point."""
    from service.app import create_app

    group = FlaskGroup(create_app=lambda: create_app(), add_default_commands=False,
                       help="Lupa consent service.")
    group.main(prog_name="lupa")
