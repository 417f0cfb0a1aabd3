"""Customer pages behind signed links: one-click unsubscribe (RFC 8058), double opt-in
confirmation and the SMS code that proves a phone number (the preferences pages and the
customer's own data-subject requests are in customer_preferences.py); in fi, sv and en.
A GET never changes anything; the change is the POST."""

from __future__ import annotations

from flask import Flask, Response, request

from service.domain import sites
from service.domain.marketing import optin, permission_cache, phone_codes, tokens, unsubscribe
from service.domain.marketing.phone_codes import CodeResult
from service.errors import NotFound
from service.extensions import db
from service.web import customer_preferences
from service.web.customer_base import (
    bp,
    date_text,
    error,
    lang_of,
    loc,
    page,
    request_url,
    titles,
    with_lang,
)
from service.web.customer_labels import LABELS

# The signup API is limited with the public blueprints (service/limits.py); these pages here.
LIMITED_ENDPOINTS = ("customer.unsubscribe_page", "customer.confirm_page",
                     "customer.verify_page", *customer_preferences.LIMITED_ENDPOINTS)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe_page(site: str, token: str) -> Response:
    """Withdraws what the link names, and nothing else (whatever else is posted)."""
    s = sites.get_site(site)
    lang = lang_of(s)
    try:
        if request.method == "POST":
            purpose, channel = unsubscribe.unsubscribe(s, token, request.remote_addr)
            db.session.commit()
            permission_cache.after_commit(s.id)
            done, message = True, LABELS[lang]["unsubscribed"]
        else:
            _, purpose, channel = unsubscribe.read_unsubscribe(s, token)
            done, message = False, None
    except (tokens.LinkInvalid, tokens.LinkExpired, NotFound) as exc:
        db.session.rollback()
        return error(s, exc, "unsubscribe_title")
    title = (LABELS[lang]["all_purposes"] if purpose == unsubscribe.ANY
             else loc(titles(s).get(purpose, {}).get("title"), lang) or purpose)
    channel_title = (LABELS[lang]["all_channels"] if channel == unsubscribe.ANY
                     else LABELS[lang].get(channel, channel))
    return page("customer/unsubscribe.html", s, "unsubscribe_title", done=done,
                message=message, purpose_title=title, channel_title=channel_title,
                request_url=request_url(s, lang))


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm_page(site: str, token: str) -> Response:
    """Offers the confirmation until it is done; then says what the link did, when, and
    how each thing it asked for stands now (a used link offers nothing again)."""
    s = sites.get_site(site)
    lang = lang_of(s)
    t = LABELS[lang]
    code = None
    try:
        if request.method == "POST":
            done_ = optin.confirm(s, token, request.remote_addr, lang)
            db.session.commit()
            permission_cache.after_commit(s.id)
            code = done_.phone_code
            if code is not None:
                phone_codes.send_later(code)
        state = optin.status(s, token)
    except (tokens.LinkInvalid, tokens.LinkExpired, NotFound) as exc:
        db.session.rollback()
        return error(s, exc, "confirm_title")
    names = titles(s)
    items = [{"purpose": loc(names.get(p, {}).get("title"), lang) or p,
              "channel": t.get(c, c), "state": state.states[(p, c)]}
             for p, c in state.pairs]
    if request.method == "POST":
        message = t[_confirm_message(done_)]
    elif state.confirmed_at is not None:
        message = t["confirmed_on"].format(date=date_text(state.confirmed_at, lang))
    else:
        message = None
    return page("customer/confirm.html", s, "confirm_title", message=message, items=items,
                done=message is not None, request_url=request_url(s, lang),
                code_url=with_lang(f"/sites/{s.slug}/verify/{code.token}", lang)
                if code else None)


def _confirm_message(done: optin.Confirmation) -> str:
    if done.code_not_sent:
        return "code_not_sent" if phone_codes.available() else "sms_unavailable"
    return "confirmed" if done.granted or done.phone_code else "link_used"


@bp.route("/verify/<token>", methods=["GET", "POST"])
def verify_page(site: str, token: str) -> Response:
    """The form for the code sent to a phone number; the right code proves the number and
    grants the sms/phone permissions it was sent for."""
    s = sites.get_site(site)
    t = LABELS[lang_of(s)]
    try:
        if request.method == "POST":
            result, left = phone_codes.enter(s, token, request.form.get("code", ""),
                                             request.remote_addr)
            db.session.commit()
            permission_cache.after_commit(s.id)
        else:
            phone_codes.read(s, token)
            result, left = None, 0
    except (tokens.LinkInvalid, tokens.LinkExpired, NotFound) as exc:
        db.session.rollback()
        return error(s, exc, "code_title")
    message = {None: None, CodeResult.VERIFIED: t["code_verified"],
               CodeResult.WRONG: t["code_wrong"].format(left=left),
               CodeResult.USED_UP: t["code_used_up"]}[result]
    status = 422 if result == CodeResult.WRONG else 200
    return page("customer/verify.html", s, "code_title", status=status, message=message,
                done=result in (CodeResult.VERIFIED, CodeResult.USED_UP))


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
