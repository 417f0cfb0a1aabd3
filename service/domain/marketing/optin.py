"""Double opt-in: a signup records pending permissions and mails a signed, expiring link;
confirming it (a POST, so that link scanners cannot) grants them with time and truncated IP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.domain import notices
from service.domain.consent import parse_visitor_id
from service.domain.marketing import permissions as marketing
from service.domain.marketing import subjects, tokens
from service.domain.marketing.states import OptInStep
from service.errors import InvalidInput
from service.models import Site, Subject

SUBJECT_LINE = {
    "fi": "Vahvista tilauksesi – {site}",
    "sv": "Bekräfta din prenumeration – {site}",
    "en": "Please confirm your subscription – {site}",
}
BODY = {
    "fi": "Hei,\n\nvahvista tilauksesi avaamalla tämä linkki:\n{link}\n\nJos et tilannut "
          "mitään, voit jättää tämän viestin huomiotta.\n\n{site}\n",
    "sv": "Hej,\n\nbekräfta din prenumeration genom att öppna länken:\n{link}\n\nOm du inte "
          "har beställt något kan du ignorera detta meddelande.\n\n{site}\n",
    "en": "Hello,\n\nplease confirm your subscription by opening this link:\n{link}\n\nIf you "
          "did not sign up, you can ignore this message.\n\n{site}\n",
}


@dataclass
class Signup:
    subject: Subject
    email: str
    pending: list[tuple[str, str]]
    token: str


def start(site: Site, body: dict[str, Any], ip: str | None) -> Signup:
    """Validate against the notice version shown, find or create the subject, mark pending."""
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
    if "sms" in body["channels"] or "phone" in body["channels"]:
        if "phone" not in identifiers:
            errors["phone"] = ["needed for the sms and phone channels"]
    details: dict[str, Any] = {"language": body.get("language", "fi")}
    if body.get("visitor_id"):
        details["visitor_id"] = parse_visitor_id(body["visitor_id"])
    if errors:
        raise InvalidInput("The signup does not fit the notice.", errors)
    subject, _ = subjects.find_or_create(site, identifiers, "visitor")
    actor = f"subject:{subject.public_id}"
    evidence = marketing.Evidence(source="website-signup", notice_version=version.number, ip=ip,
                                  details=details)
    pending = []
    for purpose in sorted(set(body["purposes"])):
        for channel in sorted(set(body["channels"])):
            if marketing.set_permission(site, subject, purpose, channel, OptInStep.PENDING, actor,
                                        evidence):
                pending.append((purpose, channel))
    token = tokens.make("optin", site.id, subject.public_id, v=version.number,
                        pc=[[p, c] for p in sorted(set(body["purposes"]))
                            for c in sorted(set(body["channels"]))])
    return Signup(subject, identifiers["email"], pending, token)


def confirmation_mail(site: Site, signup: Signup, link: str, language: str) -> tuple[str, str]:
    lang = language if language in SUBJECT_LINE else "fi"
    return (SUBJECT_LINE[lang].format(site=site.name),
            BODY[lang].format(link=link, site=site.name))


def read(site: Site, token: str) -> tuple[Subject, list[tuple[str, str]], int]:
    data = tokens.read("optin", token, site.id)
    subject = subjects.get_subject(site, data["u"])
    items = [(str(p), str(c)) for p, c in data.get("pc", [])]
    return subject, items, int(data.get("v", 0))


def confirm(site: Site, token: str, ip: str | None) -> tuple[Subject, list[tuple[str, str]]]:
    """Grant every pending permission of the link; the caller commits."""
    subject, items, version = read(site, token)
    actor = f"subject:{subject.public_id}"
    evidence = marketing.Evidence(source="double-opt-in", notice_version=version or None, ip=ip)
    confirmed = [(p, c) for p, c in items
                 if marketing.set_permission(site, subject, p, c, OptInStep.CONFIRMED, actor,
                                             evidence)]
    return subject, confirmed
