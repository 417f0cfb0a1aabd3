"""Request bodies: JSON nested too deep is a 400 problem (never a RecursionError, a 500),
wherever a JSON body is read; and a protected operation checks its key before it reads the
body, so a request without a valid key learns nothing about what the body should be."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from flask import Flask

from tests.conftest import bearer

DEEP = "[" * 30000
PROBLEM = "application/problem+json"


def nested(levels: int) -> str:
    """A JSON object holding arrays nested `levels` deep in all (the object counts)."""
    return '{"x": ' + "[" * (levels - 1) + "]" * (levels - 1) + "}"


def operations(client: Any) -> list[tuple[str, str, list[str]]]:
    """Every documented operation that takes a body: (method, path with values, media types)."""
    values = {"site": "demo", "subject_id": str(uuid.uuid4()), "purpose": "newsletter",
              "channel": "email", "kind": "direct_marketing", "number": "1",
              "key_id": "k", "visitor_id": str(uuid.uuid4())}
    spec = client.get("/api/v1/openapi.json").get_json()
    out = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method == "parameters" or "requestBody" not in op:
                continue
            url = re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "x"), path)
            out.append((method.upper(), url, list(op["requestBody"]["content"]),
                        bool(op.get("security"))))
    return out


def test_every_protected_operation_refuses_a_missing_or_foreign_key_before_the_body(
        client: Any, demo: dict) -> None:
    """Malformed, over-deep or schema-less bodies: without a key 401, with another site's
    key 403 - the same answers as with a perfect body."""
    protected = [op for op in operations(client) if op[3]]
    assert len(protected) >= 9  # notices, keys, subjects, permissions, ..., checks, optouts
    for method, url, media_types, _ in protected:
        for media_type in media_types:
            for body in (DEEP, "{not json", '{"unknown": 1}'):
                for headers, status in (({}, 401),
                                        (bearer("lupa_" + "x" * 40), 401),
                                        (bearer(demo["other_keys"]["admin"]), 403),
                                        (bearer(demo["other_keys"]["sender"]), 403)):
                    resp = client.open(url, method=method, data=body,
                                       headers={**headers, "Content-Type": media_type})
                    assert (resp.status_code, resp.mimetype) == (status, PROBLEM), (
                        method, url, media_type, body[:10], headers, resp.get_data()[:200])


def test_over_deep_json_is_a_400_problem_on_every_json_operation(client: Any,
                                                                 demo: dict) -> None:
    """Public operations and, with a key of the right role, protected ones."""
    role_of = {"/checks": "sender", "/optouts": "sender", "/unsubscribe-links": "sender"}
    checked = 0
    for method, url, media_types, protected in operations(client):
        if "application/json" not in media_types:
            continue
        role = next((r for suffix, r in role_of.items() if url.endswith(suffix)), "admin")
        headers = bearer(demo["keys"][role]) if protected else {}
        for body in (DEEP, nested(33), '{"a": ' + nested(32) + "}"):
            resp = client.open(url, method=method, data=body,
                               headers={**headers, "Content-Type": "application/json"})
            assert resp.status_code == 400 and resp.mimetype == PROBLEM, (
                method, url, body[:10], resp.status_code, resp.get_data()[:200])
            assert resp.get_json()["type"].endswith("/json-too-deep")
            assert "32 levels" in resp.get_json()["detail"]
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize("levels,status", [(32, 422), (33, 400)])
def test_the_limit_is_32_levels(client: Any, demo: dict, levels: int, status: int) -> None:
    """32 levels parse (and fail the schema: 422); 33 are refused unread (400)."""
    resp = client.post("/api/v1/sites/demo/subjects", data=nested(levels),
                       headers={**bearer(demo["keys"]["admin"]),
                                "Content-Type": "application/json"})
    assert resp.status_code == status


def test_brackets_inside_strings_are_not_nesting(client: Any, demo: dict) -> None:
    text = "[" * 100 + '\\"' + "{" * 100
    resp = client.post("/api/v1/sites/demo/subjects", json={"customer_number": text},
                       headers=bearer(demo["keys"]["admin"]))
    assert resp.status_code != 400


def test_an_ndjson_recipient_nested_too_deep_is_an_invalid_recipient(client: Any,
                                                                     demo: dict) -> None:
    body = '{"recipient": ' + "[" * 4000 + "]" * 4000 + '}\n"a@example.fi"\n'
    resp = client.post("/api/v1/sites/demo/checks?purpose=newsletter&channel=email",
                       data=body, headers={**bearer(demo["keys"]["sender"]),
                                           "Content-Type": "application/x-ndjson"})
    assert resp.status_code == 200
    lines = resp.get_data(as_text=True).splitlines()
    assert '"reason":"invalid"' in lines[0] and '"reason":"unknown"' in lines[1]


def test_a_deep_json_body_changes_nothing(app: Flask, client: Any, demo: dict) -> None:
    from sqlalchemy import text

    from service.extensions import db

    def counts() -> tuple[int, int]:
        with app.app_context():
            return (db.session.execute(text("SELECT count(*) FROM audit_entries")).scalar_one(),
                    db.session.execute(text("SELECT count(*) FROM consent_events")).scalar_one())

    before = counts()
    resp = client.post("/api/v1/sites/demo/consents", data=DEEP,
                       headers={"Content-Type": "application/json"})
    assert resp.status_code == 400
    assert counts() == before
