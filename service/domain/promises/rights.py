"""Rights promises: data-subject requests are answered within one month."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from service.domain.audit.canonical import iso_utc
from service.domain.promises.base import (
    BROKEN,
    HOLDS,
    NOT_APPLICABLE,
    PromiseResult,
    ReportContext,
)
from service.extensions import db
from service.models import SubjectRequest

ONE_MONTH = timedelta(days=30)  # GDPR art. 12(3): "within one month of receipt"


def requests_answered_in_time(ctx: ReportContext) -> PromiseResult:
    """Data-subject requests are completed within one month of receipt."""
    r = PromiseResult("requests_answered_in_time",
                      "Data-subject requests are answered within one month", "rights", HOLDS, "")
    counts = dict.fromkeys(("requests", "completed", "late", "open_overdue", "open"), 0)
    rows = db.session.execute(
        select(SubjectRequest).where(SubjectRequest.site_id == ctx.site.id,
                                    *ctx.in_period(SubjectRequest.received_at))
    ).scalars()
    for req in rows:
        counts["requests"] += 1
        deadline = req.received_at + ONE_MONTH
        ev = {"request": req.public_id, "kind": req.kind, "received_at": iso_utc(req.received_at),
              "deadline": iso_utc(deadline)}
        if req.completed_at is not None:
            counts["completed"] += 1
            if req.completed_at > deadline:
                counts["late"] += 1
                r.add({**ev, "completed_at": iso_utc(req.completed_at), "problem": "late"})
        else:
            counts["open"] += 1
            if ctx.now > deadline:
                counts["open_overdue"] += 1
                r.add({**ev, "problem": "open past its deadline"})
    r.counts = counts
    r.status = NOT_APPLICABLE if not counts["requests"] else BROKEN if r.evidence_total else HOLDS
    r.summary = (f"{counts['requests']} requests, {counts['late']} answered late, "
                 f"{counts['open_overdue']} open past the deadline")
    return r
