"""Console: the data-subject request inbox (due dates and days left), recording a request
that came by mail or letter, and completing one with the rights domain's own functions."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from flask import Response, redirect, request, url_for

from service.console.common import actor, bp, note, render, signed_in
from service.domain import rights
from service.domain.marketing import permission_cache
from service.domain.marketing.identifiers import KINDS as IDENTIFIER_KINDS
from service.errors import DomainError, InvalidInput
from service.extensions import db
from service.models import ApiKey, Site
from service.models.types import utcnow


def _page(site: Site, status: int = 200, **extra: Any) -> Any:
    return render("console/requests.html", site, status, page="requests",
                  rows=rights.inbox(site), kinds=rights.KINDS, channels=rights.CHANNELS,
                  id_kinds=IDENTIFIER_KINDS, today=utcnow().date().isoformat(), **extra)


@bp.get("/<site>/requests")
@signed_in
def requests_page(site: Site, key: ApiKey) -> Any:
    return _page(site)


def _received(value: str) -> datetime | None:
    """The day a request arrived: its start (UTC); today: now."""
    if not value.strip():
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidInput("The day received is a date as YYYY-MM-DD.",
                           {"received_at": ["not a date"]}) from exc
    now = utcnow()
    return now if day == now.date() else datetime(day.year, day.month, day.day, tzinfo=UTC)


@bp.post("/<site>/requests")
@signed_in
def record_request(site: Site, key: ApiKey) -> Any:
    form = request.form
    try:
        req = rights.record(site, form.get("kind", ""), form.get("identifier_kind", ""),
                            form.get("identifier", ""), form.get("channel", ""), actor(key),
                            received_at=_received(form.get("received_at", "")),
                            note=form.get("note") or None)
    except DomainError as exc:
        db.session.rollback()
        return _page(site, exc.status, error=exc.detail, form=form)
    db.session.commit()
    note("recorded", due=rights.due_at(req.received_at).date().isoformat())
    return redirect(url_for("console.requests_page", site=site.slug), code=303)


@bp.post("/<site>/requests/<request_id>/complete")
@signed_in
def complete_request(site: Site, key: ApiKey, request_id: str) -> Any:
    form = request.form
    try:
        req, _ = rights.get_request(site, request_id)
        if req.kind == "erasure" and form.get("confirm") != "yes":
            return _page(site, 422, error_label="erase_needs_confirm")
        identifiers = {k: form.get(k, "") for k in IDENTIFIER_KINDS if form.get(k, "").strip()}
        req, export = rights.complete(site, request_id, actor(key), identifiers or None)
    except DomainError as exc:
        db.session.rollback()
        return _page(site, exc.status, error=exc.detail)
    db.session.commit()
    permission_cache.after_commit(site.id)
    if export is not None:
        return Response(json.dumps(export, indent=1, ensure_ascii=False) + "\n",
                        mimetype="application/json", headers={
                            "Content-Disposition":
                                f'attachment; filename="{site.slug}-export-{req.public_id}.json"'})
    note("completed_note")
    return redirect(url_for("console.requests_page", site=site.slug), code=303)
