"""`lupa demo`: the embedded demo (SQLite, no Redis, one process) with its site, notice and
keys."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from werkzeug.serving import run_simple

from service.cli.encryption import rewrap_all
from service.cli.notice import fail_notice, read_notice_file
from service.domain import notices, sites
from service.domain.marketing import crypto, keyring
from service.domain.sites import keys
from service.errors import InvalidInput, NotFound
from service.extensions import db

DEMO_DIR = Path(__file__).parent.parent / "demo"


def load_demo_notice(path: str | Path | None = None) -> dict[str, Any]:
    """The demo's notice: the shipped one, or the file given (`lupa demo --notice FILE`)."""
    raw = read_notice_file(str(path or DEMO_DIR / "notice.toml"))
    if not isinstance(raw, dict):
        raise click.ClickException(f"{path}: a notice must be a table.")
    return raw


def ensure_demo_site(port: int | None = None,
                     notice: dict[str, Any] | None = None) -> dict[str, str]:
    """Create the demo site, publish its notice and create keys if missing; return the keys.

    `notice`: another notice for the demo site (default: service/demo/notice.toml). The site's
    languages become the notice's (a Finnish-only notice makes a Finnish-only demo site).
    """
    raw = notice if notice is not None else load_demo_notice()
    keys_file = Path(current_app.instance_path) / "demo-keys.json"
    origins = ["http://localhost:8000", "http://127.0.0.1:8000"]
    if port:
        origins += [f"http://localhost:{port}", f"http://127.0.0.1:{port}"]
    languages = list(notices.languages_in(raw))
    try:
        site = sites.get_site("demo")
        sites.set_languages(site, languages, "system")
    except NotFound:
        name = str((raw.get("controller") or {}).get("name") or "Siivouspalvelu Kirkas Oy")
        site = sites.create_site("demo", f"{name[:190]} (demo)", origins, "system", languages)
    notices.publish_notice(site, raw, "system")
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


def migrate_legacy_keys() -> None:
    """An instance from before LUPA_ENCRYPTION_KEY was independent: its subject keys are
    wrapped by a key derived from the secret key; re-wrap them under the instance's own
    encryption key (audited), so that no identifier is lost."""
    if keyring.stored_keys_problem() is None:
        return
    old = crypto.legacy_master(str(current_app.config["SECRET_KEY"]))
    done, _ = rewrap_all(old, "system", lambda line: click.echo(line, err=True))
    click.echo(f"re-wrapped {done} subject keys under the instance's encryption key", err=True)


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--notice", "notice_file", type=click.Path(exists=True, dir_okay=False),
              help="Serve the demo with this notice (TOML or JSON), e.g. one of "
                   "examples/notices/; the demo site takes its languages.")
@with_appcontext
def demo_command(host: str, port: int, notice_file: str | None) -> None:
    """Migrate, create the demo site with its notice, and serve it with a demo page at /demo."""
    raw = load_demo_notice(notice_file)
    click.echo("applying migrations ...", err=True)
    upgrade(directory=current_app.extensions["migrate"].directory)
    try:
        demo_keys = ensure_demo_site(port, raw)
    except InvalidInput as exc:
        db.session.rollback()
        fail_notice(notice_file or "notice.toml", exc)
    if notice_file:
        click.echo(f"notice: {notice_file} (languages: {', '.join(notices.languages_in(raw))})")
    base = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}"
    # Links in mails point at the demo itself unless LUPA_PUBLIC_URL says otherwise.
    current_app.config["LUPA_PUBLIC_URL"] = current_app.config.get("LUPA_PUBLIC_URL") or base
    migrate_legacy_keys()
    click.echo(f"\nLupa demo at {base}/demo  (notice: {base}/sites/demo/notice)")
    click.echo(f"OpenAPI: {base}/api/v1/openapi.json")
    click.echo(f"Console: {base}/console/demo (admin key) · auditor: {base}/auditor/demo "
               "(auditor key)")
    for role, key in demo_keys.items():
        click.echo(f"  {role:8} key: {key}")
    click.echo("")
    # werkzeug's own access log prints client IP addresses; the JSON access log does not.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    # Nothing of this command's own session may stay open while the server runs: on SQLite
    # an open transaction here would lock every request out.
    db.session.remove()
    # The Flask CLI refuses app.run(); the demo is a single-process embedded server on purpose.
    run_simple(host, port, current_app._get_current_object(), threaded=True)  # type: ignore[attr-defined]
