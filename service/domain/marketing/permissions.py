"""Marketing permissions: grant, withdraw, prohibit, lift; precedence; evidence; history.

Rules:
- Purposes and channels come from the site's current notice; `*` (every purpose or channel)
  is allowed for prohibitions, lifts and withdrawals, never for grants.
- A prohibition (of P on C, of P on every channel, of every purpose on C, or of everything)
  beats every grant until the subject lifts that same prohibition. Prohibiting also withdraws
  the matching grants, so lifting later revives only grants given after the prohibition.
- Every change is recorded as an event with its evidence, audited in the caller's transaction,
  and bumps the site's marketing generation (which keys the Redis cache).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from service.domain import audit, notices
from service.domain.consent.privacy import truncate_ip
from service.domain.marketing import kinds
from service.domain.marketing.kinds import ProhibitionKind
from service.domain.marketing.states import (
    NO_STATE,
    PROHIBITION_LIFTED,
    WITHDRAWABLE,
    Basis,
    OptInStep,
    Outcome,
    PermissionState,
    decide,
)
from service.domain.marketing.subjects import pseudonym
from service.errors import InvalidInput
from service.extensions import db
from service.models import (
    MarketingEvent,
    MarketingGeneration,
    MarketingPermission,
    Site,
    Subject,
)
from service.models.types import utcnow

ANY = "*"
STATES = tuple(PermissionState)
OUTCOMES = tuple(Outcome(code).reason for code in range(len(Outcome)))  # by outcome code
# The codes by their old names (callers compare and index with them).
ALLOWED, NO_PERMISSION, WITHDRAWN = Outcome.ALLOWED, Outcome.NO_PERMISSION, Outcome.WITHDRAWN
PROHIBITED, UNKNOWN, RESTRICTED = Outcome.PROHIBITED, Outcome.UNKNOWN, Outcome.RESTRICTED
INVALID = Outcome.INVALID
# Changes that grant (one purpose on one channel, never `*`).
_GRANTS = (PermissionState.GRANTED, OptInStep.PENDING, OptInStep.CONFIRMED)
SOURCE_RE = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,63}\Z")  # \Z: $ would allow a final newline


@dataclass(frozen=True)
class Evidence:
    """How a change came about; reduced (truncated IP) before it is stored."""

    source: str
    notice_version: int | None = None
    ip: str | None = None
    confirmed_at: datetime | None = None
    details: dict[str, Any] = field(default_factory=dict)


def notice_marketing(site: Site) -> tuple[list[str], list[str], int]:
    """(purpose keys, channels, version number) of the site's current notice."""
    version = notices.current_version(site)
    data = version.data.get("marketing") or {}
    return [p["key"] for p in data.get("purposes", [])], list(data.get("channels", [])), \
        version.number


def validate_target(site: Site, purpose: str, channel: str, state: str) -> tuple[list[str],
                                                                                 list[str], int]:
    purposes, channels, number = notice_marketing(site)
    errors: dict[str, list[str]] = {}
    if purpose != ANY and purpose not in purposes:
        errors["purpose"] = [f"must be one of {', '.join(purposes)} (from the current notice)"]
    if channel != ANY and channel not in channels:
        errors["channel"] = [f"must be one of {', '.join(channels)} (from the current notice)"]
    if state not in STATES and state not in tuple(OptInStep):
        errors["state"] = [f"must be one of {', '.join(STATES)}"]
    if state in _GRANTS and ANY in (purpose, channel):
        errors["state"] = ["a permission is granted for one purpose on one channel"]
    if errors:
        raise InvalidInput("The permission does not fit the site's notice.", errors)
    return purposes, channels, number


def validate_evidence(site: Site, evidence: Evidence) -> None:
    if not SOURCE_RE.match(evidence.source or ""):
        raise InvalidInput("Evidence needs a source: 1-64 lowercase letters, digits or _.:-",
                           {"evidence": {"source": ["invalid"]}})
    if evidence.notice_version is not None:
        try:
            notices.get_version(site, evidence.notice_version)
        except Exception as exc:
            raise InvalidInput("That notice version was never published.",
                               {"evidence": {"notice_version": ["unknown version"]}}) from exc


def rows_of(subject: Subject) -> dict[tuple[str, str], MarketingPermission]:
    rows = db.session.execute(
        select(MarketingPermission).where(MarketingPermission.subject_id == subject.id)
        .execution_options(populate_existing=True)  # what is committed now, not what was read
    ).scalars()
    return {(r.purpose, r.channel): r for r in rows}


def _row(rows: dict[tuple[str, str], MarketingPermission], subject: Subject, purpose: str,
         channel: str) -> MarketingPermission:
    row = rows.get((purpose, channel))
    if row is None:
        row = MarketingPermission(site_id=subject.site_id, subject_id=subject.id, purpose=purpose,
                                  channel=channel, state=NO_STATE, prohibited=False)
        db.session.add(row)
        rows[(purpose, channel)] = row
    return row


class _Recorder:
    """Applies the evidence to each changed row and adds its event; remembers the changes."""

    def __init__(self, site: Site, subject: Subject, actor: str, evidence: Evidence,
                 version: int | None, ip_prefix: str | None, now: datetime) -> None:
        self.site, self.subject, self.actor, self.evidence = site, subject, actor, evidence
        self.version, self.ip_prefix, self.now = version, ip_prefix, now
        self.changed: list[tuple[str, str, str]] = []

    def __call__(self, row: MarketingPermission, change: str) -> None:
        ev = self.evidence
        row.updated_at = self.now
        row.source, row.notice_version, row.ip_prefix = ev.source, self.version, self.ip_prefix
        self.changed.append((row.purpose, row.channel, change))
        db.session.add(MarketingEvent(
            site_id=self.site.id, subject_id=self.subject.id, purpose=row.purpose,
            channel=row.channel, change=change, actor=self.actor, source=ev.source,
            notice_version=self.version, ip_prefix=self.ip_prefix, evidence=dict(ev.details),
            created_at=self.now,
        ))


def set_permission(
    site: Site, subject: Subject, purpose: str, channel: str, state: str, actor: str,
    evidence: Evidence,
) -> bool:
    """Apply one change; returns False when it changed nothing (then nothing is audited)."""
    purposes, channels, current_number = validate_target(site, purpose, channel, state)
    return _change(site, subject, (purpose, channel), state, actor, evidence,
                   (purposes, channels, current_number))


def set_prohibition(site: Site, subject: Subject, kind: ProhibitionKind, state: str,
                    actor: str, evidence: Evidence) -> bool:
    """Prohibit or lift one kind of prohibition (kinds.KINDS says what it covers)."""
    if state not in (PermissionState.PROHIBITED, PermissionState.LIFTED):
        raise InvalidInput("A prohibition is set or lifted.",
                           {"state": ["must be prohibited or lifted"]})
    return _change(site, subject, kinds.row_key(kind), state, actor, evidence,
                   notice_marketing(site))


def _change(site: Site, subject: Subject, target: tuple[str, str], state: str, actor: str,
            evidence: Evidence, notice: tuple[list[str], list[str], int]) -> bool:
    purpose, channel = target
    purposes, channels, current_number = notice
    validate_evidence(site, evidence)
    version = evidence.notice_version or current_number
    now = utcnow()
    # One change of a subject at a time: concurrent changes would both insert a missing row
    # (a unique violation) or overwrite each other's reading of it. SQLite serialises writers.
    db.session.execute(select(Subject.id).where(Subject.id == subject.id).with_for_update())
    rows = rows_of(subject)
    record = _Recorder(site, subject, actor, evidence, version, truncate_ip(evidence.ip), now)
    if state in _GRANTS:
        _grant(rows, subject, purpose, channel, state, record)
    elif state == PermissionState.WITHDRAWN:
        targets = [(p, c) for p in (purposes if purpose == ANY else [purpose])
                   for c in (channels if channel == ANY else [channel])]
        if ANY in (purpose, channel):
            # the covering row keeps the objection for purposes and channels the notice
            # adds later (outcome_of folds it in): "withdraw everything" means everything
            targets.append((purpose, channel))
        _withdraw(rows, subject, targets, record)
    elif state == PermissionState.PROHIBITED:
        _prohibit(rows, subject, purpose, channel, record)
    else:  # lifted
        row = _row(rows, subject, purpose, channel)
        if row.prohibited:
            row.prohibited, row.prohibited_at = False, None
            record(row, PROHIBITION_LIFTED)
    if not record.changed:
        return False
    db.session.flush()
    payload = _change_payload(record, purpose, channel, state)
    audit.append(site, actor, f"marketing.{state}", payload, subject=pseudonym(subject))
    bump_generation(site)
    return True


def _grant(rows: dict[tuple[str, str], MarketingPermission], subject: Subject, purpose: str,
           channel: str, state: str, record: _Recorder) -> None:
    """A grant, a pending double opt-in or its confirmation (of one purpose and channel)."""
    row = _row(rows, subject, purpose, channel)
    if state == OptInStep.PENDING and row.state in WITHDRAWABLE:
        return  # signing up again keeps the grant (or the pending opt-in) there is
    if state == OptInStep.CONFIRMED and row.state != OptInStep.PENDING:
        return
    row.state = OptInStep.PENDING if state == OptInStep.PENDING else PermissionState.GRANTED
    if state != OptInStep.PENDING:
        row.granted_at = record.now
        row.confirmed_at = (record.evidence.confirmed_at if state == PermissionState.GRANTED
                            else record.now)
    row.withdrawn_at = None
    record(row, state)


def _withdraw(rows: dict[tuple[str, str], MarketingPermission], subject: Subject,
              targets: list[tuple[str, str]], record: _Recorder) -> None:
    for key in targets:
        row = _row(rows, subject, *key)
        if row.state == PermissionState.WITHDRAWN:
            continue
        row.state, row.withdrawn_at = PermissionState.WITHDRAWN, record.now
        record(row, PermissionState.WITHDRAWN)


def _prohibit(rows: dict[tuple[str, str], MarketingPermission], subject: Subject, purpose: str,
              channel: str, record: _Recorder) -> None:
    """A prohibition, which also withdraws every grant and pending opt-in it covers."""
    row = _row(rows, subject, purpose, channel)
    if not row.prohibited:
        row.prohibited, row.prohibited_at = True, record.now
        record(row, PermissionState.PROHIBITED)
    for key, other in list(rows.items()):
        if other.state in WITHDRAWABLE and kinds.row_covers(purpose, channel, *key):
            other.state, other.withdrawn_at = PermissionState.WITHDRAWN, record.now
            record(other, PermissionState.WITHDRAWN)


def _change_payload(record: _Recorder, purpose: str, channel: str,
                    state: str) -> dict[str, Any]:
    """The audit payload of one change: what was asked, the evidence, each row changed."""
    ev = record.evidence
    payload: dict[str, Any] = {
        "purpose": purpose, "channel": channel, "state": state, "source": ev.source,
        "notice_version": record.version, "changes": [list(c) for c in record.changed],
    }
    kind = kinds.kind_of_row(purpose, channel)
    if kind is not None and state in (PermissionState.PROHIBITED, PermissionState.LIFTED):
        payload["kind"] = kind.value
    if "visitor_id" in ev.details:  # links the permission to the banner's visitor
        payload["visitor"] = f"visitor:{ev.details['visitor_id']}"
    if record.ip_prefix or ev.confirmed_at or state == OptInStep.CONFIRMED:
        payload["confirmed"] = state == OptInStep.CONFIRMED or ev.confirmed_at is not None
    return payload


def bump_generation(site: Site) -> None:
    """Invalidate cached permission state of the site, atomically with the write."""
    result = db.session.execute(
        update(MarketingGeneration).where(MarketingGeneration.site_id == site.id)
        .values(generation=MarketingGeneration.generation + 1)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        db.session.add(MarketingGeneration(site_id=site.id, generation=1))
        db.session.flush()


def current_generation(site_id: int) -> int:
    value = db.session.execute(
        select(MarketingGeneration.generation).where(MarketingGeneration.site_id == site_id)
    ).scalar_one_or_none()
    return int(value or 0)


def outcome_of(rows: Iterable[tuple[str, str, str, bool]], purpose: str, channel: str,
               restricted: bool, basis: str = Basis.CONSENT, customer: bool = False) -> Outcome:
    """The answer for purpose x channel from a subject's rows (purpose, channel, state,
    prohibited), folded: a prohibition in any row that covers P on C counts (`*` matches all,
    a kind's row what kinds.KINDS says it covers); the state is the exact row's, except that
    a withdrawal of a covering `*` row (an opt-out of every purpose or channel) makes it
    withdrawn unless the exact row is granted (granted again after it); then the purpose's
    basis and whether the subject is a customer today. check_lookup's permission_fold is this
    fold in SQL."""
    state = None
    prohibited = False
    covering_withdrawn = False
    markers = kinds.markers(purpose, channel)
    for p, c, row_state, row_prohibited in rows:
        if not ((p == ANY or p == purpose or p in markers) and (c == ANY or c == channel)):
            continue
        prohibited = prohibited or bool(row_prohibited)
        if p == purpose and c == channel:
            state = row_state
        elif row_state == PermissionState.WITHDRAWN and p in (ANY, purpose):
            covering_withdrawn = True
    if covering_withdrawn and state != PermissionState.GRANTED:
        state = PermissionState.WITHDRAWN
    return decide(prohibited, restricted, state, basis, customer)
