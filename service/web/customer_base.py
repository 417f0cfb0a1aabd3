"""What the customer pages share: their blueprint, language choice and page rendering."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, render_template, request

from service.domain import notices
from service.domain.marketing import tokens
from service.errors import DomainError, NotFound
from service.models import Site
from service.web.customer_labels import LABELS

bp = Blueprint("customer", __name__, url_prefix="/sites/<site>")


def lang_of(site: Site) -> str:
    lang = request.values.get("lang") or ""
    if lang in site.languages and lang in LABELS:
        return lang
    best = request.accept_languages.best_match([x for x in site.languages if x in LABELS])
    return best or site.languages[0]


def with_lang(path: str, lang: str) -> str:
    """A page's own path with the language the person reads in, so that it is kept."""
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


def home_of(site: Site) -> str | None:
    """Where "back to the site" leads: the controller's website in the current notice, or
    the site's first origin."""
    try:
        website = (notices.current_version(site).data.get("controller") or {}).get("website")
    except NotFound:
        website = None
    if isinstance(website, str) and website.startswith(("https://", "http://")):
        return website
    return site.origins[0] if site.origins else None


def page(template: str, site: Site, title_key: str, status: int = 200, **ctx: Any) -> Response:
    lang = lang_of(site)
    t = LABELS[lang]
    resp = Response(render_template(template, site=site, lang=lang, languages=site.languages,
                                    t=t, title=t[title_key], home=home_of(site),
                                    action=with_lang(request.path, lang), **ctx),
                    status=status, mimetype="text/html")
    resp.headers["Content-Language"] = lang
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"  # the token must not leak onwards
    return resp


def error(site: Site, exc: DomainError, title_key: str) -> Response:
    """An expired or invalid link, said in words with what to do next: ask for a new
    preference link (which also grants, lifts and sends codes) or go back to the site."""
    lang = lang_of(site)
    t = LABELS[lang]
    expired = isinstance(exc, tokens.LinkExpired)
    message = t["expired_link"] if expired else t["invalid_link"]
    status = exc.status if isinstance(exc, (tokens.LinkExpired, tokens.LinkInvalid)) else 404
    return page("customer/error.html", site, title_key, status=status, message=message,
                next_step=(t["expired_next"] if expired
                           else f'{t["invalid_link_more"]} {t["invalid_next"]}'),
                request_url=request_url(site, lang))


def date_text(when: datetime, lang: str) -> str:
    """A day as people write it: 7.12.2026 in Finnish and Swedish, 7 December 2026 in
    English."""
    if lang == "en":
        return f"{when.day} {LABELS['en']['months'].split()[when.month - 1]} {when.year}"
    return f"{when.day}.{when.month}.{when.year}"


def titles(site: Site) -> dict[str, Any]:
    data = notices.current_version(site).data.get("marketing") or {}
    return {p["key"]: p for p in data.get("purposes", [])}


def loc(value: Any, lang: str) -> str:
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("fi") or "")
    return str(value or "")


def request_url(site: Site, lang: str) -> str:
    """The tokenless page where a person asks for a preference link by e-mail."""
    return with_lang(f"/sites/{site.slug}/preferences", lang)
