"""What changes between two notices, field by field, and whether the change makes the banner
ask again: it does exactly when the categories fingerprint changes (versions.py: a category,
its type or requiredness, a cookie or a vendor added or removed; wording never)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.domain.notices.versions import categories_fingerprint

# The parts of a category the fingerprint covers (versions.categories_fingerprint).
_FINGERPRINTED = ("key", "type", "required", "cookies", "vendors")


@dataclass(frozen=True)
class Change:
    path: str
    before: Any
    after: Any
    asks_again: bool  # this field is one the banner's re-consent depends on

    @property
    def kind(self) -> str:
        return "added" if self.before is None else "removed" if self.after is None else "changed"


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    """Leaves by path: `cookie_categories[2].title.fi` -> text (positions 1-based)."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(flatten(v, f"{path}.{k}" if path else str(k)))
        return out
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        out = {}
        for i, v in enumerate(value, start=1):
            out.update(flatten(v, f"{path}[{i}]"))
        return out
    return {path: value}


def _fingerprinted(path: str) -> bool:
    if not path.startswith("cookie_categories["):
        return False
    rest = path.split("]", 1)[1].lstrip(".")
    return rest.split(".", 1)[0].split("[", 1)[0] in _FINGERPRINTED


def diff(before: dict[str, Any] | None, after: dict[str, Any]) -> tuple[list[Change], bool]:
    """The changed leaves, in the new notice's order (then removed ones), and whether the
    banner asks again (both canonical format-2 data; `before` None: the first notice)."""
    old = flatten(before or {})
    new = flatten(after)
    changes = [Change(p, old.get(p), v, _fingerprinted(p)) for p, v in new.items()
               if old.get(p) != v]
    changes += [Change(p, v, None, _fingerprinted(p)) for p, v in old.items() if p not in new]
    asks_again = before is None or categories_fingerprint(before) != categories_fingerprint(after)
    return changes, asks_again
