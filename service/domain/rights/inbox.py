"""Requests that came by e-mail, letter or phone: recorded when received (status `received`),
listed with their deadline, and carried out later by the same functions as the API's
(requests.py), so a recorded request is completed exactly as an immediate one is.

The deadline is one month of receipt (GDPR art. 12(3)): the same date of the next month
(a missing day is the month's last, as EU Regulation 1182/71 counts months), but never later
than the 30 days the promise report checks, so the inbox never calls due what the report
calls late."""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from service.domain import audit
from service.domain.audit.canonical import iso_utc
from service.domain.marketing import subjects
from service.domain.marketing.identifiers import KINDS as IDENTIFIER_KINDS
from service.domain.promises.rights import ONE_MONTH
from service.domain.rights import requests
from service.errors import Conflict, InvalidInput, NotFound
from service.extensions import db
from service.models import Site, Subject, SubjectRequest
from service.models.types import utcnow

CHANNELS = ("email", "letter", "phone", "in_person")
NOTE_MAX = 2000


def due_at(received: datetime) -> datetime:
    """One month of receipt; see the module docstring."""
    year, month = (received.year + 1, 1) if received.month == 12 else \
        (received.year, received.month + 1)
    day = min(received.day, calendar.monthrange(year, month)[1])
    return min(received.replace(year=year, month=month, day=day), received + ONE_MONTH)


def record(site: Site, kind: str, identifier_kind: str, identifier: str, channel: str,
           actor: str, received_at: datetime | None = None,
           note: str | None = None) -> SubjectRequest:
    """Record a request received by `channel`, to be completed later. The person is found by
    one identifier; a request about nobody the site holds is refused (there is nothing to
    export, correct or erase: answer so)."""
    if kind not in requests.KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(requests.KINDS)}.",
                           {"kind": ["unknown kind"]})
    if channel not in CHANNELS:
        raise InvalidInput(f"channel must be one of {', '.join(CHANNELS)}.",
                           {"channel": ["unknown channel"]})
    if identifier_kind not in IDENTIFIER_KINDS:
        raise InvalidInput(f"identifier kind must be one of {', '.join(IDENTIFIER_KINDS)}.",
                           {"identifier_kind": ["unknown kind"]})
    if note is not None and len(note) > NOTE_MAX:
        raise InvalidInput(f"A note is at most {NOTE_MAX} characters.", {"note": ["too long"]})
    value = subjects.normalise_all({identifier_kind: identifier})[identifier_kind]
    subject = subjects.find_by_identifier(site, identifier_kind, value)
    if subject is None:
        raise NotFound(f"Site {site.slug!r} holds nobody with that {identifier_kind}: there is "
                       "nothing to export, correct or erase; tell the person so.",
                       {"identifier": ["no subject"]})
    if received_at is not None and received_at > utcnow():
        raise InvalidInput("received_at cannot be in the future.",
                           {"received_at": ["in the future"]})
    if subject.wrapped_key is None and kind != "access":
        raise Conflict("This subject has been erased.")
    req = SubjectRequest(public_id=str(uuid.uuid4()), site_id=site.id, subject_id=subject.id,
                         kind=kind, status="received", via=channel, actor=actor,
                         received_at=received_at or utcnow(), outcome={},
                         note=(note or "").strip() or None)
    db.session.add(req)
    db.session.flush()
    audit.append(site, actor, "rights.received",
                 {"request": req.public_id, "kind": kind, "via": channel,
                  "received_at": iso_utc(req.received_at)},
                 subject=subjects.pseudonym(subject))
    return req


def get_request(site: Site, request_id: str) -> tuple[SubjectRequest, Subject]:
    row = db.session.execute(
        select(SubjectRequest, Subject).join(Subject, Subject.id == SubjectRequest.subject_id)
        .where(SubjectRequest.site_id == site.id, SubjectRequest.public_id == str(request_id))
    ).first()
    if row is None:
        raise NotFound(f"Site {site.slug!r} has no request {str(request_id)[:40]!r}.",
                       {"request": ["unknown"]})
    return row[0], row[1]


def complete(site: Site, request_id: str, actor: str,
             identifiers: Mapping[str, Any] | None = None
             ) -> tuple[SubjectRequest, dict[str, Any] | None]:
    """Carry out a recorded request; access returns the export (as the API's POST does),
    rectification needs the corrected `identifiers`."""
    req, subject = get_request(site, request_id)
    if req.completed_at is not None:
        raise Conflict("This request has already been completed.")
    if (req.kind == "rectification") != bool(identifiers):
        raise InvalidInput("Corrected identifiers are given with, and only with, rectification.",
                           {"identifiers": ["required for rectification only"]})
    if req.kind == "access":
        return requests.access(site, subject, actor, pending=req)
    if req.kind == "rectification":
        return requests.rectify(site, subject, identifiers or {}, actor, pending=req), None
    if req.kind in ("restriction", "restriction_lifted"):
        return requests.restrict(site, subject, actor, lift=req.kind == "restriction_lifted",
                                 pending=req), None
    return requests.erase(site, subject, actor, pending=req), None


def inbox(site: Site, now: datetime | None = None, open_only: bool = False
          ) -> list[dict[str, Any]]:
    """Every request of the site, open ones first by due date, then completed ones newest
    first: each with its due date, whole days left (negative: late) and note."""
    now = now or utcnow()
    query = (select(SubjectRequest, Subject).join(Subject, Subject.id == SubjectRequest.subject_id)
             .where(SubjectRequest.site_id == site.id))
    if open_only:
        query = query.where(SubjectRequest.completed_at.is_(None))
    rows = []
    for req, subject in db.session.execute(query):
        due = due_at(req.received_at)
        rows.append({**requests.request_dict(req, subject), "due_at": iso_utc(due),
                     "days_left": None if req.completed_at else (due - now).days,
                     "late": (req.completed_at or now) > due, "note": req.note,
                     "received": req.received_at, "due": due})
    rows.sort(key=lambda r: (r["completed_at"] is not None, r["due"].timestamp()
                             if r["completed_at"] is None else -r["received"].timestamp()))
    return rows
