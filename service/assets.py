"""The built widget's files: where they are and their manifest (hashed names, SRI hashes)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

STATIC = Path(__file__).resolve().parent / "static"
WIDGET_DIR = STATIC / "widget"


@cache
def widget_manifest() -> dict[str, Any]:
    """The built files' hashed names and SRI hashes (from widget/build.mjs)."""
    data: dict[str, Any] = json.loads((WIDGET_DIR / "manifest.json").read_text("utf-8"))
    return data
