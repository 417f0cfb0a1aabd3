"""The `lupa` console script: Flask's CLI around the app factory (`lupa db upgrade` comes
from Flask-Migrate, the rest from service/cli)."""

from __future__ import annotations

import os
import sys

import click
from flask.cli import FlaskGroup

from service.app import create_app
from service.cli.serve import refuse
from service.config import ConfigError
from service.secret_checks import serve_problems


def main() -> None:
    """Console script entry point; a configuration error is one clear line and exit 2."""
    if sys.argv[1:2] == ["serve"]:  # every reason at once, before the app is even built
        refuse(serve_problems(os.environ))
    group = FlaskGroup(create_app=lambda: create_app(), add_default_commands=False,
                       help="Lupa consent service.")
    try:
        group.main(prog_name="lupa")
    except ConfigError as exc:
        click.echo(f"lupa: refusing to start: {exc}", err=True)
        raise SystemExit(2) from None
