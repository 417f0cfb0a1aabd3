"""Who may access: the site's API keys by role, as the facts behind the notice's statement on
access (`security.access`). Lupa cannot judge that statement (who holds a key is outside it),
so it is reported as `not_checkable` with the keys, never as holding. Keys are listed with
their creation date, who created them and their last use (kept to the minute, see
service/domain/sites/keys.py)."""

from __future__ import annotations

from sqlalchemy import select

from service.domain.audit.canonical import iso_utc
from service.domain.promises.base import (
    NOT_APPLICABLE,
    NOT_CHECKABLE,
    PromiseResult,
    ReportContext,
)
from service.extensions import db
from service.models import ApiKey
from service.models.apikey import ROLES


def keys_by_role(ctx: ReportContext, stated: bool) -> PromiseResult:
    """The active keys by role (and how many were revoked), with their creation dates."""
    r = PromiseResult("access_by_role", "Access to the data by role (API keys)",
                      "security.access", NOT_CHECKABLE if stated else NOT_APPLICABLE, "")
    rows = db.session.execute(
        select(ApiKey.key_id, ApiKey.role, ApiKey.created_at, ApiKey.revoked_at,
               ApiKey.created_by, ApiKey.last_used_at)
        .where(ApiKey.site_id == ctx.site.id).order_by(ApiKey.role, ApiKey.created_at)
    ).all()
    counts = {role: 0 for role in ROLES} | {"revoked": 0}
    for key_id, role, created_at, revoked_at, created_by, last_used in rows:
        if revoked_at is not None:
            counts["revoked"] += 1
            continue
        counts[role] = counts.get(role, 0) + 1
        r.add({"key": key_id, "role": role, "created_at": iso_utc(created_at),
               "created_by": created_by,
               "last_used": iso_utc(last_used) if last_used is not None else None})
    r.counts = counts
    active = ", ".join(f"{counts[role]} {role}" for role in ROLES)
    r.summary = (f"active keys: {active} ({counts['revoked']} revoked); last use is kept to "
                 "the minute" + ("" if stated else "; the notice states nothing on access"))
    return r
