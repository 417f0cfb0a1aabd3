"""Formats: one registry of the readers and writers that the API, the CLI and the pages share.

Each kind of document (`check-answers`, `audit-entries`, `suppressions`) has writers by name
(`ndjson`, `csv`, `jsonl`, ...) registered with `register`; a surface picks one with `writer()`
or, from an Accept header, with `negotiate()`, and never formats rows itself. The readers of a
check's recipients (NDJSON, CSV) live in `recipients`. Adding an output format is one
registered writer (and its tests).
"""

# The writers register themselves on import, after the registry they register in.
from service.formats import answers, entries, suppressions  # noqa: E402, F401, I001
from service.formats.registry import (
    Writer,
    formats_of,
    media_types_of,
    negotiate,
    register,
    writer,
)

__all__ = ["Writer", "formats_of", "media_types_of", "negotiate", "register", "writer"]
