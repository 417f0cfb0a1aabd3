"""The `lupa` console script: Flask's CLI around the app factory, showing Lupa's own commands
only. Flask's `--app`, `--debug` and `--env-file` options, its version, and the `limiter` and
`openapi` groups of extensions are not Lupa's; of Flask-Migrate's `db` group the operator
gets `upgrade`, `current` and `history` (developers make migrations with
`flask --app service.app db revision`, see docs/conventions.md)."""

from __future__ import annotations

import copy
import os
import sys
from importlib import metadata
from typing import Any

import click
from flask.cli import FlaskGroup
from sqlalchemy.exc import OperationalError, ProgrammingError

from service.app import create_app
from service.cli.serve import refuse
from service.config import ConfigError
from service.secret_checks import serve_problems

HIDDEN_COMMANDS = frozenset({"limiter", "openapi", "routes", "run", "shell"})
DB_COMMANDS = ("upgrade", "current", "history")


def lupa_version() -> str:
    try:
        return metadata.version("lupa")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"lupa {lupa_version()}")
        ctx.exit()


class LupaGroup(FlaskGroup):
    """FlaskGroup without Flask's options, with Lupa's version and only Lupa's commands."""

    def __init__(self, **extra: Any) -> None:
        super().__init__(create_app=lambda: create_app(), add_default_commands=False,
                         add_version_option=False, load_dotenv=False, set_debug_flag=False,
                         **extra)
        # FlaskGroup adds --env-file, --app and --debug; Lupa builds its one app itself.
        self.params = [p for p in self.params if p.name not in ("env_file", "app", "debug")]
        self.params.append(click.Option(["--version"], is_flag=True, expose_value=False,
                                        is_eager=True, callback=_print_version,
                                        help="Show Lupa's version and exit."))

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Skip FlaskGroup's early loading of the options removed above.
        return click.Group.parse_args(self, ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in super().list_commands(ctx) if name not in HIDDEN_COMMANDS]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in HIDDEN_COMMANDS:
            return None
        command = super().get_command(ctx, name)
        if name == "db" and isinstance(command, click.Group):
            return operator_db_group(command)
        return command


def operator_db_group(full: click.Group) -> click.Group:
    """Flask-Migrate's `db` group with the operator's commands only (its callback and its
    options, hidden, kept: they set the migrations folder the commands read)."""
    params = [copy.copy(p) for p in full.params]
    for param in params:
        if isinstance(param, click.Option):
            param.hidden = True
    return click.Group(name=full.name, callback=full.callback, params=params,
                       help="Apply and inspect database migrations.",
                       commands={n: full.commands[n] for n in DB_COMMANDS if n in full.commands})


def main() -> None:
    """Console script entry point; a configuration error is one clear line and exit 2."""
    if sys.argv[1:2] == ["serve"]:  # every reason at once, before the app is even built
        refuse(serve_problems(os.environ))
    group = LupaGroup(help="Lupa consent service.")
    try:
        group.main(prog_name="lupa")
    except ConfigError as exc:
        click.echo(f"lupa: refusing to start: {exc}", err=True)
        raise SystemExit(2) from None
    except (OperationalError, ProgrammingError) as exc:
        # SQLite's "no such table", PostgreSQL's undefined_table: never migrated.
        if "no such table" in str(exc.orig) or getattr(exc.orig, "sqlstate", None) == "42P01":
            click.echo("lupa: the database has no Lupa tables yet; run `lupa db upgrade` "
                       "first.", err=True)
            raise SystemExit(1) from None
        raise
