"""Proving a phone number with a code sent by SMS (domain/marketing/sms.py).

A code is asked for by a person who already proved their e-mail address (a confirmed
signup that asked for sms/phone) or holds a preferences link mailed to them. The number is
kept encrypted under that subject's data key and the six-digit code only as a keyed hash;
it expires after LUPA_SMS_CODE_MAX_AGE seconds and allows LUPA_SMS_CODE_ATTEMPTS tries,
each counted by one atomic UPDATE before the code is compared (tries sent together are each
counted). A number has one live code at a time: asking again for the same subject shows the
same code's form (nothing is sent again), a new code for the number ends the older ones, and
a number gets at most DAILY_TRIES x LUPA_SMS_CODE_ATTEMPTS tries a day over all its codes.
Each code sent is audited (`marketing.code_sent`: the subject's pseudonym, never the number).
The right code proves the number: unknown to the site, it becomes the subject's (replacing
its phone); already someone's, that subject's number is marked proven and the grants go to
that subject (the code proves the number, not the e-mail address: no two subjects are ever
merged from the customer pages). Then the sms/phone permissions asked for are granted.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from flask import current_app
from sqlalchemy import func, select, update

from service.domain import audit
from service.domain.marketing import crypto, outbox, sms, subjects, throttle, tokens, verification
from service.extensions import db
from service.models import IdentifierChallenge, Site, Subject
from service.models.types import utcnow

TEXT = {
    "fi": "{code} on vahvistuskoodisi ({site}). Älä kerro sitä kenellekään.",
    "sv": "{code} är din bekräftelsekod ({site}). Berätta den inte för någon.",
    "en": "{code} is your confirmation code ({site}). Do not share it.",
}
DAILY_TRIES = 3  # x LUPA_SMS_CODE_ATTEMPTS: the tries one number gets a day, over its codes
DAY = timedelta(days=1)


class CodeResult(StrEnum):
    VERIFIED = "verified"  # the number is proven (now, or before with this code)
    WRONG = "wrong"  # not the code; tries are left
    USED_UP = "used_up"  # every try spent: ask for a new code


@dataclass(frozen=True)
class PhoneCode:
    """A code to send once the caller has committed, and the link of its form; text None:
    the live code sent before is shown again, nothing is sent."""

    token: str
    to: str
    text: str | None


def _code_hash(site: Site, challenge_id: str, code: str) -> bytes:
    return hmac.digest(crypto.lookup_key(site.id), f"lupa/sms-code/{challenge_id}/{code}".encode(),
                       hashlib.sha256)


def available() -> bool:
    """Whether codes can be sent at all (an SMS gateway, or the demo's console)."""
    return sms.backend(current_app.config) is not None


def _limit() -> int:
    return int(current_app.config["LUPA_SMS_CODE_ATTEMPTS"])


def _live(site: Site, number: bytes, now: datetime) -> list[IdentifierChallenge]:
    """The number's codes that can still be entered."""
    return list(db.session.execute(
        select(IdentifierChallenge).where(
            IdentifierChallenge.site_id == site.id, IdentifierChallenge.number_hash == number,
            IdentifierChallenge.verified_at.is_(None), IdentifierChallenge.expires_at >= now,
            IdentifierChallenge.attempts < _limit())
        .order_by(IdentifierChallenge.id)).scalars())


def _tries_today(site: Site, number: bytes) -> int:
    return int(db.session.execute(
        select(func.coalesce(func.sum(IdentifierChallenge.attempts), 0)).where(
            IdentifierChallenge.site_id == site.id, IdentifierChallenge.number_hash == number,
            IdentifierChallenge.created_at >= utcnow() - DAY)).scalar_one())


def start(site: Site, subject: Subject, phone: str, grants: list[tuple[str, str]],
          version: int | None, lang: str) -> PhoneCode | None:
    """A code for the number (caller's transaction): the subject's live one again (its
    grants widened, nothing sent), or a new one; None when the number's hourly allowance of
    messages or its day's tries are spent."""
    if not available():
        return None
    now, number = utcnow(), throttle.recipient_hash(site, "phone", phone)
    live = _live(site, number, now)
    for challenge in live:
        if challenge.subject_id == subject.id:
            pairs = [list(p) for p in challenge.grants.get("pc", [])]
            pairs += [list(p) for p in grants if list(p) not in pairs]
            challenge.grants = {"pc": pairs, "v": version or challenge.grants.get("v")}
            token = tokens.make("verify", site.id, subject.public_id, c=challenge.public_id)
            return PhoneCode(token, phone, None)
    if _tries_today(site, number) >= DAILY_TRIES * _limit() or not throttle.reserve(
            site, "phone", phone):
        return None
    for older in live:  # one live code per number
        older.expires_at = now
    code = f"{secrets.randbelow(10**6):06d}"
    challenge = IdentifierChallenge(
        public_id=str(uuid.uuid4()), site_id=site.id, subject_id=subject.id, kind="phone",
        ciphertext=crypto.encrypt_identifier(
            crypto.unwrap_key(subject.public_id, subject.wrapped_key), "phone", phone),
        number_hash=number, grants={"pc": [list(p) for p in grants], "v": version},
        attempts=0, created_at=now,
        expires_at=now + timedelta(seconds=int(current_app.config["LUPA_SMS_CODE_MAX_AGE"])))
    challenge.code_hash = _code_hash(site, challenge.public_id, code)
    db.session.add(challenge)
    db.session.flush()
    audit.append(site, subjects.pseudonym(subject), "marketing.code_sent", {"to": "phone"},
                 subject=subjects.pseudonym(subject))
    token = tokens.make("verify", site.id, subject.public_id, c=challenge.public_id)
    text = TEXT.get(lang, TEXT["fi"]).format(code=code, site=site.name)
    return PhoneCode(token, phone, text)


def send_later(code: PhoneCode) -> None:
    """Hand the SMS to the sender thread (after the caller's commit); nothing for a code
    shown again."""
    backend = sms.backend(current_app.config)
    if code.text is None or backend is None:
        return
    text = code.text
    outbox.submit(lambda: backend.send(code.to, text))


def _challenge(site: Site, token: str) -> tuple[Subject, IdentifierChallenge]:
    data = tokens.read("verify", token, site.id)
    subject = subjects.get_subject(site, data["u"])
    challenge = db.session.execute(
        select(IdentifierChallenge).where(IdentifierChallenge.public_id == str(data.get("c")),
                                          IdentifierChallenge.subject_id == subject.id)
    ).scalar_one_or_none()
    if challenge is None:
        raise tokens.LinkInvalid("This link is not valid.")
    return subject, challenge


def read(site: Site, token: str) -> None:
    """400/410 unless the link names a code that can still be entered."""
    _subject, challenge = _challenge(site, token)
    if challenge.verified_at is None and challenge.expires_at < utcnow():
        raise tokens.LinkExpired("This link has expired.")


def _count_try(site: Site, challenge: IdentifierChallenge) -> int | None:
    """Count one try, atomically (tries sent together are each counted): the tries made now,
    or None when none is left (this code's or the number's day's)."""
    if challenge.number_hash is not None and _tries_today(
            site, challenge.number_hash) >= DAILY_TRIES * _limit():
        return None
    table = IdentifierChallenge
    tries = db.session.execute(
        update(table).where(table.id == challenge.id, table.attempts < _limit(),
                            table.verified_at.is_(None), table.expires_at >= utcnow())
        .values(attempts=table.attempts + 1).returning(table.attempts)
        .execution_options(synchronize_session=False)).scalar_one_or_none()
    return None if tries is None else int(tries)


def enter(site: Site, token: str, code: str, ip: str | None) -> tuple[CodeResult, int]:
    """Check one try (the caller commits, a wrong try counts); -> result, tries left."""
    subject, challenge = _challenge(site, token)
    limit = _limit()
    if challenge.verified_at is not None:
        return CodeResult.VERIFIED, 0
    if challenge.expires_at < utcnow():
        raise tokens.LinkExpired("This link has expired.")
    tries = _count_try(site, challenge)
    if tries is None:
        return CodeResult.USED_UP, 0
    given = (code or "").strip()
    if not hmac.compare_digest(_code_hash(site, challenge.public_id, given), challenge.code_hash):
        left = limit - tries
        return (CodeResult.WRONG if left else CodeResult.USED_UP), left
    claimed = db.session.execute(
        update(IdentifierChallenge).where(IdentifierChallenge.id == challenge.id,
                                          IdentifierChallenge.verified_at.is_(None))
        .values(verified_at=utcnow()).returning(IdentifierChallenge.id)
        .execution_options(synchronize_session=False)).scalar_one_or_none()
    if claimed is not None:  # else the same code, sent twice at once, proved it already
        _prove(site, subject, challenge, ip)
    return CodeResult.VERIFIED, limit - tries


def _prove(site: Site, subject: Subject, challenge: IdentifierChallenge, ip: str | None) -> None:
    phone = crypto.decrypt_identifier(crypto.unwrap_key(subject.public_id, subject.wrapped_key),
                                      "phone", challenge.ciphertext)
    row = verification.identifier_row(site, "phone", phone)
    if row is None:
        row = verification.attach_verified(site, subject, "phone", phone,
                                           verification.SMS_CODE, subjects.pseudonym(subject))
    owner = subject if row.subject_id == subject.id else verification.subject_of(row)
    actor = subjects.pseudonym(owner)
    verification.mark_verified(site, owner, row, verification.SMS_CODE, actor)
    pairs = [(str(p), str(c)) for p, c in challenge.grants.get("pc", [])]
    version = challenge.grants.get("v")
    verification.grant_confirmed(site, owner, pairs, int(version) if version else None, ip,
                                 actor, "sms-code", challenge.created_at)
