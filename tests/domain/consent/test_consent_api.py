"""The public consent API: configuration, recording, reading, CORS, and bad input."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import as_visitor, new_visitor

CONSENTS = "/api/v1/sites/demo/consents"


def counts(app: Flask) -> tuple[int, int]:
    from service.extensions import db

    with app.app_context():
        events = db.session.execute(sa.text("SELECT count(*) FROM consent_events")).scalar_one()
        entries = db.session.execute(sa.text("SELECT count(*) FROM audit_entries")).scalar_one()
    return int(events), int(entries)


def test_config_has_current_notice_and_etag_gives_304(client: Any, demo: dict) -> None:
    resp = client.get("/api/v1/sites/demo/config")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["notice"]["version"] == 1
    keys = [c["key"] for c in body["notice"]["categories"]]
    assert keys[0] == "necessary" and "analytics" in keys and "marketing" in keys
    assert "public" in resp.headers["Cache-Control"]
    etag = resp.headers["ETag"]
    again = client.get("/api/v1/sites/demo/config", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    other = client.get("/api/v1/sites/demo/config", headers={"If-None-Match": '"nope"'})
    assert other.status_code == 200


def test_new_notice_version_changes_config_etag(app: Flask, client: Any, demo: dict) -> None:
    from service.domain import notices, sites
    from service.extensions import db
    from tests.conftest import demo_notice_v2

    etag = client.get("/api/v1/sites/demo/config").headers["ETag"]
    with app.app_context():
        notices.publish_notice(sites.get_site("demo"), demo_notice_v2(), "test")
        db.session.commit()
    resp = client.get("/api/v1/sites/demo/config", headers={"If-None-Match": etag})
    assert resp.status_code == 200
    assert resp.get_json()["notice"]["version"] == 2


def test_record_choice_then_read_it_back(client: Any, demo: dict) -> None:
    resp = client.post(CONSENTS, json={"notice_version": 1,
                                       "choices": {"analytics": True}, "method": "custom"})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    vid = body["visitor_id"]
    assert body["choices"] == {"necessary": True, "preferences": False, "analytics": True,
                               "marketing": False}
    assert resp.headers["Set-Cookie"].startswith(f"lupa_vid={vid}.")  # the id, signed
    current = client.get(f"{CONSENTS}/{vid}").get_json()
    assert current["choices"]["analytics"] is True and current["method"] == "custom"


def test_latest_event_is_current_and_history_is_kept(client: Any, demo: dict) -> None:
    vid = new_visitor()
    as_visitor(client, vid)
    client.post(CONSENTS, json={"visitor_id": vid, "notice_version": 1, "method": "accept_all",
                                "choices": {"preferences": True, "analytics": True,
                                            "marketing": True}})
    client.post(CONSENTS, json={"visitor_id": vid, "notice_version": 1, "method": "withdraw",
                                "choices": {}})
    current = client.get(f"{CONSENTS}/{vid}").get_json()
    assert current["method"] == "withdraw"
    assert not any(v for k, v in current["choices"].items() if k != "necessary")
    history = client.get(f"{CONSENTS}/{vid}/history").get_json()
    assert [e["method"] for e in history["events"]] == ["accept_all", "withdraw"]


def test_missing_visitor_id_gets_a_fresh_one(client: Any, demo: dict) -> None:
    resp = client.post(CONSENTS, json={"notice_version": 1, "choices": {}, "method": "reject_all"})
    assert resp.status_code == 201
    vid = resp.get_json()["visitor_id"]
    assert client.get(f"{CONSENTS}/{vid}").status_code == 200


def test_unknown_visitor_is_404_problem(client: Any, demo: dict) -> None:
    resp = client.get(f"{CONSENTS}/{new_visitor()}")
    assert resp.status_code == 404
    assert resp.mimetype == "application/problem+json"


def test_ip_is_truncated_and_user_agent_bounded(app: Flask, client: Any, demo: dict) -> None:
    from service.extensions import db

    client.post(CONSENTS, json={"notice_version": 1, "choices": {}, "method": "reject_all"},
                environ_base={"REMOTE_ADDR": "203.0.113.77"},
                headers={"User-Agent": "X" * 1000})
    client.post(CONSENTS, json={"notice_version": 1, "choices": {}, "method": "reject_all"},
                environ_base={"REMOTE_ADDR": "2001:db8:abcd:12:1:2:3:4"})
    with app.app_context():
        rows = db.session.execute(
            sa.text("SELECT ip_prefix, user_agent FROM consent_events ORDER BY id")).all()
    assert rows[0][0] == "203.0.113.0/24" and len(rows[0][1]) == 256
    assert rows[1][0] == "2001:db8:abcd::/48"


def test_gpc_header_refuses_marketing_for_gpc_method(client: Any, demo: dict) -> None:
    resp = client.post(CONSENTS, headers={"Sec-GPC": "1"},
                       json={"notice_version": 1, "method": "gpc",
                             "choices": {"analytics": True, "marketing": True}})
    assert resp.status_code == 422
    ok = client.post(CONSENTS, headers={"Sec-GPC": "1"},
                     json={"notice_version": 1, "method": "gpc", "choices": {"analytics": True}})
    assert ok.status_code == 201
    assert ok.get_json()["choices"]["marketing"] is False


def test_cors_allows_only_the_sites_origins(client: Any, demo: dict) -> None:
    ok = client.get("/api/v1/sites/demo/config", headers={"Origin": "https://shop.example"})
    assert ok.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    other = client.get("/api/v1/sites/demo/config", headers={"Origin": "https://other.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    pre = client.options(CONSENTS, headers={"Origin": "https://shop.example",
                                            "Access-Control-Request-Method": "POST"})
    assert pre.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]


def test_write_from_a_foreign_origin_is_refused_and_stores_nothing(
    app: Flask, client: Any, demo: dict
) -> None:
    before = counts(app)
    resp = client.post(CONSENTS, headers={"Origin": "https://evil.example"},
                       json={"notice_version": 1, "choices": {}, "method": "reject_all"})
    assert resp.status_code == 403
    assert resp.mimetype == "application/problem+json"
    assert counts(app) == before


BAD_BODIES: list[tuple[str, Any, int]] = [
    ("not json", b"{bad json", 400),
    ("array", [], 422),
    ("string", "hello", 422),
    ("missing fields", {}, 422),
    ("version as string", {"notice_version": "1", "choices": {}, "method": "custom"}, 422),
    ("version zero", {"notice_version": 0, "choices": {}, "method": "custom"}, 422),
    ("unknown version", {"notice_version": 99, "choices": {}, "method": "custom"}, 422),
    ("unknown category", {"notice_version": 1, "choices": {"tracking": True}, "method": "custom"},
     422),
    ("necessary refused", {"notice_version": 1, "choices": {"necessary": False},
                           "method": "custom"}, 422),
    ("choice not bool", {"notice_version": 1, "choices": {"analytics": "yes"},
                         "method": "custom"}, 422),
    ("choice as 1", {"notice_version": 1, "choices": {"analytics": 1}, "method": "custom"}, 422),
    ("unknown method", {"notice_version": 1, "choices": {}, "method": "maybe"}, 422),
    ("accept_all not all", {"notice_version": 1, "choices": {"analytics": True},
                            "method": "accept_all"}, 422),
    ("reject_all granting", {"notice_version": 1, "choices": {"analytics": True},
                             "method": "reject_all"}, 422),
    ("bad visitor id", {"visitor_id": "../../etc", "notice_version": 1, "choices": {},
                        "method": "custom"}, 422),
    ("unknown field", {"notice_version": 1, "choices": {}, "method": "custom", "admin": True}, 422),
    ("choices not object", {"notice_version": 1, "choices": [True], "method": "custom"}, 422),
    ("huge version", {"notice_version": 10**30, "choices": {}, "method": "custom"}, 422),
]


@pytest.mark.parametrize("name,body,status", BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_bad_input_is_4xx_problem_and_stores_nothing(
    app: Flask, client: Any, demo: dict, name: str, body: Any, status: int
) -> None:
    before = counts(app)
    if isinstance(body, bytes):
        resp = client.post(CONSENTS, data=body, content_type="application/json")
    else:
        resp = client.post(CONSENTS, json=body)
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/problem+json"
    problem = resp.get_json()
    assert problem["status"] == status and problem["title"]
    assert counts(app) == before


def test_oversized_body_is_413_problem(app: Flask, client: Any, demo: dict) -> None:
    before = counts(app)
    big = b'{"notice_version": 1, "method": "custom", "choices": {}, "pad": "' + b"x" * 200_000
    resp = client.post(CONSENTS, data=big + b'"}', content_type="application/json")
    assert resp.status_code == 413
    assert resp.mimetype == "application/problem+json"
    assert counts(app) == before


@pytest.mark.parametrize("path", [
    "/api/v1/sites/nope/config",
    "/api/v1/sites/..%2F..%2Fetc/config",
    "/api/v1/sites/DEMO/config",
    "/api/v1/sites/demo%00/config",
    "/sites/nope/notice",
])
def test_unknown_or_tricky_site_paths_are_404_problem(client: Any, demo: dict, path: str) -> None:
    resp = client.get(path)
    assert resp.status_code == 404
    assert resp.mimetype == "application/problem+json"


def test_wrong_method_is_405_problem_with_allow(client: Any, demo: dict) -> None:
    resp = client.delete("/api/v1/sites/demo/config")
    assert resp.status_code == 405
    assert resp.mimetype == "application/problem+json"
    assert "GET" in resp.headers["Allow"]


def test_non_uuid_visitor_in_path_is_422(client: Any, demo: dict) -> None:
    resp = client.get(f"{CONSENTS}/not-a-uuid")
    assert resp.status_code == 422
    assert resp.mimetype == "application/problem+json"


def test_current_choice_comes_from_the_services_own_visitor_cookie(client: Any,
                                                                   demo: dict) -> None:
    missing = client.get(f"{CONSENTS}/current")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    posted = client.post(CONSENTS, json={"visitor_id": new_visitor(), "notice_version": 1,
                                         "choices": {"analytics": True}, "method": "custom"})
    assert posted.status_code == 201
    vid = posted.get_json()["visitor_id"]
    set_cookie = posted.headers["Set-Cookie"]
    assert set_cookie.startswith(f"lupa_vid={vid}.") and "HttpOnly" in set_cookie
    current = client.get(f"{CONSENTS}/current", headers={"Origin": "https://shop.example"})
    assert current.status_code == 200 and current.headers["Cache-Control"] == "no-store"
    assert current.get_json()["visitor_id"] == vid
    assert current.get_json()["choices"]["analytics"] is True
    assert current.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert current.headers["Access-Control-Allow-Credentials"] == "true"
    client.set_cookie("lupa_vid", "not-a-visitor-id")
    assert client.get(f"{CONSENTS}/current").status_code == 404
    client.set_cookie("lupa_vid", vid)  # the bare id, as anyone who learned it could send
    assert client.get(f"{CONSENTS}/current").status_code == 404
