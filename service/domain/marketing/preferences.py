"""Preference links: mailed only to an address of the subject, on request from the
tokenless page (`/sites/{site}/preferences`), never handed to a sender.

A preference link names the subject and the identifier it was mailed to. Any change made
through it first proves that address (`email-link`). Downloading or erasing the subject's
data needs that proof and a link at most LUPA_RIGHTS_LINK_MAX_AGE seconds old; sms and
phone grants need a proven phone number (domain/marketing/phone_codes.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app

from service.domain import audit
from service.domain.marketing import mailer, subjects, tokens, verification
from service.domain.marketing.identifiers import InvalidIdentifier, normalise
from service.errors import InvalidInput
from service.models import Site, Subject, SubjectIdentifier
from service.models.types import utcnow

SUBJECT_LINE = {
    "fi": "Markkinointilupasi – {site}",
    "sv": "Dina marknadsföringstillstånd – {site}",
    "en": "Your marketing permissions – {site}",
}
BODY = {
    "fi": "Hei,\n\nvoit hallita markkinointilupiasi ja tietojasi tästä linkistä:\n{link}\n\n"
          "{valid_for} Tietojesi lataaminen ja poistaminen onnistuu sillä {rights} ajan.\n\n"
          "Jos et pyytänyt linkkiä, voit jättää tämän viestin huomiotta.\n\n{site}\n",
    "sv": "Hej,\n\ndu kan hantera dina marknadsföringstillstånd och uppgifter via länken:\n"
          "{link}\n\n{valid_for} Att ladda ner eller radera dina uppgifter går i {rights} "
          "efter att länken skickades.\n\nOm du inte bad om länken kan du ignorera detta "
          "meddelande.\n\n{site}\n",
    "en": "Hello,\n\nyou can manage your marketing permissions and your data with this link:\n"
          "{link}\n\n{valid_for} Downloading or erasing your data with it works for "
          "{rights} after it was sent.\n\nIf you did not ask for it, you can ignore this "
          "message.\n\n{site}\n",
}


@dataclass
class Access:
    """What a preference link gives: the subject, the address it was mailed to, its age."""

    subject: Subject
    identifier: SubjectIdentifier | None  # None: the subject was erased
    issued: datetime

    @property
    def actor(self) -> str:
        return subjects.pseudonym(self.subject)

    def fresh(self) -> bool:
        """Mailed recently enough to download or erase."""
        age = timedelta(seconds=int(current_app.config["LUPA_RIGHTS_LINK_MAX_AGE"]))
        return self.issued >= utcnow() - age


def request_link(site: Site, raw: str, base: str, lang: str) -> EmailMessage | None:
    """A mail with a fresh preference link when the address is a subject's (the caller
    commits, then sends it); None otherwise: the page answers the same either way."""
    try:
        email = normalise("email", raw)
    except InvalidIdentifier as exc:
        raise InvalidInput("Give an e-mail address.", {"email": [str(exc)]}) from exc
    row = verification.identifier_row(site, "email", email)
    if row is None:
        return None
    subject = verification.subject_of(row)
    if subject.wrapped_key is None or not mailer.reserve(site, email, "preferences"):
        return None
    token = tokens.make("preferences", site.id, subject.public_id, i=row.id,
                        h=verification.link_digest(row))
    audit.append(site, "visitor", "marketing.link_mailed", {"link": "preferences", "to": "email"},
                 subject=subjects.pseudonym(subject))
    link = f"{base}/sites/{site.slug}/preferences/{token}?lang={lang}"
    lang = lang if lang in SUBJECT_LINE else "fi"
    cfg = current_app.config
    text = BODY[lang].format(
        link=link, site=site.name,
        valid_for=mailer.valid_for(int(cfg["LUPA_PREFERENCES_MAX_AGE"]), lang),
        rights=mailer.duration(int(cfg["LUPA_RIGHTS_LINK_MAX_AGE"]), lang))
    return mailer.build(email, SUBJECT_LINE[lang].format(site=site.name), text)


def open_link(site: Site, token: str) -> Access:
    """400 if tampered, for another site or for an identifier no longer the subject's; 410
    if expired."""
    data, issued = tokens.read_timed("preferences", token, site.id)
    subject = subjects.get_subject(site, data["u"])
    if subject.wrapped_key is None:
        return Access(subject, None, issued)
    return Access(subject, verification.row_of(subject, data.get("i"), "email",
                                                               data.get("h")), issued)


def prove(site: Site, access: Access) -> None:
    """A POST through the link: the address it was mailed to is proven."""
    if access.identifier is not None:
        verification.mark_verified(site, access.subject, access.identifier,
                                   verification.EMAIL_LINK, access.actor)
