"""One-click unsubscribe (RFC 8058): the only links a sender gets.

An unsubscribe link withdraws one purpose on one channel, or every purpose (`*`) and/or
every channel (`*`), and does nothing else: it opens no preferences, downloads nothing,
erases nothing, lifts nothing. Issuing links is audited (`marketing.links_issued`: the
key that asked, purpose, channel and the subjects' pseudonyms, never a recipient)."""

from __future__ import annotations

from typing import Any

from flask import current_app

from service.domain import audit
from service.domain.marketing import permissions as marketing
from service.domain.marketing import subjects, tokens
from service.domain.marketing.identifiers import InvalidIdentifier, detect_kind, normalise
from service.domain.marketing.states import PermissionState
from service.errors import InvalidInput, Unavailable
from service.models import Site, Subject

ONE_CLICK = "List-Unsubscribe=One-Click"
ANY = marketing.ANY


def public_base() -> str:
    """The base of every link in a mail or a header: LUPA_PUBLIC_URL, never the request's
    Host (a client chooses that); 503 when it is not set, before anything is changed."""
    base = current_app.config.get("LUPA_PUBLIC_URL")
    if not base:
        raise Unavailable("Links cannot be built: LUPA_PUBLIC_URL is not set.")
    return str(base).rstrip("/")


def unsubscribe_url(site: Site, subject: Subject, purpose: str, channel: str, base: str) -> str:
    token = tokens.make("unsubscribe", site.id, subject.public_id, p=purpose, c=channel)
    return f"{base}/sites/{site.slug}/unsubscribe/{token}"


def header_values(site: Site, subject: Subject, purpose: str, channel: str,
                  base: str) -> dict[str, str]:
    """`List-Unsubscribe` and `List-Unsubscribe-Post` header values for one recipient."""
    return {"list_unsubscribe": f"<{unsubscribe_url(site, subject, purpose, channel, base)}>",
            "list_unsubscribe_post": ONE_CLICK}


def _validate(site: Site, purpose: str, channel: str) -> None:
    purposes, channels, _ = marketing.notice_marketing(site)
    errors: dict[str, list[str]] = {}
    if purpose != ANY and purpose not in purposes:
        errors["purpose"] = ["unknown"]
    if channel != ANY and channel not in channels:
        errors["channel"] = ["unknown"]
    if errors:
        raise InvalidInput("Purpose and channel must come from the site's notice (or be *).",
                           errors)


def links_for(site: Site, purpose: str, channel: str, id_type: str, recipients: list[str],
              base: str, actor: str) -> list[dict[str, Any]]:
    """Header values per recipient, and one audit entry for the lot (caller commits)."""
    _validate(site, purpose, channel)
    out = []
    issued: list[str] = []
    for raw in recipients:
        entry: dict[str, Any] = {"recipient": raw, "list_unsubscribe": None,
                                 "list_unsubscribe_post": None, "error": None}
        try:
            kind = detect_kind(raw) if id_type == "auto" else id_type
            subject = subjects.find_by_identifier(site, kind, normalise(kind, raw))
        except InvalidIdentifier:
            entry["error"] = "invalid"
            out.append(entry)
            continue
        if subject is None:
            entry["error"] = "unknown"
        else:
            entry.update(header_values(site, subject, purpose, channel, base))
            issued.append(subjects.pseudonym(subject))
        out.append(entry)
    audit.append(site, actor, "marketing.links_issued",
                 {"link": "unsubscribe", "purpose": purpose, "channel": channel,
                  "subjects": issued, "recipients": len(recipients)})
    return out


def read_unsubscribe(site: Site, token: str) -> tuple[Subject, str, str]:
    data = tokens.read("unsubscribe", token, site.id)
    subject = subjects.get_subject(site, data["u"])
    return subject, str(data.get("p")), str(data.get("c"))


def unsubscribe(site: Site, token: str, ip: str | None) -> tuple[str, str]:
    """Withdraw the permission the link was made for (-> its purpose and channel); the
    caller commits."""
    subject, purpose, channel = read_unsubscribe(site, token)
    marketing.set_permission(
        site, subject, purpose, channel, PermissionState.WITHDRAWN, f"subject:{subject.public_id}",
        marketing.Evidence(source="one-click-unsubscribe", ip=ip),
    )
    return purpose, channel
