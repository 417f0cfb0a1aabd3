"""Double opt-in: a signup asks for permissions and mails a signed, expiring link to the
address given; confirming it (a POST, so that link scanners cannot) proves the address and
grants what the link names, with time and truncated IP.

A signup is anonymous, so it changes no one who is already known: an address the site does
not know becomes a new subject whose permissions are pending; a known address gets only the
mail (its subject, identifiers and permissions, withdrawn ones included, stay as they are
until the link is confirmed). A phone number given is never attached by the signup: it
travels in the link, sealed under the subject's key, and confirming the link sends a code
to it (domain/marketing/phone_codes.py); sms and phone are granted only with that code.
The answer is the same for everyone; nothing is mailed when everything asked for is
granted already, or when the address's hourly allowance of mails is spent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from flask import current_app

from service.domain import audit, notices
from service.domain.consent import parse_visitor_id
from service.domain.marketing import mailer, phone_codes, subjects, tokens, verification
from service.domain.marketing import permissions as marketing
from service.domain.marketing.states import OptInStep, PermissionState
from service.domain.marketing.verification import PHONE_CHANNELS
from service.errors import InvalidInput
from service.models import NoticeVersion, Site, Subject
from service.models.types import utcnow

SUBJECT_LINE = {
    "fi": "Vahvista tilauksesi – {site}",
    "sv": "Bekräfta din prenumeration – {site}",
    "en": "Please confirm your subscription – {site}",
}
BODY = {
    "fi": "Hei,\n\nvahvista tilauksesi avaamalla tämä linkki:\n{link}\n\n{valid_for}\n\n"
          "Jos et tilannut mitään, voit jättää tämän viestin huomiotta.\n\n{site}\n",
    "sv": "Hej,\n\nbekräfta din prenumeration genom att öppna länken:\n{link}\n\n{valid_for}\n\n"
          "Om du inte har beställt något kan du ignorera detta meddelande.\n\n{site}\n",
    "en": "Hello,\n\nplease confirm your subscription by opening this link:\n{link}\n\n"
          "{valid_for}\n\nIf you did not sign up, you can ignore this message.\n\n{site}\n",
}


@dataclass
class Signup:
    requested: list[tuple[str, str]]
    mail: EmailMessage | None = None  # to send after the commit; None: nothing to send


@dataclass
class Confirmation:
    granted: bool = False  # the link proved or granted something now (else: used before)
    phone_code: phone_codes.PhoneCode | None = None  # the form of the number's code
    code_not_sent: bool = False  # sms/phone wait for a code that cannot be sent now


def _validated(site: Site, body: dict[str, Any]) -> tuple[dict[str, str], NoticeVersion,
                                                          dict[str, Any]]:
    """The normalised identifiers, the notice version shown and the evidence's details;
    422 naming each field that does not fit that version."""
    identifiers = subjects.normalise_all({"email": body["email"], "phone": body.get("phone")})
    try:
        version = notices.get_version(site, body["notice_version"])
    except Exception as exc:
        raise InvalidInput("That notice version was never published.",
                           {"notice_version": ["unknown version"]}) from exc
    offered = version.data.get("marketing") or {}
    purposes = {p["key"] for p in offered.get("purposes", [])}
    channels = set(offered.get("channels", []))
    errors: dict[str, list[str]] = {}
    if set(body["purposes"]) - purposes:
        errors["purposes"] = ["not offered by that notice version"]
    if set(body["channels"]) - channels:
        errors["channels"] = ["not offered by that notice version"]
    if set(body["channels"]) & set(PHONE_CHANNELS) and "phone" not in identifiers:
        errors["phone"] = ["needed for the sms and phone channels"]
    details: dict[str, Any] = {"language": body.get("language", "fi")}
    if body.get("visitor_id"):
        details["visitor_id"] = parse_visitor_id(body["visitor_id"])
    if errors:
        raise InvalidInput("The signup does not fit the notice.", errors)
    return identifiers, version, details


def start(site: Site, body: dict[str, Any], ip: str | None, base: str) -> Signup:
    """Validate, record what a new address asks for, build the mail (the caller commits,
    then sends it)."""
    identifiers, version, details = _validated(site, body)
    email, lang = identifiers["email"], str(details["language"])
    requested = [(p, c) for p in sorted(set(body["purposes"]))
                 for c in sorted(set(body["channels"]))]
    row = verification.identifier_row(site, "email", email)
    if row is None:
        subject, _ = subjects.find_or_create(site, {"email": email}, "visitor")
        row = verification.identifier_row(site, "email", email)
        assert row is not None
        evidence = marketing.Evidence(source="website-signup", notice_version=version.number,
                                      ip=ip, details=details)
        for purpose, channel in requested:
            marketing.set_permission(site, subject, purpose, channel, OptInStep.PENDING,
                                     subjects.pseudonym(subject), evidence)
    else:
        subject = verification.subject_of(row)
    rows = marketing.rows_of(subject)
    outstanding = [pc for pc in requested
                   if pc not in rows or rows[pc].state != PermissionState.GRANTED]
    if not outstanding or not _may_mail(site, email, outstanding):
        return Signup(requested)
    data: dict[str, Any] = {"i": row.id, "h": verification.link_digest(row), "v": version.number,
                            "pc": [list(p) for p in outstanding], "t": utcnow().timestamp()}
    if "phone" in identifiers and any(c in PHONE_CHANNELS for _, c in outstanding):
        data["ph"] = verification.seal(subject, "phone", identifiers["phone"])
    token = tokens.make("optin", site.id, subject.public_id, **data)
    audit.append(site, "visitor", "marketing.link_mailed",
                 {"link": "optin", "to": "email", "pairs": data["pc"]},
                 subject=subjects.pseudonym(subject))
    link = f"{base}/sites/{site.slug}/confirm/{token}?lang={lang}"
    subject_line, text = confirmation_mail(site, link, lang)
    return Signup(requested, mailer.build(email, subject_line, text))


def _may_mail(site: Site, email: str, pairs: list[tuple[str, str]]) -> bool:
    """One confirm mail an hour for the same address and permissions, within the address's
    allowance (a preference link the person asks for has its own)."""
    scope = "optin:" + ",".join(f"{p}/{c}" for p, c in pairs)
    return mailer.reserve(site, email, scope, limit=1) and mailer.reserve(site, email)


def confirmation_mail(site: Site, link: str, language: str) -> tuple[str, str]:
    """The confirmation mail's subject line and text, with the link's lifetime."""
    lang = language if language in SUBJECT_LINE else "fi"
    lifetime = mailer.valid_for(int(current_app.config["LUPA_OPTIN_MAX_AGE"]), lang)
    return (SUBJECT_LINE[lang].format(site=site.name),
            BODY[lang].format(link=link, site=site.name, valid_for=lifetime))


@dataclass
class LinkStatus:
    """What a confirmation link asks for and what has become of it: when it was confirmed
    (None: not yet) and each pair's state now (active, waiting for the phone's code, or
    stopped since)."""

    pairs: list[tuple[str, str]]
    confirmed_at: datetime | None
    states: dict[tuple[str, str], str]


def status(site: Site, token: str) -> LinkStatus:
    """400 if tampered or for another site, 410 if expired (a used link is still read)."""
    data, signed = tokens.read_timed("optin", token, site.id)
    issued = verification.issued_at(data, signed)
    subject = subjects.get_subject(site, data["u"])
    verification.row_of(subject, data.get("i"), "email", data.get("h"))
    pairs = [(str(p), str(c)) for p, c in data.get("pc", [])]
    used = _confirmed_since(subject, pairs, issued)
    rows = marketing.rows_of(subject)
    states = {}
    for pc in pairs:
        state = rows[pc].state if pc in rows else None
        states[pc] = ("active" if state == PermissionState.GRANTED
                      else "waiting" if state == OptInStep.PENDING else "stopped")
    return LinkStatus(pairs, max(used.values()) if used else None, states)


def _confirmed_since(subject: Subject, pairs: list[tuple[str, str]],
                     issued: datetime) -> dict[tuple[str, str], datetime]:
    """The pairs of a link confirmed after it was made (by it, or a later link): done."""
    rows = marketing.rows_of(subject)
    done = {}
    for pc in pairs:
        when = rows[pc].confirmed_at if pc in rows else None
        if when is not None and when >= issued:
            done[pc] = when
    return done


def confirm(site: Site, token: str, ip: str | None, lang: str) -> Confirmation:
    """Prove the address and grant what the link names on e-mail and post; sms and phone
    wait for the code sent to the number (the caller commits, then sends the code). Pairs
    withdrawn since the link was mailed stay withdrawn."""
    data, signed = tokens.read_timed("optin", token, site.id)
    issued = verification.issued_at(data, signed)
    subject = subjects.get_subject(site, data["u"])
    row = verification.row_of(subject, data.get("i"), "email", data.get("h"))
    actor = subjects.pseudonym(subject)
    proved = verification.mark_verified(site, subject, row, verification.EMAIL_LINK, actor)
    version = int(data.get("v", 0)) or None
    items = [(str(p), str(c)) for p, c in data.get("pc", [])]
    # A used link grants nothing again: what was withdrawn since stays withdrawn.
    used = _confirmed_since(subject, items, issued)
    items = [pc for pc in items if pc not in used]
    by_mail = [pc for pc in items if pc[1] not in PHONE_CHANNELS]
    by_phone = [pc for pc in items if pc[1] in PHONE_CHANNELS]
    granted = verification.grant_confirmed(site, subject, by_mail, version, ip, actor,
                                           "double-opt-in", issued)
    done = Confirmation(proved or bool(granted))
    phone = verification.unseal(subject, "phone", data.get("ph"))
    rows = marketing.rows_of(subject)
    waiting = [pc for pc in by_phone
               if (pc not in rows or rows[pc].state != PermissionState.GRANTED)
               and not verification.withdrawn_since(rows.get(pc), issued)]
    if not waiting or phone is None:
        return done
    known = verification.identifier_row(site, "phone", phone)
    if known is not None and known.subject_id == subject.id and known.verified_at is not None:
        done.granted |= bool(verification.grant_confirmed(
            site, subject, waiting, version, ip, actor, "double-opt-in", issued))
        return done
    done.phone_code = phone_codes.start(site, subject, phone, waiting, version, lang)
    done.code_not_sent = done.phone_code is None
    return done
