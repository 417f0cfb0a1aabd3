"""What the customer pages share: their blueprint, language choice and page rendering."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request

from service.domain import notices
from service.domain.marketing import tokens
from service.errors import DomainError
from service.models import Site
from service.web.customer_labels import LABELS

bp = Blueprint("customer", __name__, url_prefix="/sites/<site>")


def lang_of(site: Site) -> str:
    lang = request.values.get("lang") or ""
    if lang in site.languages and lang in LABELS:
        return lang
    best = request.accept_languages.best_match([x for x in site.languages if x in LABELS])
    return best or site.languages[0]


def page(template: str, site: Site, title_key: str, status: int = 200, **ctx: Any) -> Response:
    lang = lang_of(site)
    t = LABELS[lang]
    resp = Response(render_template(template, site=site, lang=lang, languages=site.languages,
                                    t=t, title=t[title_key], **ctx), status=status,
                    mimetype="text/html")
    resp.headers["Content-Language"] = lang
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"  # the token must not leak onwards
    return resp


def error(site: Site, exc: DomainError, title_key: str) -> Response:
    t = LABELS[lang_of(site)]
    message = t["expired_link"] if isinstance(exc, tokens.LinkExpired) else t["invalid_link"]
    status = exc.status if isinstance(exc, (tokens.LinkExpired, tokens.LinkInvalid)) else 404
    return page("customer/error.html", site, title_key, status=status, message=message)


def titles(site: Site) -> dict[str, Any]:
    data = notices.current_version(site).data.get("marketing") or {}
    return {p["key"]: p for p in data.get("purposes", [])}


def loc(value: Any, lang: str) -> str:
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("fi") or "")
    return str(value or "")


def request_url(site: Site, lang: str) -> str:
    """The tokenless page where a person asks for a preference link by e-mail."""
    return f"/sites/{site.slug}/preferences?lang={lang}"
