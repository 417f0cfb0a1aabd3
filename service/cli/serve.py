"""`lupa serve`: the production server (gunicorn with service/gunicorn_conf.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

GUNICORN_CONF = Path(__file__).parent.parent / "gunicorn_conf.py"


@click.command("serve")
@click.option("--bind", default="0.0.0.0:8000", show_default=True)
@click.option("--workers", default=None, type=int, help="Default: 2 x CPU cores + 1.")
def serve_command(bind: str, workers: int | None) -> None:
    """Run under gunicorn with the configured database and Redis."""
    args = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "--bind", bind]
    if workers:
        args += ["--workers", str(workers)]
    args.append("service.wsgi:app")
    os.execvp(args[0], args)
