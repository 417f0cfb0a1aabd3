"""Subjects (customers): find or create by normalised identifiers, read them back decrypted."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from service.domain import audit
from service.domain.marketing import crypto
from service.domain.marketing.identifiers import KINDS, InvalidIdentifier, normalise
from service.errors import Conflict, InvalidInput, NotFound
from service.extensions import db
from service.models import Site, Subject, SubjectIdentifier


def pseudonym(subject: Subject) -> str:
    return f"subject:{subject.public_id}"


def normalise_all(raw: Mapping[str, Any]) -> dict[str, str]:
    """Normalise every given identifier; 422 naming each bad field (without echoing values)."""
    out: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for kind in KINDS:
        value = raw.get(kind)
        if value is None or value == "":
            continue
        try:
            out[kind] = normalise(kind, value)
        except InvalidIdentifier as exc:
            errors[kind] = [str(exc)]
    if errors:
        raise InvalidInput("Some identifiers are not valid.", errors)
    if not out:
        raise InvalidInput("Give a customer number, an email address or a phone number.",
                           {"_schema": ["no identifier"]})
    return out


def find_by_identifier(site: Site, kind: str, value: str) -> Subject | None:
    """Look a subject up by one normalised identifier."""
    digest = crypto.lookup_hash(crypto.lookup_key(site.id), kind, value)
    return db.session.execute(
        select(Subject)
        .join(SubjectIdentifier, SubjectIdentifier.subject_id == Subject.id)
        .where(SubjectIdentifier.site_id == site.id, SubjectIdentifier.lookup_hash == digest)
    ).scalar_one_or_none()


def find_or_create(site: Site, identifiers: Mapping[str, str], actor: str) -> tuple[Subject, bool]:
    """One subject for all given identifiers; new ones are attached; a clash is a 409."""
    found: dict[int, Subject] = {}
    missing: list[str] = []
    for kind, value in identifiers.items():
        subject = find_by_identifier(site, kind, value)
        if subject is None:
            missing.append(kind)
        else:
            found[subject.id] = subject
    if len(found) > 1:
        raise Conflict("These identifiers belong to different subjects.")
    created = not found
    if found:
        subject = next(iter(found.values()))
    else:
        subject = Subject(site_id=site.id, public_id=str(uuid.uuid4()))
        data_key, subject.wrapped_key = crypto.new_wrapped_key(subject.public_id)
        db.session.add(subject)
        db.session.flush()
    if missing:
        data_key = crypto.unwrap_key(subject.public_id, subject.wrapped_key)
        key = crypto.lookup_key(site.id)
        for kind in missing:
            value = identifiers[kind]
            db.session.add(SubjectIdentifier(
                site_id=site.id, subject_id=subject.id, kind=kind,
                lookup_hash=crypto.lookup_hash(key, kind, value),
                ciphertext=crypto.encrypt_identifier(data_key, kind, value),
            ))
        db.session.flush()
        audit.append(site, actor, "subject.created" if created else "subject.identifiers_added",
                     {"kinds": sorted(missing)}, subject=pseudonym(subject))
    return subject, created


def get_subject(site: Site, public_id: str) -> Subject:
    try:
        canonical = str(uuid.UUID(public_id))
    except (ValueError, AttributeError, TypeError) as exc:
        raise NotFound("No such subject.") from exc
    subject = db.session.execute(
        select(Subject).where(Subject.site_id == site.id, Subject.public_id == canonical)
    ).scalar_one_or_none()
    if subject is None:
        raise NotFound("No such subject.")
    return subject


def identifiers_of(subject: Subject) -> dict[str, str]:
    """The subject's identifiers in clear text; empty once the data key is destroyed."""
    rows = db.session.execute(
        select(SubjectIdentifier.kind, SubjectIdentifier.ciphertext)
        .where(SubjectIdentifier.subject_id == subject.id)
    ).all()
    try:
        data_key = crypto.unwrap_key(subject.public_id, subject.wrapped_key)
    except crypto.KeyUnavailable:
        return {}
    return {kind: crypto.decrypt_identifier(data_key, kind, blob) for kind, blob in rows}
