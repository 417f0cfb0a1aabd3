"""Schemathesis hooks (SCHEMATHESIS_HOOKS=tests.fuzz.hooks): request bodies it cannot encode."""

from __future__ import annotations

import json
from typing import Any

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def to_ndjson(_ctx: Any, value: Any) -> bytes:
    """JSON Lines: one document per list item (the bulk check's streaming input)."""
    items = value if isinstance(value, list) else [value]
    return "".join(json.dumps(item) + "\n" for item in items).encode("utf-8")
