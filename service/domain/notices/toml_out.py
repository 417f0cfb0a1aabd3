"""A small TOML writer for notice data (`lupa notice convert`, the console's notice editor):
tables, arrays of tables, dotted keys for localized texts, multi-line strings for texts with
line breaks.

Only what notice data holds: str, int, bool, lists and tables. tests/cli checks that tomllib
reads back exactly what was written.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def dumps(data: dict[str, Any]) -> str:
    lines: list[str] = []
    _table(lines, [], data)
    return "\n".join(lines).strip() + "\n"


def _key(name: str) -> str:
    return name if BARE.match(name) else json.dumps(name, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, date):
        return json.dumps(value.isoformat()[:10])
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        if "\n" in value and not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", value):
            body = value.replace("\\", "\\\\").replace('"""', '""\\"')
            return f'"""\n{body}"""'
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, dict | list) or (
        isinstance(value, list) and not any(isinstance(v, dict) for v in value))


def _table(lines: list[str], path: list[str], data: dict[str, Any]) -> None:
    later: list[tuple[str, Any]] = []
    for name, value in data.items():
        if _is_scalar(value):
            lines.append(f"{_key(name)} = {_value(value)}")
        elif isinstance(value, dict) and value and all(_is_scalar(v) for v in value.values()):
            for sub, item in value.items():  # localized texts: title.fi = "..."
                lines.append(f"{_key(name)}.{_key(sub)} = {_value(item)}")
        elif isinstance(value, list) and not all(isinstance(v, dict) for v in value):
            lines.append(f"{_key(name)} = {_value(value)}")
        else:
            later.append((name, value))
    for name, value in later:
        full = [*path, _key(name)]
        if isinstance(value, dict):
            lines += ["", f"[{'.'.join(full)}]"]
            _table(lines, full, value)
        else:
            for item in value:
                lines += ["", f"[[{'.'.join(full)}]]"]
                _table(lines, full, item)
