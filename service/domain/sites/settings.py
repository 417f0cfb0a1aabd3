"""Changing a site's settings after creation: name, allowed origins, languages; each change
one audited `site.updated` entry. The caches of the widget config and of site lookups are
dropped by the after-commit hook in service/cache.py, so a new origin holds at once for CORS
and the widget config."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from service.domain import notices
from service.domain.sites.registry import (
    append_settings,
    check_languages,
    check_name,
    clean_origins,
)
from service.errors import InvalidInput
from service.models import Site


@dataclass(frozen=True)
class SiteChange:
    """What to change; None (or empty add/remove lists) leaves a setting as it is.

    `origins` replaces the whole list; `add_origins` and `remove_origins` edit it (an origin
    not in the list cannot be removed; one already there is not added twice)."""

    name: str | None = None
    origins: Sequence[str] | None = None
    add_origins: Sequence[str] = ()
    remove_origins: Sequence[str] = ()
    languages: Sequence[str] | None = None


def update_site(site: Site, change: SiteChange, actor: str) -> dict[str, Any]:
    """Apply the change in the caller's transaction; return what changed (empty: nothing,
    and nothing is audited). Invalid input changes nothing."""
    changed: dict[str, Any] = {}
    if change.name is not None:
        name = check_name(change.name)
        if name != site.name:
            changed["name"] = name
    origins = _new_origins(site, change)
    if origins is not None and origins != list(site.origins or []):
        old = set(site.origins or [])
        changed["origins_added"] = sorted(set(origins) - old)
        changed["origins_removed"] = sorted(old - set(origins))
        changed["origins"] = origins
    if change.languages is not None:
        langs = check_languages(list(change.languages))
        if langs != list(site.languages or []):
            _notice_has(site, [lang for lang in langs if lang not in (site.languages or [])])
            changed["languages"] = langs
    if not changed:
        return {}
    append_settings(site, actor, "site.updated", changed)
    # New lists, never in-place edits: the JSON columns must be seen as changed.
    if "name" in changed:
        site.name = changed["name"]
    if "origins" in changed:
        site.origins = list(changed["origins"])
    if "languages" in changed:
        site.languages = list(changed["languages"])
    return changed


def _new_origins(site: Site, change: SiteChange) -> list[str] | None:
    """The origins after the change, or None if it touches none."""
    if change.origins is None and not change.add_origins and not change.remove_origins:
        return None
    base = clean_origins(list(change.origins)) if change.origins is not None \
        else list(site.origins or [])
    removed = clean_origins(list(change.remove_origins), "remove_origins")
    missing = [o for o in removed if o not in base]
    if missing:
        raise InvalidInput(f"{', '.join(missing)} is not an origin of site {site.slug!r}; "
                           "nothing was changed.",
                           {"remove_origins": [f"not an origin: {o}" for o in missing]})
    added = clean_origins(list(change.add_origins), "add_origins")
    return sorted((set(base) - set(removed)) | set(added))


def _notice_has(site: Site, added: list[str]) -> None:
    """A language may be added only if the current notice has its texts (the widget and the
    notice page would otherwise show a language the notice cannot speak)."""
    version = notices.latest_version(site)
    if version is None or not added:
        return
    lacking = [lang for lang in added if lang not in notices.languages_in(version.data)]
    if lacking:
        raise InvalidInput(
            f"The current notice (version {version.number}) has no texts in "
            f"{', '.join(lacking)}; publish a notice with them, then add the language.",
            {"languages": [f"not in the current notice: {lang}" for lang in lacking]})
