"""Outgoing mail (double opt-in, preference links): SMTP (LUPA_SMTP_*), or the console when
no host is set or LUPA_MAIL_BACKEND=console (`lupa serve` refuses to start with neither).
Mails leave off the request (domain/marketing/outbox.py), at most
LUPA_MESSAGES_PER_RECIPIENT_HOUR per recipient (domain/marketing/throttle.py)."""

from __future__ import annotations

import logging
import smtplib
import ssl
import sys
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from flask import current_app

from service.domain.marketing import outbox, throttle
from service.errors import Unavailable
from service.models import Site

log = logging.getLogger("lupa.mailer")

SMTP_SETTINGS = ("LUPA_MAIL_BACKEND", "LUPA_SMTP_HOST", "LUPA_SMTP_PORT", "LUPA_SMTP_TIMEOUT",
                 "LUPA_SMTP_SECURITY", "LUPA_SMTP_USER", "LUPA_SMTP_PASSWORD")


# A link's lifetime in words, per language: (singular, plural) of each unit.
UNITS = {
    # Finnish: the genitive of "X ajan" ("for X"), the same after every number.
    "fi": {"day": ("päivän", "päivän"), "hour": ("tunnin", "tunnin"),
           "minute": ("minuutin", "minuutin")},
    "sv": {"day": ("dag", "dagar"), "hour": ("timme", "timmar"), "minute": ("minut", "minuter")},
    "en": {"day": ("day", "days"), "hour": ("hour", "hours"), "minute": ("minute", "minutes")},
}
VALID_FOR = {
    "fi": "Linkki on voimassa {duration} ajan.",
    "sv": "Länken gäller i {duration}.",
    "en": "The link works for {duration}.",
}


def duration(seconds: int, lang: str) -> str:
    """A lifetime in whole days, hours or minutes (the largest unit that divides it, so
    that 48 hours reads "2 days" and 90 minutes "90 minutes"), in fi, sv or en."""
    units = UNITS.get(lang, UNITS["fi"])
    for unit, size in (("day", 86400), ("hour", 3600)):
        if seconds >= size and seconds % size == 0:
            n = seconds // size
            return f"{n} {units[unit][0 if n == 1 else 1]}"
    n = max(1, round(seconds / 60))
    return f"{n} {units['minute'][0 if n == 1 else 1]}"


def valid_for(seconds: int, lang: str) -> str:
    """The sentence a mail gives for its link's lifetime."""
    return VALID_FOR.get(lang, VALID_FOR["fi"]).format(duration=duration(seconds, lang))


def build(to: str, subject: str, body: str) -> EmailMessage:
    cfg = current_app.config
    msg = EmailMessage()
    msg["From"] = cfg["LUPA_SMTP_FROM"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="lupa.invalid")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(body)
    return msg


def reserve(site: Site, to: str, scope: str = "", limit: int | None = None) -> bool:
    """Count a mail to this address against its hourly allowance (caller's transaction);
    a scope has an allowance of its own (domain/marketing/throttle.py)."""
    return throttle.reserve(site, "email", to, scope, limit)


def send_later(msg: EmailMessage) -> None:
    """Hand the mail to the sender thread (after the caller's commit)."""
    cfg = {name: current_app.config.get(name) for name in SMTP_SETTINGS}
    outbox.submit(lambda: deliver(cfg, msg))


def deliver(cfg: Mapping[str, Any], msg: EmailMessage) -> None:
    """One delivery; 503 if the SMTP server cannot take it (the address is never logged)."""
    host = cfg.get("LUPA_SMTP_HOST")
    if not host or cfg.get("LUPA_MAIL_BACKEND") == "console":
        # Embedded demo: show the mail on the console, decoded, so the link can be followed.
        head = "".join(f"{k}: {msg[k]}\n" for k in ("From", "To", "Subject"))
        sys.stdout.write(f"\n----- mail (console: not sent) -----\n{head}\n"
                         f"{msg.get_content()}-----\n")
        sys.stdout.flush()
        return
    port, timeout = int(cfg["LUPA_SMTP_PORT"]), float(cfg["LUPA_SMTP_TIMEOUT"])
    security = cfg.get("LUPA_SMTP_SECURITY") or "starttls"
    try:
        smtp: smtplib.SMTP
        if security == "ssl":
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            if security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if cfg.get("LUPA_SMTP_USER"):
                smtp.login(cfg["LUPA_SMTP_USER"], cfg.get("LUPA_SMTP_PASSWORD") or "")
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("mail not sent: %s", type(exc).__name__)
        raise Unavailable("The mail could not be sent; try again later.") from exc
