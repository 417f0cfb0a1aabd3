"""Sites: creation, lookup and origin rules."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from service.domain import audit
from service.errors import Conflict, InvalidInput, NotFound
from service.extensions import db
from service.models import Site

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
LANGUAGES = ("fi", "sv", "en")
_IPV4_HOST = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")


def normalise_origin(value: str) -> str:
    """`https://Example.com:443/` -> `https://example.com`; rejects paths, queries, userinfo."""
    try:
        parts = urlsplit(value.strip())
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        raise InvalidInput(f"Origin {value!r} is not a valid URL.",
                           {"origins": [f"invalid origin {value!r}"]}) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"Origin {value!r} must be http(s)://host[:port].",
                           {"origins": [f"invalid origin {value!r}"]})
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise InvalidInput(f"Origin {value!r} must have no path, query or user.",
                           {"origins": [f"invalid origin {value!r}"]})
    default_port = {"http": 80, "https": 443}[parts.scheme]
    try:
        port = parts.port
    except ValueError as exc:
        raise InvalidInput(f"Origin {value!r} has a bad port.",
                           {"origins": [f"invalid origin {value!r}"]}) from exc
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default_port else "")


def check_name(name: str) -> str:
    """The display name, trimmed: 1-200 characters."""
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise InvalidInput("A site needs a name of 1-200 characters.", {"name": ["invalid"]})
    return name.strip()


def check_languages(languages: list[str]) -> list[str]:
    """One or more of fi, sv, en, each once, in the given order (the first is the default)."""
    if not languages or any(lang not in LANGUAGES for lang in languages):
        raise InvalidInput("Languages must be one or more of fi, sv, en.",
                           {"languages": ["invalid"]})
    return list(dict.fromkeys(languages))


def clean_origins(values: list[str], field: str = "origins") -> list[str]:
    """Normalised, sorted and without duplicates. An IPv4 address other than loopback is
    refused: the audit log, which records every origin, never holds one (an address may be
    personal data and its guard rejects them)."""
    clean: set[str] = set()
    for value in values:
        try:
            origin = normalise_origin(value)
        except InvalidInput as exc:
            raise InvalidInput(exc.detail, {field: [f"invalid origin {value!r}"]}) from exc
        host = urlsplit(origin).hostname or ""
        if _IPV4_HOST.match(host) and not host.startswith("127."):
            raise InvalidInput(f"Origin {value!r}: use a host name. The audit log records "
                               "origins and never holds an IP address; only loopback "
                               "(127.x.x.x) is allowed.",
                               {field: [f"invalid origin {value!r}"]})
        clean.add(origin)
    return sorted(clean)


def create_site(
    slug: str, name: str, origins: list[str], actor: str, languages: list[str] | None = None
) -> Site:
    if not SLUG_RE.match(slug):
        raise InvalidInput("A slug is 1-64 lowercase letters, digits and inner hyphens.",
                           {"slug": ["invalid slug"]})
    clean_name = check_name(name)
    langs = check_languages(languages or list(LANGUAGES))
    clean = clean_origins(origins)
    if db.session.execute(select(Site.id).where(Site.slug == slug)).first():
        raise Conflict(f"Site {slug!r} already exists.")
    site = Site(slug=slug, name=clean_name, origins=clean, languages=langs)
    db.session.add(site)
    db.session.flush()
    audit.start_chain(site)
    append_settings(site, actor, "site.created",
                    {"slug": slug, "name": site.name, "origins": clean, "languages": langs})
    return site


def append_settings(site: Site, actor: str, action: str, payload: dict[str, Any]) -> None:
    """Audit a site's settings; the audit log's refusal of an e-mail or IP address becomes a
    clear 422 on the name (origins by IP address are refused before, in clean_origins)."""
    try:
        audit.append(site, actor, action, payload)
    except audit.PersonalDataInAudit as exc:
        raise InvalidInput("A site's name is recorded in the audit log, which never holds an "
                           "e-mail or IP address; leave it out of the name.",
                           {"name": ["contains an e-mail or IP address"]}) from exc


def set_languages(site: Site, languages: list[str], actor: str) -> bool:
    """Change the languages a site's notice must have; True if they changed (audited)."""
    if not languages or any(lang not in LANGUAGES for lang in languages):
        raise InvalidInput("Languages must be among fi, sv, en.", {"languages": ["invalid"]})
    langs = [lang for lang in LANGUAGES if lang in languages]
    if list(site.languages or []) == langs:
        return False
    site.languages = langs
    audit.append(site, actor, "site.languages_changed", {"languages": langs})
    return True


def get_site(slug: str) -> Site:
    """The site with this slug, or NotFound naming the slug."""
    site = None
    if isinstance(slug, str) and SLUG_RE.match(slug):
        site = db.session.execute(select(Site).where(Site.slug == slug)).scalar_one_or_none()
    if site is None:
        raise NotFound(f"No such site: {str(slug)[:64]!r}.")
    return site


def list_sites() -> list[Site]:
    """Every site of this installation, by slug (for the operator's command line)."""
    return list(db.session.execute(select(Site).order_by(Site.slug)).scalars())


def origin_allowed(site: Site, origin: str | None, own_origin: str | None = None) -> bool:
    """True for one of the site's origins or the service's own origin."""
    if not origin:
        return False
    try:
        norm = normalise_origin(origin)
    except InvalidInput:
        return False
    if own_origin and norm == own_origin:
        return True
    return norm in (site.origins or [])
