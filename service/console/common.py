"""The console's blueprint and what its views share: the signed-in guard (session, CSRF,
site isolation), the page language, flashed notes and rendering."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import (
    Blueprint,
    abort,
    flash,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from service.console.labels import LABELS, lang_of, translate
from service.console.session import NotSignedIn, current_key, signed_in_sites
from service.domain import sites
from service.domain.sites import keys
from service.errors import NotFound
from service.extensions import db
from service.models import ApiKey, Site
from service.page_session import csrf_token, csrf_valid, strict_headers

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static", static_url_path="/static")
bp.after_request(strict_headers)
F = TypeVar("F", bound=Callable[..., Any])


def site_or_404(slug: str) -> Site:
    try:
        return sites.get_site(slug)
    except NotFound:
        abort(404)


def page_lang(site: Site) -> str:
    """`?lang=` if given (kept in the session), else the last chosen, else the site's first."""
    chosen = lang_of(request.args.get("lang"))
    if chosen:
        session["console_lang"] = chosen
        return chosen
    return lang_of(session.get("console_lang")) or (site.languages or ["en"])[0]


def signed_in(view: F) -> F:
    """The site's console session, or a redirect to its sign-in page; POSTs need CSRF."""

    @wraps(view)
    def wrapper(site: str, **kwargs: Any) -> Any:
        s = site_or_404(site)
        try:
            key = current_key(s)
        except NotSignedIn:
            if request.method != "GET":
                abort(403)
            lang = lang_of(request.args.get("lang"))  # kept across the sign-in
            query: dict[str, Any] = {"lang": lang} if lang else {}
            return redirect(url_for("console.login", site=s.slug, **query))
        if keys.note_use(key):
            db.session.commit()
        if request.method == "POST" and not csrf_valid(request.form.get("csrf_token")):
            abort(403)
        return view(s, key, **kwargs)

    return wrapper  # type: ignore[return-value]


def actor(key: ApiKey) -> str:
    return f"key:{key.key_id}"


def note(label: str, **fields: Any) -> None:
    """A note shown once on the next page (the label's key and its fields, never a secret)."""
    flash(json.dumps({"label": label, "fields": fields}))


def render(template: str, site: Site, status: int = 200, **context: Any) -> Any:
    lang = page_lang(site)

    def t(key: str, **fields: Any) -> str:
        return translate(lang, key, **fields)

    notes = [t(n["label"], **n["fields"])
             for n in (json.loads(str(m)) for m in get_flashed_messages())]
    return render_template(template, site=site, lang=lang, t=t, notes=notes,
                           csrf_token=csrf_token, labels=LABELS, signed_sites=signed_in_sites(),
                           **context), status
