"""`lupa serve`: the production server (gunicorn with service/gunicorn_conf.py).

Before gunicorn starts, the environment the workers will read is checked: LUPA_SECRET_KEY,
LUPA_SIGNING_KEY, LUPA_ENCRYPTION_KEY and LUPA_PUBLIC_URL (and LUPA_METRICS_TOKEN, unless
LUPA_METRICS_ENABLED=0) set, well formed, no placeholder, strong and independent
(service/secret_checks.py), and LUPA_ENCRYPTION_KEY opens the stored identifiers. Any
failure exits 2 with every reason and starts nothing."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from service.domain.marketing import keyring
from service.secret_checks import serve_problems

GUNICORN_CONF = Path(__file__).parent.parent / "gunicorn_conf.py"
log = logging.getLogger(__name__)


def refuse(problems: list[str]) -> None:
    """Exit 2 naming every problem, if there is one."""
    if problems:
        for problem in problems:
            click.echo(f"lupa serve: refusing to start: {problem}", err=True)
        raise SystemExit(2)


def stored_keys_problems() -> list[str]:
    """The key check against the database; skipped (with a warning) if it cannot be reached
    or is not migrated yet: the workers then fail closed on each unopened key."""
    try:
        problem = keyring.stored_keys_problem()
    except SQLAlchemyError as exc:
        log.warning("stored subject keys not checked (database unavailable: %s)",
                    type(exc).__name__)
        return []
    return [problem] if problem else []


@click.command("serve")
@click.option("--bind", default="0.0.0.0:8000", show_default=True)
@click.option("--workers", default=None, type=int, help="Default: 2 x CPU cores + 1.")
@with_appcontext
def serve_command(bind: str, workers: int | None) -> None:
    """Run under gunicorn with the configured database and Redis."""
    refuse(serve_problems(os.environ))
    refuse(stored_keys_problems())
    args = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "--bind", bind]
    if workers:
        args += ["--workers", str(workers)]
    args.append("service.wsgi:app")
    os.execvp(args[0], args)
