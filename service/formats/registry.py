"""The registry of writers by kind and name, and content negotiation in one helper."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

NDJSON = "application/x-ndjson"
CSV = "text/csv"


@dataclass(frozen=True)
class Writer:
    """How one kind of document is written in one format.

    `rows(items)` renders a batch of items; `head` opens the document; `error(title, detail)`
    and `tail(summary)` close a stream, or are None where the format has no place for them
    (CSV: its last row and the response headers tell how far it got)."""

    name: str
    media_type: str
    extension: str
    rows: Callable[[Any], bytes]
    head: bytes = b""
    error: Callable[[str, Any], bytes] | None = None
    tail: Callable[[dict[str, Any]], bytes] | None = None

    def stream(self, batches: Iterable[Any]) -> Iterator[bytes]:
        """The head, then each batch rendered (no error line, no summary)."""
        if self.head:
            yield self.head
        for batch in batches:
            yield self.rows(batch)


_WRITERS: dict[str, dict[str, Writer]] = {}


def register(kind: str, w: Writer) -> Writer:
    """Add a writer for a kind of document; the first registered is the kind's default."""
    _WRITERS.setdefault(kind, {})[w.name] = w
    return w


def formats_of(kind: str) -> tuple[str, ...]:
    """The format names a kind can be written in, the default first."""
    return tuple(_WRITERS[kind])


def media_types_of(kind: str) -> tuple[str, ...]:
    return tuple(w.media_type for w in _WRITERS[kind].values())


def writer(kind: str, name: str | None = None) -> Writer:
    """The writer named `name` for a kind (the default when None); KeyError if unknown."""
    writers = _WRITERS[kind]
    return writers[name] if name else next(iter(writers.values()))


def negotiate(kind: str, accept: Any, fallback: str | None = None) -> Writer:
    """The writer an Accept header asks for, among the kind's media types.

    `accept` is werkzeug's MIMEAccept (request.accept_mimetypes). With no Accept header the
    writer named `fallback` (or the kind's default) answers; otherwise the best match, ties
    and wildcards going to the default."""
    writers = _WRITERS[kind]
    default = writers[fallback] if fallback else next(iter(writers.values()))
    if not accept.provided:
        return default
    by_type = {w.media_type: w for w in writers.values()}
    best = accept.best_match(list(by_type))
    # werkzeug gives the first offered type among equals (`*/*`, as curl sends, would pick
    # NDJSON for a CSV body): the default wins every tie
    if best is None or accept.quality(default.media_type) >= accept.quality(best):
        return default
    return by_type[best]
