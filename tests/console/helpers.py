"""Signing in to the console over the Flask test client, and reading its forms."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from service.extensions import db
from service.models import AuditEntry, Site


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "form without CSRF token"
    return match.group(1)


def sign_in(client: Any, key: str, site: str = "demo") -> Any:
    page = client.get(f"/console/{site}/login")
    assert page.status_code == 200
    return client.post(f"/console/{site}/login",
                       data={"key": key, "csrf_token": csrf(page.get_data(as_text=True))})


def token(client: Any, site: str = "demo", path: str = "") -> str:
    page = client.get(f"/console/{site}{path}")
    assert page.status_code == 200, page.status_code
    return csrf(page.get_data(as_text=True))


def post(client: Any, path: str, site: str = "demo", **form: Any) -> Any:
    """POST a console form with the session's CSRF token."""
    return client.post(f"/console/{site}{path}", data={**form, "csrf_token": token(client, site)})


def entries(app: Any, slug: str, action: str) -> list[AuditEntry]:
    with app.app_context():
        site = db.session.execute(select(Site).where(Site.slug == slug)).scalar_one()
        return list(db.session.execute(select(AuditEntry).where(
            AuditEntry.site_id == site.id, AuditEntry.action == action)
            .order_by(AuditEntry.seq)).scalars())


def key_id(raw: str) -> str:
    return raw.split("_")[1]
