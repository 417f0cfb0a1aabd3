"""A key of one site and role reads or writes nothing of another site or role."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.conftest import bearer, demo_notice

# (method, path, roles allowed); paths are on site "demo".
ENDPOINTS: list[tuple[str, str, set[str]]] = [
    ("GET", "/api/v1/sites/demo", {"admin", "auditor"}),
    ("GET", "/api/v1/sites/demo/notices", {"admin", "auditor"}),
    ("GET", "/api/v1/sites/demo/notices/1", {"admin", "auditor"}),
    ("POST", "/api/v1/sites/demo/notices", {"admin"}),
    ("POST", "/api/v1/sites/demo/keys", {"admin"}),
    ("GET", "/api/v1/sites/demo/keys", {"admin"}),
    ("PATCH", "/api/v1/sites/demo", {"admin"}),
    ("GET", "/api/v1/sites/demo/audit", {"auditor"}),
    ("GET", "/api/v1/sites/demo/audit/verify", {"auditor"}),
    ("GET", "/api/v1/sites/demo/audit/checkpoints", {"auditor"}),
    ("POST", "/api/v1/sites/demo/audit/checkpoints", {"auditor", "admin"}),
]

BODIES = {
    "/api/v1/sites/demo/notices": demo_notice,
    "/api/v1/sites/demo/keys": lambda: {"role": "sender"},
}

CALLERS = ["none", "malformed", "unknown", "admin", "sender", "auditor",
           "other:admin", "other:sender", "other:auditor"]


def headers_for(caller: str, demo: dict) -> dict[str, str]:
    if caller == "none":
        return {}
    if caller == "malformed":
        return {"Authorization": "Bearer nonsense"}
    if caller == "unknown":
        return bearer("lupa_000000000000_" + "x" * 43)
    if caller.startswith("other:"):
        return bearer(demo["other_keys"][caller.split(":")[1]])
    return bearer(demo["keys"][caller])


def expected_status(caller: str, allowed: set[str], method: str) -> int:
    if caller in ("none", "malformed", "unknown"):
        return 401
    if caller.startswith("other:") or caller not in allowed:
        return 403
    return 201 if method == "POST" else 200


@pytest.mark.parametrize("method,path,allowed", ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in
                                                                ENDPOINTS])
def test_role_and_site_matrix(client: Any, demo: dict, method: str, path: str,
                              allowed: set[str]) -> None:
    for caller in CALLERS:
        body = BODIES.get(path)
        kwargs: dict[str, Any] = {"headers": headers_for(caller, demo)}
        if body is not None:
            data = body()
            if path.endswith("/notices"):
                data["register_name"]["en"] += f" {caller}"  # new content -> 201
            kwargs["json"] = data
        resp = client.open(path, method=method, **kwargs)
        want = expected_status(caller, allowed, method)
        assert resp.status_code == want, (caller, resp.get_data(as_text=True))
        if want >= 400:
            assert resp.mimetype == "application/problem+json"


def test_other_sites_key_cannot_probe_whether_a_site_exists(client: Any, demo: dict) -> None:
    h = bearer(demo["other_keys"]["auditor"])
    exists = client.get("/api/v1/sites/demo/audit/verify", headers=h)
    missing = client.get("/api/v1/sites/nowhere/audit/verify", headers=h)
    assert exists.status_code == missing.status_code == 403
    assert exists.get_json()["detail"] == missing.get_json()["detail"]


def test_revoked_key_is_refused(client: Any, demo: dict) -> None:
    admin = bearer(demo["keys"]["admin"])
    created = client.post("/api/v1/sites/demo/keys", json={"role": "auditor"}, headers=admin)
    assert created.status_code == 201
    new_key = created.get_json()["key"]
    assert client.get("/api/v1/sites/demo/audit/verify", headers=bearer(new_key)).status_code == 200
    revoked = client.delete(f"/api/v1/sites/demo/keys/{created.get_json()['key_id']}",
                            headers=admin)
    assert revoked.status_code == 200
    assert client.get("/api/v1/sites/demo/audit/verify", headers=bearer(new_key)).status_code == 401


def test_keys_are_stored_hashed(app: Flask, demo: dict) -> None:
    import sqlalchemy as sa

    from service.extensions import db

    with app.app_context():
        rows = db.session.execute(sa.text("SELECT key_id, secret_hash FROM api_keys")).all()
    secrets = {k.split("_", 2)[2] for k in demo["keys"].values()}
    for _, stored in rows:
        assert stored not in secrets and len(stored) == 64


def test_bad_role_in_key_request_is_422(client: Any, demo: dict) -> None:
    resp = client.post("/api/v1/sites/demo/keys", json={"role": "root"},
                       headers=bearer(demo["keys"]["admin"]))
    assert resp.status_code == 422
    assert resp.mimetype == "application/problem+json"


def test_publishing_an_invalid_notice_is_422_and_changes_nothing(client: Any, demo: dict) -> None:
    admin = bearer(demo["keys"]["admin"])
    bad = demo_notice()
    bad["cookie_categories"][0]["required"] = False
    resp = client.post("/api/v1/sites/demo/notices", json=bad, headers=admin)
    assert resp.status_code == 422
    listed = client.get("/api/v1/sites/demo/notices", headers=admin).get_json()
    assert [v["number"] for v in listed] == [1]


def test_republishing_same_content_is_not_a_new_version(client: Any, demo: dict) -> None:
    admin = bearer(demo["keys"]["admin"])
    resp = client.post("/api/v1/sites/demo/notices", json=demo_notice(), headers=admin)
    assert resp.status_code == 200
    assert resp.get_json()["number"] == 1
