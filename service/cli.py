"""The `lupa` command line: sites, keys, notices, audit, demo and serve."""

from __future__ import annotations

import json
import os
import sys
import tomllib
from datetime import datetime
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
    from service.domain import keys, sites
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
    from service.domain import keys, sites
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
@click.group("audit", help="Verify and export the audit log.")
def audit_group() -> None:
    pass


def _print_result(result: Any, as_json: bool = False) -> None:
    d = result.as_dict()
    if as_json:
        click.echo(json.dumps(d, ensure_ascii=False))
        return
    status = "INTACT" if d["ok"] else "BROKEN"
    click.echo(f"{d['site']}: {status}: {d['entries']} entries, last seq {d['last_seq']}, "
               f"{d['checkpoints_checked']} checkpoints matched")
    for p in d["problems"]:
        click.echo(f"  seq {p['seq']}: {p['kind']}: {p['detail']}")
    if d["problem_count"] > len(d["problems"]):
        click.echo(f"  ... and {d['problem_count'] - len(d['problems'])} more problems")
    for note in d.get("notes", []):
        click.echo(f"  note: {note}", err=True)


@audit_group.command("verify")
@click.option("--site", "slug", default=None, help="Verify the site's chain in the database.")
@click.option("--file", "file", type=click.Path(exists=True, dir_okay=False),
              help="Verify an export bundle offline (no database).")
@click.option("--checkpoint", "checkpoint_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False),
              help="Checkpoints kept outside the system (one, a list, or the body of GET "
                   ".../audit/checkpoints, whose public keys are then trusted); repeatable.")
@click.option("--public-key", "public_keys", multiple=True,
              help="Trusted Ed25519 public key (base64); overrides keys inside the file.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def audit_verify(ctx: click.Context, slug: str | None, file: str | None,
                 checkpoint_files: tuple[str, ...], public_keys: tuple[str, ...],
                 as_json: bool) -> None:
    """Verify the chain and checkpoints; exit 0 only if intact."""
    from service.domain.export import ExportFormatError, parse_checkpoint_file, verify_export

    external: list[dict[str, Any]] = []
    trusted = list(public_keys)
    try:
        for cp_file in checkpoint_files:
            cps, keys = parse_checkpoint_file(Path(cp_file).read_text("utf-8"))
            external.extend(cps)
            trusted.extend(keys.values())
        if file:
            with open(file, encoding="utf-8") as fh:
                result = verify_export(
                    fh, trusted or None, external,
                    progress=lambda n: click.echo(f"  {n} entries checked", err=True),
                )
        elif slug:
            from service.domain import audit, sites

            with current_app_context(ctx):
                try:
                    result = audit.verify_site(sites.get_site(slug), external)
                except DomainError as exc:
                    _fail(exc)
        else:
            raise click.UsageError("give --site SLUG or --file EXPORT")
    except (ExportFormatError, UnicodeDecodeError) as exc:
        raise click.ClickException(str(exc)) from exc
    _print_result(result, as_json)
    sys.exit(0 if result.ok else 1)


class current_app_context:
    """Enter the app context of the CLI's app (needed where with_appcontext cannot be used)."""

    def __init__(self, ctx: click.Context) -> None:
        self.ctx = ctx
        self._cm: Any = None

    def __enter__(self) -> Flask:
        info = self.ctx.find_root().obj
        app = info.load_app()
        self._cm = app.app_context()
        self._cm.__enter__()
        return app

    def __exit__(self, *exc: Any) -> None:
        self._cm.__exit__(*exc)


@audit_group.command("export")
@click.option("--site", "slug", required=True)
@click.option("--since", default=None, help="ISO time; only entries at or after it (csv/jsonl).")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "bundle"]), default="bundle",
              show_default=True,
              help="bundle: self-contained JSONL with checkpoints and public key, verifiable "
                   "offline; jsonl/csv: entries only.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default="-")
@with_appcontext
def audit_export(slug: str, since: str | None, fmt: str, output: str) -> None:
    """Stream entries to a file or stdout."""
    from service.api.audit import csv_lines
    from service.domain import audit, export, sites

    try:
        site = sites.get_site(slug)
    except DomainError as exc:
        _fail(exc)
    since_dt = None
    if since:
        try:
            since_dt = datetime.fromisoformat(since.replace("Z", "+00:00"))
        except ValueError as exc:
            raise click.BadParameter(f"not an ISO time: {since}") from exc
        if since_dt.tzinfo is None:
            raise click.BadParameter("--since needs a time zone, e.g. 2026-01-01T00:00:00Z")
    out = sys.stdout if output == "-" else open(output, "w", encoding="utf-8")  # noqa: SIM115
    try:
        if fmt == "bundle":
            if since_dt:
                raise click.UsageError("--since cannot be used with the bundle format")
            n = export.write_jsonl(export.export_lines(site), out)
        elif fmt == "jsonl":
            n = export.write_jsonl(audit.iter_entries(site, since=since_dt), out)
        else:
            n = 0
            for chunk in csv_lines(audit.iter_entries(site, since=since_dt)):
                out.write(chunk)
                n += 1
    finally:
        if out is not sys.stdout:
            out.close()
    click.echo(f"exported {n} lines", err=True)


@audit_group.command("checkpoint")
@click.option("--site", "slug", required=True)
@with_appcontext
def audit_checkpoint(slug: str) -> None:
    """Sign the current head now and print the checkpoint as JSON."""
    from service.domain import audit, sites
    from service.extensions import db

    site = sites.get_site(slug)
    cp = audit.checkpoint_now(site)
    if cp is None:
        raise click.ClickException("the chain is empty")
    db.session.commit()
    click.echo(json.dumps(audit.checkpoint_dict(site, cp)))


# --- report and retention -------------------------------------------------------------------
def _aware(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO time: {value}", param_hint=name) from exc
    if parsed.tzinfo is None:
        raise click.BadParameter("needs a time zone, e.g. 2026-01-01T00:00:00Z", param_hint=name)
    return parsed


@click.group("report", help="Auditor reports.")
def report_group() -> None:
    pass


@report_group.command("promises")
@click.option("--site", "slug", required=True)
@click.option("--since", default=None, help="ISO time; records made at or after it.")
@click.option("--until", default=None, help="ISO time; records made before it.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default="-")
@with_appcontext
def report_promises(slug: str, since: str | None, until: str | None, fmt: str,
                    output: str) -> None:
    """Check each promise of the notice; exit 1 if any is broken."""
    from service.domain import promises, sites

    try:
        report = promises.promise_report(sites.get_site(slug), _aware(since, "--since"),
                                         _aware(until, "--until"))
    except DomainError as exc:
        _fail(exc)
    if fmt == "json":
        text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    elif fmt == "html":
        from service.auditor.views import standalone_report_html

        text = standalone_report_html(report)
    else:
        lines = [f"{report['site']}: {'OK' if report['ok'] else 'BROKEN'} "
                 f"({report['summary']['holds']} hold, {report['summary']['broken']} broken, "
                 f"{report['summary']['not_applicable']} not applicable)"]
        for p in report["promises"]:
            lines.append(f"  {p['status']:>14}  {p['key']}: {p['summary']}")
        text = "\n".join(lines) + "\n"
    if output == "-":
        click.echo(text, nl=False)
    else:
        Path(output).write_text(text, "utf-8")
    sys.exit(0 if report["ok"] else 1)


@click.group("retention", help="Enforce the notice's retention periods.")
def retention_group() -> None:
    pass


@retention_group.command("purge")
@click.option("--site", "slug", default=None, help="One site (default: every site).")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; change nothing.")
@with_appcontext
def retention_purge(slug: str | None, dry_run: bool) -> None:
    """Delete what is past retention, in audited batches."""
    from sqlalchemy import select

    from service.domain import retention, sites
    from service.extensions import db
    from service.models import Site
    from service.models.types import utcnow

    try:
        targets = ([sites.get_site(slug)] if slug else
                   list(db.session.execute(select(Site).order_by(Site.slug)).scalars()))
    except DomainError as exc:
        _fail(exc)
    now = utcnow()
    for site in targets:
        for rule in retention.RULES:
            total = 0
            for batch in retention.purge(site, rule, now, dry_run=dry_run):
                db.session.commit()
                total += batch.deleted
                verb = "would delete" if dry_run else "deleted"
                click.echo(f"{site.slug}: {rule}: {verb} {total} (older than {batch.months} "
                           f"months, before {batch.cutoff.date().isoformat()})", err=True)
            click.echo(f"{site.slug}\t{rule}\t{'would_delete' if dry_run else 'deleted'}\t{total}")
    db.session.commit()


# --- demo and serve -------------------------------------------------------------------------
def ensure_demo_site(port: int | None = None) -> dict[str, str]:
    """Create the demo site, its notice and keys if missing; return the demo keys."""
    from service.domain import keys, notices, sites
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
    for cmd in (site_group, key_group, notice_group, audit_group, report_group,
                retention_group, demo_command, serve_command):
        app.cli.add_command(cmd)
    from service.cli_marketing import COMMANDS as MARKETING_COMMANDS

    for cmd in MARKETING_COMMANDS:
        app.cli.add_command(cmd)


def main() -> None:
    """Console script entry point."""
    from service.app import create_app

    group = FlaskGroup(create_app=lambda: create_app(), add_default_commands=False,
                       help="Lupa consent service.")
    group.main(prog_name="lupa")
