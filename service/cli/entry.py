"""The `lupa` console script: Flask's CLI around the app factory (`lupa db upgrade` comes
from Flask-Migrate, the rest from service/cli)."""

from __future__ import annotations

from flask.cli import FlaskGroup

from service.app import create_app


def main() -> None:
    """Console script entry point."""
    group = FlaskGroup(create_app=lambda: create_app(), add_default_commands=False,
                       help="Lupa consent service.")
    group.main(prog_name="lupa")
