"""What every `lupa` command shares: turning a domain error into a clear non-zero exit, the
app context for commands that need it only on some paths, and the output stream."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, TextIO

import click
from flask import Flask

from service.errors import DomainError


def fail(exc: DomainError) -> NoReturn:
    """Exit 1 with the error's detail and, below it, its field errors as indented JSON."""
    msg = exc.detail
    if exc.errors:
        msg += "\n" + json.dumps(exc.errors, indent=2, ensure_ascii=False)
    raise click.ClickException(msg)


def fail_inline(exc: DomainError) -> NoReturn:
    """Exit 1 with the error's detail and its field errors on the same line (sender commands)."""
    raise click.ClickException(exc.detail + (f" {exc.errors}" if exc.errors else ""))


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
