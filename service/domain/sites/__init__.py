"""Sites (tenants) and their API keys."""

from service.domain.sites.registry import (
    LANGUAGES,
    SLUG_RE,
    create_site,
    get_site,
    normalise_origin,
    origin_allowed,
    set_languages,
)

__all__ = [
    "SLUG_RE",
    "LANGUAGES",
    "normalise_origin",
    "create_site",
    "get_site",
    "origin_allowed",
    "set_languages",
]
