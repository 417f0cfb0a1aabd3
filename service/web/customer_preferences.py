"""The customer's preferences: the tokenless page that mails a preference link to an address
the site knows (the same answer for any address), and the page behind that link: what may
be sent, prohibitions by kind, a code to prove the phone number, and the customer's own
data-subject requests (download everything held, erase), which need a fresh link."""

from __future__ import annotations

from typing import Any

from flask import Response, json, request

from service.domain import marketing, rights, sites
from service.domain.marketing import (
    kinds,
    mailer,
    permission_cache,
    phone_codes,
    preferences,
    subjects,
    tokens,
    unsubscribe,
    verification,
)
from service.domain.marketing.kinds import ProhibitionKind
from service.domain.marketing.states import Basis
from service.domain.marketing.states import PermissionState as State
from service.domain.marketing.verification import PHONE_CHANNELS
from service.errors import InvalidInput, NotFound
from service.extensions import db
from service.models import Site
from service.web.customer_base import (
    bp,
    error,
    lang_of,
    loc,
    page,
    request_url,
    titles,
    with_lang,
)
from service.web.customer_labels import KIND_LABELS, LABELS

LIMITED_ENDPOINTS = ("customer.preferences_page", "customer.request_page")


@bp.route("/preferences", methods=["GET", "POST"])
def request_page(site: str) -> Response:
    """Ask for a preference link by e-mail; a known address gets one (off the request)."""
    s = sites.get_site(site)
    lang = lang_of(s)
    if request.method == "GET":
        return page("customer/request.html", s, "preferences_title")
    base = unsubscribe.public_base()
    try:
        mail = preferences.request_link(s, request.form.get("email", ""), base, lang)
    except InvalidInput:
        return page("customer/request.html", s, "preferences_title", status=422,
                    message=LABELS[lang]["request_invalid"])
    db.session.commit()
    if mail is not None:
        mailer.send_later(mail)
    return page("customer/request.html", s, "preferences_title", done=True,
                message=LABELS[lang]["request_sent"])


@bp.route("/preferences/<token>", methods=["GET", "POST"])
def preferences_page(site: str, token: str) -> Response:
    s = sites.get_site(site)
    lang = lang_of(s)
    t = LABELS[lang]
    try:
        access = preferences.open_link(s, token)
    except (tokens.LinkInvalid, tokens.LinkExpired, NotFound) as exc:
        return error(s, exc, "preferences_title")
    subject = access.subject
    if subject.wrapped_key is None:  # erased earlier: nothing left to manage
        return page("customer/done.html", s, "preferences_title", message=t["erased"])
    message, code_url = None, None
    action = request.form.get("action", "") if request.method == "POST" else ""
    if request.method == "POST":
        preferences.prove(s, access)  # the link was mailed to this address
    if action in ("download", "erase") and not access.fresh():
        db.session.commit()
        message = t["link_too_old"]
    elif action == "download":
        return _download(s, subject)
    elif action == "erase":
        if request.form.get("confirm") != "yes":
            message = t["erase_unconfirmed"]
        else:
            req = rights.erase(s, subject, access.actor, via="signed-link")
            db.session.commit()
            permission_cache.after_commit(s.id)
            rights.after_erasure(s, subject, req)  # the deletions made physical
            db.session.commit()
            return page("customer/done.html", s, "preferences_title", message=t["erased"])
    elif action == "verify_phone":
        code = _phone_code(s, subject, lang)
        db.session.commit()
        if code is not None:
            phone_codes.send_later(code)
            code_url = with_lang(f"/sites/{s.slug}/verify/{code.token}", lang)
        message = t["code_sent"] if code is not None else t[
            "code_not_sent" if phone_codes.available() else "sms_unavailable"]
    elif request.method == "POST":
        refused = _apply_preferences(s, subject, action, set(request.form.getlist("perm")))
        db.session.commit()
        permission_cache.after_commit(s.id)
        message = t["phone_needed"] if refused else t["saved"]
    else:
        db.session.commit()
    return page("customer/preferences.html", s, "preferences_title", message=message,
                code_url=code_url, request_url=request_url(s, lang),
                **_preferences(s, subject, lang))


def _phone_code(site: Site, subject: Any, lang: str) -> phone_codes.PhoneCode | None:
    """A code to the subject's phone number on record (none without one)."""
    phone = subjects.identifiers_of(subject).get("phone")
    if phone is None:
        return None
    return phone_codes.start(site, subject, phone, [], None, lang)


def _preferences(site: Site, subject: Any, lang: str) -> dict[str, Any]:
    """What the page shows: "what we may send you" (the purposes that are sent, each
    checked while it may be sent) apart from the prohibitions (each kind the notice offers
    or that is in force, with its state), and whether the phone number is proven."""
    terms = marketing.current_terms(site)
    in_force = marketing.kinds_in_force(subject)
    names = titles(site)
    purposes = [{"key": k, "title": loc(names[k].get("title"), lang),
                 "description": loc(names[k].get("description"), lang),
                 "soft": basis != Basis.CONSENT}
                for k, basis in terms.purposes.items() if not kinds.is_use(k)]
    shown = [*terms.offered_kinds(), *(k for k in in_force if k not in terms.offered_kinds())]
    labels = KIND_LABELS[lang]
    prohibitions = [{"key": k.value, "title": labels[k.value][0], "help": labels[k.value][1],
                     "in_force": k in in_force} for k in shown]
    phone_verified = verification.verified(subject, "phone")
    return {"purposes": purposes, "channels": terms.channels, "granted": _on(site, subject),
            "prohibited_all": ProhibitionKind.DIRECT_MARKETING in in_force,
            "prohibitions": prohibitions, "phone_verified": phone_verified,
            "phone_channels": PHONE_CHANNELS,
            "has_phone": "phone" in subjects.identifiers_of(subject)}


def _on(site: Site, subject: Any) -> set[tuple[str, str]]:
    """The purposes and channels ticked: granted, or allowed by their basis without a grant
    (a customer's soft opt-in, or unless prohibited) until the customer objects."""
    return {(v["purpose"], v["channel"]) for v in marketing.permission_views(site, subject)
            if v["state"] == State.GRANTED or v["allowed_by"] not in (None, Basis.CONSENT)}


def _download(site: Site, subject: Any) -> Response:
    """The customer's own access request (GDPR art. 15 and 20): everything held, as JSON."""
    _, data = rights.access(site, subject, subjects.pseudonym(subject), via="signed-link")
    db.session.commit()
    resp = Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json")
    resp.headers["Content-Disposition"] = f'attachment; filename="{site.slug}-my-data.json"'
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


def _apply_preferences(site: Site, subject: Any, action: str, perms: set[str]) -> bool:
    """Apply the form; True when an sms/phone grant was refused for want of a proven phone
    number."""
    actor = subjects.pseudonym(subject)
    evidence = marketing.Evidence(source="preferences-page", ip=request.remote_addr)
    change, _, kind_name = action.partition(":")
    if action in ("prohibit_all", "lift"):  # the whole of direct marketing, as always
        change, kind_name = ("prohibit" if action == "prohibit_all" else "lift",
                             ProhibitionKind.DIRECT_MARKETING.value)
    if change in ("prohibit", "lift") and kind_name:
        _apply_prohibition(site, subject, change, kind_name, actor, evidence)
        return False
    terms = marketing.current_terms(site)
    on = _on(site, subject)
    pending = {(v["purpose"], v["channel"]) for v in marketing.permission_views(site, subject)
               if v["state"] == marketing.OptInStep.PENDING}  # unticked: withdrawn too
    phone_proven = verification.verified(subject, "phone")
    refused = False
    for p in terms.purposes:
        if kinds.is_use(p):  # not something sent: a prohibition kind governs it
            continue
        for c in terms.channels:
            wanted = f"{p}:{c}" in perms
            if wanted and (p, c) not in on:
                if c in PHONE_CHANNELS and not phone_proven:
                    refused = True
                    continue
                marketing.set_permission(site, subject, p, c, State.GRANTED, actor, evidence)
            elif not wanted and ((p, c) in on or (p, c) in pending):
                marketing.set_permission(site, subject, p, c, State.WITHDRAWN, actor, evidence)
    return refused


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
