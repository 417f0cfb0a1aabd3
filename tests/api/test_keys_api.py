"""A site's keys (issues 13 and 14): listed without secrets, created and revoked with the
acting key recorded, and each key's last use kept to the minute without a write per request."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from tests.conftest import bearer

KEYS = "/api/v1/sites/demo/keys"
VERIFY = "/api/v1/sites/demo/audit/verify"


def key_id(key: str) -> str:
    return key.split("_")[1]


def listed(client: Any, demo: dict) -> dict[str, dict[str, Any]]:
    resp = client.get(KEYS, headers=bearer(demo["keys"]["admin"]))
    assert resp.status_code == 200, resp.get_json()
    return {k["key_id"]: k for k in resp.get_json()}


def audit_rows(app: Flask, action: str) -> list[tuple[str, dict[str, Any]]]:
    from service.extensions import db

    with app.app_context():
        rows = db.session.execute(sa.text(
            "SELECT e.actor, e.payload FROM audit_entries e JOIN sites s ON s.id = e.site_id "
            "WHERE s.slug = 'demo' AND e.action = :a ORDER BY e.seq"), {"a": action}).all()
    return [(actor, json.loads(payload)) for actor, payload in rows]


def test_list_shows_every_key_of_the_site_and_never_a_secret(client: Any, demo: dict) -> None:
    resp = client.get(KEYS, headers=bearer(demo["keys"]["admin"]))
    body = resp.get_json()
    assert {k["key_id"] for k in body} == {key_id(k) for k in demo["keys"].values()}
    assert {k["role"] for k in body} == {"admin", "sender", "auditor"}
    for key in body:
        assert set(key) == {"key_id", "role", "label", "created_at", "created_by",
                            "last_used_at", "revoked_at"}
        assert key["created_by"] == "test" and key["revoked_at"] is None
    text = resp.get_data(as_text=True)
    for secret in list(demo["keys"].values()) + list(demo["other_keys"].values()):
        assert secret.split("_", 2)[2] not in text
    assert not {key_id(k) for k in demo["other_keys"].values()} & {k["key_id"] for k in body}


def test_a_key_minted_by_an_admin_key_names_it_in_the_list_and_the_audit_log(
        app: Flask, client: Any, demo: dict) -> None:
    admin = demo["keys"]["admin"]
    made = client.post(KEYS, json={"role": "admin", "label": "agency"}, headers=bearer(admin))
    assert made.status_code == 201
    new = made.get_json()
    assert new["created_by"] == f"key:{key_id(admin)}" and new["key"].startswith("lupa_")
    assert listed(client, demo)[new["key_id"]]["created_by"] == f"key:{key_id(admin)}"
    actor, payload = audit_rows(app, "key.created")[-1]
    assert actor == f"key:{key_id(admin)}"
    assert payload == {"key_id": new["key_id"], "role": "admin"}


def test_revoke_is_audited_once_and_the_list_shows_it(app: Flask, client: Any,
                                                      demo: dict) -> None:
    admin = bearer(demo["keys"]["admin"])
    sender = key_id(demo["keys"]["sender"])
    first = client.delete(f"{KEYS}/{sender}", headers=admin)
    assert first.status_code == 200 and first.get_json()["revoked_at"] is not None
    again = client.delete(f"{KEYS}/{sender}", headers=admin)
    assert again.status_code == 200
    assert again.get_json()["revoked_at"] == first.get_json()["revoked_at"]
    assert listed(client, demo)[sender]["revoked_at"] == first.get_json()["revoked_at"]
    assert audit_rows(app, "key.revoked") == [(f"key:{key_id(demo['keys']['admin'])}",
                                              {"key_id": sender, "role": "sender"})]


def test_revoking_an_unknown_or_foreign_key_is_404_and_changes_nothing(
        app: Flask, client: Any, demo: dict) -> None:
    admin = bearer(demo["keys"]["admin"])
    foreign = key_id(demo["other_keys"]["sender"])
    for missing in ("000000000000", foreign):
        resp = client.delete(f"{KEYS}/{missing}", headers=admin)
        assert resp.status_code == 404 and resp.mimetype == "application/problem+json"
    assert audit_rows(app, "key.revoked") == []
    still = client.get("/api/v1/sites/other/suppressions?purpose=newsletter&channel=email",
                       headers=bearer(demo["other_keys"]["sender"]))
    assert still.status_code == 200


def test_only_the_sites_admin_key_lists_keys(client: Any, demo: dict) -> None:
    for key in (demo["keys"]["sender"], demo["keys"]["auditor"], demo["other_keys"]["admin"]):
        assert client.get(KEYS, headers=bearer(key)).status_code == 403
    assert client.get(KEYS).status_code == 401


def test_label_longer_than_stored_is_422(client: Any, demo: dict) -> None:
    resp = client.post(KEYS, json={"role": "sender", "label": "x" * 121},
                       headers=bearer(demo["keys"]["admin"]))
    assert resp.status_code == 422


def test_last_use_is_kept_to_the_minute_without_a_write_per_request(
        app: Flask, client: Any, demo: dict) -> None:
    from service.extensions import db

    auditor = bearer(demo["keys"]["auditor"])
    aid = key_id(demo["keys"]["auditor"])
    assert listed(client, demo)[aid]["last_used_at"] is None
    updates: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE API_KEYS"):
            updates.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(5):
            assert client.get(VERIFY, headers=auditor).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(updates) == 1  # five uses, one write
    first = listed(client, demo)[aid]["last_used_at"]
    assert first is not None

    # Two minutes later (the stored time moved back), the next use is written again.
    from service.models import ApiKey

    earlier = _when(first) - timedelta(minutes=2)
    with app.app_context():
        stored = db.session.execute(sa.select(ApiKey).where(ApiKey.key_id == aid)).scalar_one()
        stored.last_used_at = earlier
        db.session.commit()
    assert _when(listed(client, demo)[aid]["last_used_at"]) == earlier
    client.get(VERIFY, headers=auditor)
    assert _when(listed(client, demo)[aid]["last_used_at"]) >= _when(first)


def _when(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))
