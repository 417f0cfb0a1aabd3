"""Visitor consent: record a choice (append-only) and read the current one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select

from service.domain import audit
from service.domain.audit.canonical import iso_utc
from service.domain.consent import methods
from service.domain.consent.methods import REQUIRED_CATEGORY, ConsentMethod, Grant
from service.domain.consent.privacy import bounded_user_agent, truncate_ip
from service.domain.notices import version_category_types
from service.errors import InvalidInput, NotFound
from service.extensions import db
from service.models import ConsentEvent, Site
from service.models.types import utcnow


@dataclass(frozen=True)
class ChoiceContext:
    """What the request tells about the visitor, reduced before anything is stored. `gpc`:
    the request's `Sec-GPC: 1`. A choice sent with it is judged by its own method's rules,
    then methods.under_gpc refuses what the signal covers (stored as method gpc); the audit
    entry says `gpc`, and with the signal the rule applied and what it refused."""

    ip: str | None = None
    user_agent: str | None = None
    gpc: bool = False


class NotARandomVisitorId(InvalidInput):
    """The nil or max UUID: a placeholder anyone could send, never a visitor's random id."""

    status = 400
    title = "Bad request"
    slug = "bad-visitor-id"


_NOT_RANDOM = (uuid.UUID(int=0), uuid.UUID(int=(1 << 128) - 1))


def parse_visitor_id(value: str | None) -> str:
    """A visitor id is a UUID, never the nil or max UUID; a missing one gets a fresh random
    id."""
    if value is None:
        return str(uuid.uuid4())
    try:
        parsed = uuid.UUID(value)
    except (ValueError, AttributeError, TypeError) as exc:
        raise InvalidInput("visitor_id must be a UUID.", {"visitor_id": ["not a UUID"]}) from exc
    if parsed in _NOT_RANDOM:
        raise NotARandomVisitorId("visitor_id must be a random UUID, not the nil or max UUID.",
                                  {"visitor_id": ["not a random UUID"]})
    return str(parsed)


_events = ConsentEvent.__table__
_EVENT_COLUMNS = ("site_id", "visitor_id", "notice_version", "choices", "method", "ip_prefix",
                  "user_agent", "created_at")
_INSERT_EVENT = insert(_events).values(
    {c: bindparam(f"v_{c}", type_=_events.c[c].type) for c in _EVENT_COLUMNS}
).returning(_events.c.id)


def record_visitor_choice(
    site: audit.SiteKey,
    notice_version: int,
    choices: dict[str, bool],
    method: str,
    visitor_id: str | None,
    context: ChoiceContext,
) -> ConsentEvent:
    """Validate the choice against the notice version shown, store it and audit it."""
    known = methods.parse(method)
    if known is None:
        raise InvalidInput("Unknown method.",
                           {"method": [f"must be one of {', '.join(ConsentMethod)}"]})
    try:
        types = version_category_types(site.id, notice_version)
    except Exception as exc:
        raise InvalidInput(
            f"Notice version {notice_version} was never published for this site.",
            {"notice_version": ["unknown version"]},
        ) from exc
    categories = list(types)
    unknown = sorted(set(choices) - set(categories))
    if unknown:
        raise InvalidInput(
            "Unknown categories for this notice version.",
            {"choices": {k: ["unknown category"] for k in unknown}},
        )
    if choices.get(REQUIRED_CATEGORY) is False:
        raise InvalidInput(
            "The necessary category cannot be refused.",
            {"choices": {REQUIRED_CATEGORY: ["cannot be false"]}},
        )
    resolved = {key: bool(choices.get(key, False)) for key in categories}
    resolved[REQUIRED_CATEGORY] = True
    check_method(known, resolved)
    refused: list[str] = []
    if context.gpc:
        known, resolved, refused = methods.under_gpc(known, resolved, types)
    vid = parse_visitor_id(visitor_id)
    event = ConsentEvent(
        site_id=site.id,
        visitor_id=vid,
        notice_version=notice_version,
        choices=resolved,
        method=known.value,
        ip_prefix=truncate_ip(context.ip),
        user_agent=bounded_user_agent(context.user_agent),
        created_at=utcnow(),
    )
    # A Core INSERT of the row's columns: the busiest write of the service skips the unit of
    # work (the event is not added to the session; callers only read it back).
    event.id = db.session.execute(
        _INSERT_EVENT, {f"v_{c}": getattr(event, c) for c in _EVENT_COLUMNS}).scalar_one()
    payload: dict[str, Any] = {"event": event.id, "notice_version": notice_version,
                               "choices": resolved, "method": known.value, "gpc": context.gpc}
    if context.gpc:
        payload.update(gpc_rule=methods.GPC_RULE, gpc_refused=refused)
    audit.append(site, "visitor", "consent.recorded", payload, subject=f"visitor:{vid}")
    return event


def check_method(method: ConsentMethod, resolved: dict[str, bool]) -> None:
    """A choice must be what its method says of each category (methods.RULES)."""
    wrong = methods.contradictions(method, resolved)
    if not wrong:
        return
    usual = methods.RULES[method].optional
    if usual in wrong.values():  # against what the method says of every optional category
        what = "grant every category" if usual is Grant.MUST else "refuse every optional category"
        raise InvalidInput(f"{method} must {what}.", {"method": ["inconsistent"]})
    # against what the method says of these categories in particular
    verb = "must grant" if Grant.MUST in wrong.values() else "cannot grant"
    raise InvalidInput(
        f"A {method} choice {verb} {', '.join(sorted(wrong))}.",
        {"choices": {k: [f"{'granted' if says is Grant.MUST else 'refused'} under {method}"]
                     for k, says in sorted(wrong.items())}})


def current_choice(site: Site, visitor_id: str) -> ConsentEvent:
    vid = parse_visitor_id(visitor_id)
    event = db.session.execute(
        select(ConsentEvent)
        .where(ConsentEvent.site_id == site.id, ConsentEvent.visitor_id == vid)
        .order_by(ConsentEvent.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if event is None:
        raise NotFound("No choice recorded for this visitor.")
    return event


def history(site: Site, visitor_id: str) -> list[ConsentEvent]:
    vid = parse_visitor_id(visitor_id)
    return list(
        db.session.execute(
            select(ConsentEvent)
            .where(ConsentEvent.site_id == site.id, ConsentEvent.visitor_id == vid)
            .order_by(ConsentEvent.id)
        ).scalars()
    )


def choice_dict(event: ConsentEvent) -> dict[str, Any]:
    return {
        "visitor_id": event.visitor_id,
        "notice_version": event.notice_version,
        "choices": event.choices,
        "method": event.method,
        "recorded_at": iso_utc(event.created_at),
    }
