"""Sites (tenants): creation, settings and lookup; and their API keys (keys.py)."""

from service.domain.sites.registry import (
    LANGUAGES,
    SLUG_RE,
    create_site,
    get_site,
    list_sites,
    normalise_origin,
    origin_allowed,
    set_languages,
)
from service.domain.sites.settings import SiteChange, update_site

__all__ = [
    "SLUG_RE",
    "LANGUAGES",
    "normalise_origin",
    "create_site",
    "get_site",
    "list_sites",
    "origin_allowed",
    "set_languages",
    "SiteChange",
    "update_site",
]
