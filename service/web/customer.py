"""Customer pages behind signed links: one-click unsubscribe (RFC 8058), double opt-in
confirmation, managing permissions / prohibiting all marketing, and the customer's own
data-subject requests (download everything held, erase); in fi, sv and en.
A GET never changes anything; the change is the POST."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, json, render_template, request

from service.domain import marketing, notices, rights, sites
from service.domain.marketing import kinds, optin, permission_cache, tokens, unsubscribe
from service.domain.marketing import subjects as subject_domain
from service.domain.marketing.kinds import ProhibitionKind
from service.domain.marketing.states import Basis
from service.domain.marketing.states import PermissionState as State
from service.errors import DomainError, NotFound
from service.extensions import db
from service.models import Site
from service.web.customer_labels import KIND_LABELS, LABELS

bp = Blueprint("customer", __name__, url_prefix="/sites/<site>")
# The signup API is limited with the public blueprints (service/limits.py); these pages here.
LIMITED_ENDPOINTS = ("customer.unsubscribe_page", "customer.confirm_page",
                     "customer.preferences_page")


def _lang(site: Site) -> str:
    lang = request.values.get("lang") or ""
    if lang in site.languages and lang in LABELS:
        return lang
    best = request.accept_languages.best_match([x for x in site.languages if x in LABELS])
    return best or site.languages[0]


def _page(template: str, site: Site, title_key: str, status: int = 200, **ctx: Any) -> Response:
    lang = _lang(site)
    t = LABELS[lang]
    resp = Response(render_template(template, site=site, lang=lang, languages=site.languages,
                                    t=t, title=t[title_key], **ctx), status=status,
                    mimetype="text/html")
    resp.headers["Content-Language"] = lang
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"  # the token must not leak onwards
    return resp


def _error(site: Site, exc: DomainError, title_key: str) -> Response:
    t = LABELS[_lang(site)]
    message = t["expired_link"] if isinstance(exc, tokens.LinkExpired) else t["invalid_link"]
    status = exc.status if isinstance(exc, (tokens.LinkExpired, tokens.LinkInvalid)) else 404
    return _page("customer/error.html", site, title_key, status=status, message=message)


def _titles(site: Site) -> dict[str, Any]:
    data = notices.current_version(site).data.get("marketing") or {}
    return {p["key"]: p for p in data.get("purposes", [])}


def _loc(value: Any, lang: str) -> str:
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("fi") or "")
    return str(value or "")


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe_page(site: str, token: str) -> Response:
    s = sites.get_site(site)
    lang = _lang(s)
    try:
        if request.method == "POST":
            subject, purpose, channel, _ = unsubscribe.unsubscribe(s, token, request.remote_addr)
            db.session.commit()
            permission_cache.after_commit(s.id)
            done, message = True, LABELS[lang]["unsubscribed"]
        else:
            subject, purpose, channel = unsubscribe.read_unsubscribe(s, token)
            done, message = False, None
    except (tokens.LinkInvalid, tokens.LinkExpired, NotFound) as exc:
        db.session.rollback()
        return _error(s, exc, "unsubscribe_title")
    title = _loc(_titles(s).get(purpose, {}).get("title"), lang) or purpose
    return _page("customer/unsubscribe.html", s, "unsubscribe_title", done=done,
                 message=message, purpose_title=title, channel=channel,
                 preferences_url=unsubscribe.preferences_url(s, subject, ""))


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm_page(site: str, token: str) -> Response:
    s = sites.get_site(site)
    lang = _lang(s)
    try:
        if request.method == "POST":
            subject, _ = optin.confirm(s, token, request.remote_addr)
            db.session.commit()
            permission_cache.after_commit(s.id)
            done, message, items = True, LABELS[lang]["confirmed"], []
        else:
            subject, pairs, _ = optin.read(s, token)
            titles = _titles(s)
            items = [f"{_loc(titles.get(p, {}).get('title'), lang) or p} – "
                     f"{LABELS[lang].get(c, c)}" for p, c in pairs]
            done, message = False, None
    except (tokens.LinkInvalid, tokens.LinkExpired, NotFound) as exc:
        db.session.rollback()
        return _error(s, exc, "confirm_title")
    return _page("customer/confirm.html", s, "confirm_title", done=done, message=message,
                 items=items, preferences_url=unsubscribe.preferences_url(s, subject, ""))


@bp.route("/preferences/<token>", methods=["GET", "POST"])
def preferences_page(site: str, token: str) -> Response:
    s = sites.get_site(site)
    lang = _lang(s)
    try:
        data = tokens.read("preferences", token, s.id)
        subject = subject_domain.get_subject(s, data["u"])
    except (tokens.LinkInvalid, tokens.LinkExpired, NotFound) as exc:
        return _error(s, exc, "preferences_title")
    message = None
    action = request.form.get("action", "") if request.method == "POST" else ""
    if action == "download":
        return _download(s, subject)
    if action == "erase":
        if request.form.get("confirm") != "yes":
            message = LABELS[lang]["erase_unconfirmed"]
        else:
            req = rights.erase(s, subject, f"subject:{subject.public_id}", via="signed-link")
            db.session.commit()
            permission_cache.after_commit(s.id)
            rights.after_erasure(s, subject, req)  # the deletions made physical
            db.session.commit()
            return _page("customer/done.html", s, "preferences_title",
                         message=LABELS[lang]["erased"])
    elif request.method == "POST":
        _apply_preferences(s, subject, action, set(request.form.getlist("perm")))
        db.session.commit()
        permission_cache.after_commit(s.id)
        message = LABELS[lang]["saved"]
    if subject.wrapped_key is None:  # erased earlier: nothing left to manage
        return _page("customer/done.html", s, "preferences_title",
                     message=LABELS[lang]["erased"])
    return _page("customer/preferences.html", s, "preferences_title", message=message,
                 **_preferences(s, subject, lang))


def _preferences(site: Site, subject: Any, lang: str) -> dict[str, Any]:
    """What the page shows: "what we may send you" (the purposes that are sent, each
    checked while it may be sent) apart from the prohibitions (each kind the notice offers
    or that is in force, with its state)."""
    terms = marketing.current_terms(site)
    in_force = marketing.kinds_in_force(subject)
    titles = _titles(site)
    purposes = [{"key": k, "title": _loc(titles[k].get("title"), lang),
                 "description": _loc(titles[k].get("description"), lang),
                 "soft": basis != Basis.CONSENT}
                for k, basis in terms.purposes.items() if not kinds.is_use(k)]
    shown = [*terms.offered_kinds(), *(k for k in in_force if k not in terms.offered_kinds())]
    labels = KIND_LABELS[lang]
    prohibitions = [{"key": k.value, "title": labels[k.value][0], "help": labels[k.value][1],
                     "in_force": k in in_force} for k in shown]
    return {"purposes": purposes, "channels": terms.channels, "granted": _on(site, subject),
            "prohibited_all": ProhibitionKind.DIRECT_MARKETING in in_force,
            "prohibitions": prohibitions}


def _on(site: Site, subject: Any) -> set[tuple[str, str]]:
    """The purposes and channels ticked: granted, or allowed by their basis without a grant
    (a customer's soft opt-in, or unless prohibited) until the customer objects."""
    return {(v["purpose"], v["channel"]) for v in marketing.permission_views(site, subject)
            if v["state"] == State.GRANTED or v["allowed_by"] not in (None, Basis.CONSENT)}


def _download(site: Site, subject: Any) -> Response:
    """The customer's own access request (GDPR art. 15 and 20): everything held, as JSON."""
    _, data = rights.access(site, subject, f"subject:{subject.public_id}", via="signed-link")
    db.session.commit()
    resp = Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json")
    resp.headers["Content-Disposition"] = f'attachment; filename="{site.slug}-my-data.json"'
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


def _apply_preferences(site: Site, subject: Any, action: str, perms: set[str]) -> None:
    actor = f"subject:{subject.public_id}"
    evidence = marketing.Evidence(source="preferences-page", ip=request.remote_addr)
    change, _, kind_name = action.partition(":")
    if action in ("prohibit_all", "lift"):  # the whole of direct marketing, as always
        change, kind_name = ("prohibit" if action == "prohibit_all" else "lift",
                             ProhibitionKind.DIRECT_MARKETING.value)
    if change in ("prohibit", "lift") and kind_name:
        _apply_prohibition(site, subject, change, kind_name, actor, evidence)
        return
    terms = marketing.current_terms(site)
    on = _on(site, subject)
    pending = {(v["purpose"], v["channel"]) for v in marketing.permission_views(site, subject)
               if v["state"] == marketing.OptInStep.PENDING}  # unticked: withdrawn too
    for p in terms.purposes:
        if kinds.is_use(p):  # not something sent: a prohibition kind governs it
            continue
        for c in terms.channels:
            wanted = f"{p}:{c}" in perms
            if wanted and (p, c) not in on:
                marketing.set_permission(site, subject, p, c, State.GRANTED, actor, evidence)
            elif not wanted and ((p, c) in on or (p, c) in pending):
                marketing.set_permission(site, subject, p, c, State.WITHDRAWN, actor, evidence)


def _apply_prohibition(site: Site, subject: Any, change: str, kind_name: str, actor: str,
                       evidence: marketing.Evidence) -> None:
    """Set a kind the notice offers, or lift one in force; anything else changes nothing."""
    try:
        kind = ProhibitionKind(kind_name)
    except ValueError:
        return
    if change == "prohibit" and kind in marketing.current_terms(site).offered_kinds():
        marketing.set_prohibition(site, subject, kind, State.PROHIBITED, actor, evidence)
    elif change == "lift" and kind in marketing.kinds_in_force(subject):
        marketing.set_prohibition(site, subject, kind, State.LIFTED, actor, evidence)


def init_app(app: Flask) -> None:
    """Register the pages; their POSTs share the public write rate limit when it exists."""
    app.register_blueprint(bp)
    limiter = app.extensions.get("lupa_limiter")
    if limiter is None:
        return
    write = limiter.shared_limit(str(app.config["LUPA_RATELIMIT_PUBLIC_WRITE"]),
                                 "public-write", exempt_when=lambda: request.method != "POST")
    for endpoint in LIMITED_ENDPOINTS:
        if endpoint in app.view_functions:
            app.view_functions[endpoint] = write(app.view_functions[endpoint])

