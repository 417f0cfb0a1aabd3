"""What every `lupa` command shares: turning a domain error into a clear non-zero exit, the
app context for commands that need it only on some paths, and the output stream."""

from __future__ import annotations

import getpass
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, TextIO

import click
from flask import Flask

from service.errors import DomainError


def error_lines(errors: Any, path: tuple[str, ...] = ()) -> Iterator[str]:
    """A domain error's field errors as "field: message" sentences (nested fields dotted)."""
    where = ".".join(path)
    if isinstance(errors, dict):
        for key, value in errors.items():
            yield from error_lines(value, (*path, str(key)))
    elif isinstance(errors, list | tuple) and all(not isinstance(e, dict | list | tuple)
                                                  for e in errors):
        yield f"{where}: {'; '.join(str(e) for e in errors)}" if where else \
            "; ".join(str(e) for e in errors)
    elif isinstance(errors, list | tuple):
        for i, value in enumerate(errors, start=1):
            yield from error_lines(value, (*path, str(i)))
    else:
        yield f"{where}: {errors}" if where else str(errors)


def fail(exc: DomainError) -> NoReturn:
    """Exit 1 with the error's sentence and, below it, one line per invalid field."""
    lines = list(error_lines(exc.errors or {}))
    raise click.ClickException("\n".join([exc.detail, *(f"  {line}" for line in lines)]))


def fail_inline(exc: DomainError) -> NoReturn:
    """Exit 1 with the error's sentence and its field errors on the same line."""
    lines = list(error_lines(exc.errors or {}))
    raise click.ClickException(exc.detail + (f" ({'; '.join(lines)})" if lines else ""))


def cli_actor() -> str:
    """The audit actor of a command: `cli:<user>`, the operating-system user running it (as
    the system reports it: a record of who ran the command, not a proof)."""
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no passwd entry (containers) nor LOGNAME/USER
        user = f"uid-{os.getuid()}"
    # The audit log refuses e-mail addresses: "name@domain" logins keep their name only.
    user = re.sub(r"[^A-Za-z0-9._-]", "_", user.split("@", 1)[0])[:40] or "unknown"
    return f"cli:{user}"


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


@contextmanager
def output_stream(path: str, newline: str | None = None) -> Iterator[TextIO]:
    """stdout for "-", otherwise the file opened for writing in UTF-8 and closed afterwards."""
    if path == "-":
        yield sys.stdout
        return
    with open(path, "w", newline=newline, encoding="utf-8") as out:
        yield out


def echo_table(headers: list[str], rows: list[list[str]]) -> None:
    """Rows in columns under their headers, two spaces apart (the last column unpadded)."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, *rows]:
        cells = [str(c).ljust(w) for c, w in zip(row[:-1], widths[:-1], strict=True)]
        click.echo("  ".join([*cells, str(row[-1])]).rstrip())
