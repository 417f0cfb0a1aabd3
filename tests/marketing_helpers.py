"""Helpers shared by the marketing tests."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask

from tests.conftest import bearer

BASE = "/api/v1/sites/demo"


def admin(demo: dict) -> dict[str, str]:
    return bearer(demo["keys"]["admin"])


def sender(demo: dict) -> dict[str, str]:
    return bearer(demo["keys"]["sender"])


def new_subject(client: Any, demo: dict, **identifiers: str) -> str:
    resp = client.post(f"{BASE}/subjects", json=identifiers, headers=admin(demo))
    assert resp.status_code in (200, 201), resp.get_json()
    return str(resp.get_json()["id"])


def put_permission(client: Any, demo: dict, sid: str, purpose: str, channel: str, state: str,
                   source: str = "test-form", **evidence: Any) -> Any:
    return client.put(f"{BASE}/subjects/{sid}/permissions/{purpose}/{channel}",
                      json={"state": state, "evidence": {"source": source, **evidence}},
                      headers=admin(demo))


def check(client: Any, demo: dict, recipients: list[str], purpose: str = "newsletter",
          channel: str = "email", **extra: Any) -> dict[str, Any]:
    resp = client.post(f"{BASE}/checks", json={"purpose": purpose, "channel": channel,
                                                "recipients": recipients, **extra},
                       headers=sender(demo))
    assert resp.status_code == 200, resp.get_json()
    return dict(resp.get_json())


def reasons(body: dict[str, Any]) -> list[str | None]:
    return [r["reason"] for r in body["results"]]


def count(app: Flask, table: str, where: str = "1=1") -> int:
    from service.extensions import db

    with app.app_context():
        return int(db.session.execute(sa.text(f"SELECT count(*) FROM {table} WHERE {where}"))
                   .scalar_one())


def audit_actions(app: Flask) -> list[str]:
    from service.extensions import db

    with app.app_context():
        return [a for (a,) in db.session.execute(
            sa.text("SELECT action FROM audit_entries ORDER BY id"))]
