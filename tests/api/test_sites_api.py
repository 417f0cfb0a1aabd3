"""Sites after creation (issue 14): PATCH of a site's name, origins and languages by an admin
key, audited with that key, validated as at creation, in force at once for CORS and the
widget config; GET /api/v1/sites lists what the key may read."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import bearer, make_app, new_visitor

SITE = "/api/v1/sites/demo"
CONFIG = "/api/v1/sites/demo/config"
CONSENTS = "/api/v1/sites/demo/consents"
NEW = "https://www.shop.example"


def key_id(key: str) -> str:
    return key.split("_")[1]


def entries(app: Flask, action: str) -> list[tuple[str, dict[str, Any]]]:
    """(actor, payload) of the demo site's audit entries with this action, oldest first."""
    from service.extensions import db

    with app.app_context():
        rows = db.session.execute(sa.text(
            "SELECT e.actor, e.payload FROM audit_entries e JOIN sites s ON s.id = e.site_id "
            "WHERE s.slug = 'demo' AND e.action = :a ORDER BY e.seq"), {"a": action}).all()
    return [(actor, json.loads(payload)) for actor, payload in rows]


def stored(app: Flask) -> tuple[str, list[str], list[str], int]:
    """The demo site's name, origins and languages as stored, and its audit length."""
    from service.extensions import db
    from service.models import Site

    with app.app_context():
        site = db.session.execute(sa.select(Site).where(Site.slug == "demo")).scalar_one()
        count = db.session.execute(sa.text("SELECT count(*) FROM audit_entries")).scalar_one()
        return site.name, list(site.origins), list(site.languages), int(count)


def test_patch_changes_only_what_is_given_and_audits_it_with_the_key(
        app: Flask, client: Any, demo: dict) -> None:
    admin = demo["keys"]["admin"]
    resp = client.patch(SITE, json={"name": " Demo Oy Ab ",
                                    "add_origins": ["https://WWW.Shop.Example:443/"]},
                        headers=bearer(admin))
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    # the name trimmed, the origin normalised like at creation, the languages untouched
    assert body["name"] == "Demo Oy Ab"
    assert body["origins"] == ["https://shop.example", NEW]
    assert body["languages"] == ["fi", "sv", "en"]
    assert client.get(SITE, headers=bearer(admin)).get_json() == body
    [(actor, payload)] = entries(app, "site.updated")
    assert actor == f"key:{key_id(admin)}"
    assert payload == {"name": "Demo Oy Ab", "origins": ["https://shop.example", NEW],
                       "origins_added": [NEW], "origins_removed": []}


def test_origins_are_replaced_or_removed_and_an_unchanged_patch_is_not_audited(
        app: Flask, client: Any, demo: dict) -> None:
    admin = bearer(demo["keys"]["admin"])
    resp = client.patch(SITE, json={"origins": [NEW, "http://localhost:3000"]}, headers=admin)
    assert resp.get_json()["origins"] == ["http://localhost:3000", NEW]
    resp = client.patch(SITE, json={"remove_origins": ["http://localhost:3000"]}, headers=admin)
    assert resp.get_json()["origins"] == [NEW]
    before = stored(app)
    for same in ({}, {"origins": [NEW]}, {"name": "Demo Oy"}, {"add_origins": [NEW]}):
        assert client.patch(SITE, json=same, headers=admin).status_code == 200
    assert stored(app) == before
    assert len(entries(app, "site.updated")) == 2


BAD_PATCHES: list[tuple[str, dict[str, Any], str]] = [
    ("empty name", {"name": ""}, "name"),
    ("blank name", {"name": "   "}, "name"),
    ("long name", {"name": "x" * 201}, "name"),
    ("name with an e-mail", {"name": "Demo (info@demo.example)"}, "name"),
    ("origin with a path", {"origins": ["https://shop.example/shop"]}, "origins"),
    ("origin not http", {"add_origins": ["ftp://shop.example"]}, "add_origins"),
    ("origin not a URL", {"add_origins": ["http://[::1"]}, "add_origins"),
    ("origin by LAN address", {"add_origins": ["http://192.168.1.20:8080"]}, "add_origins"),
    ("removing an origin it lacks", {"remove_origins": ["https://nope.example"]},
     "remove_origins"),
    ("unknown language", {"languages": ["de"]}, "languages"),
    ("no languages", {"languages": []}, "languages"),
    ("origins not a list", {"origins": "https://x.example"}, "origins"),
    ("slug cannot change", {"slug": "renamed"}, "slug"),
    ("a valid change with an invalid one", {"name": "New", "add_origins": ["nope"]},
     "add_origins"),
]


@pytest.mark.parametrize("body,field", [(b, f) for _, b, f in BAD_PATCHES],
                         ids=[i for i, _, _ in BAD_PATCHES])
def test_bad_patch_is_422_naming_the_field_and_changes_nothing(
        app: Flask, client: Any, demo: dict, body: dict[str, Any], field: str) -> None:
    before = stored(app)
    resp = client.patch(SITE, json=body, headers=bearer(demo["keys"]["admin"]))
    assert resp.status_code == 422, resp.get_json()
    assert resp.mimetype == "application/problem+json"
    assert field in json.dumps(resp.get_json()["errors"])
    assert stored(app) == before


def test_a_language_the_current_notice_lacks_is_refused(
        app: Flask, client: Any, demo: dict) -> None:
    from service.domain import notices, sites
    from service.extensions import db
    from tests.conftest import demo_notice

    admin = bearer(demo["keys"]["admin"])
    # Finnish only: a notice published for that site has Finnish texts only.
    assert client.patch(SITE, json={"languages": ["fi"]}, headers=admin).status_code == 200
    data = demo_notice()

    def finnish_only(node: Any) -> Any:
        if isinstance(node, dict):
            if node and set(node) <= {"fi", "sv", "en"}:
                return {"fi": node["fi"]}
            return {k: finnish_only(v) for k, v in node.items()}
        if isinstance(node, list):
            return [finnish_only(v) for v in node]
        return node

    with app.app_context():
        notices.publish_notice(sites.get_site("demo"), finnish_only(data), "test")
        db.session.commit()
    resp = client.patch(SITE, json={"languages": ["fi", "sv"]}, headers=admin)
    assert resp.status_code == 422
    assert "sv" in resp.get_json()["detail"]
    assert stored(app)[2] == ["fi"]
    # Swedish and English were in version 1, not in the current version 2: still refused.
    assert client.patch(SITE, json={"languages": ["en", "fi"]},
                        headers=admin).status_code == 422


def test_the_first_language_becomes_the_widgets_default(client: Any, demo: dict) -> None:
    resp = client.patch(SITE, json={"languages": ["en", "fi", "en"]},
                        headers=bearer(demo["keys"]["admin"]))
    assert resp.get_json()["languages"] == ["en", "fi"]
    site = client.get(CONFIG).get_json()["site"]
    assert site["languages"] == ["en", "fi"] and site["default_language"] == "en"


@pytest.mark.parametrize("caller", ["sender", "auditor", "other:admin", "none"])
def test_only_the_sites_admin_key_may_patch(app: Flask, client: Any, demo: dict,
                                            caller: str) -> None:
    before = stored(app)
    headers = {} if caller == "none" else bearer(
        demo["other_keys"]["admin"] if caller == "other:admin" else demo["keys"][caller])
    resp = client.patch(SITE, json={"add_origins": [NEW]}, headers=headers)
    assert resp.status_code == (401 if caller == "none" else 403)
    assert stored(app) == before


def test_new_origin_holds_at_once_for_cors_config_and_writes(client: Any, demo: dict) -> None:
    admin = bearer(demo["keys"]["admin"])
    first = client.get(CONFIG, headers={"Origin": NEW})  # cached now, without that origin
    assert "Access-Control-Allow-Origin" not in first.headers
    write = {"visitor_id": new_visitor(), "notice_version": 1, "choices": {},
             "method": "reject_all"}
    assert client.post(CONSENTS, json=write, headers={"Origin": NEW}).status_code == 403

    assert client.patch(SITE, json={"add_origins": [NEW]}, headers=admin).status_code == 200
    after = client.get(CONFIG, headers={"Origin": NEW, "If-None-Match": first.headers["ETag"]})
    # Same body, other CORS answer: the validator changed, so no 304 keeps the old headers.
    assert after.status_code == 200 and after.headers["ETag"] != first.headers["ETag"]
    assert after.headers["Access-Control-Allow-Origin"] == NEW
    assert client.post(CONSENTS, json=write, headers={"Origin": NEW}).status_code == 201

    client.patch(SITE, json={"remove_origins": [NEW]}, headers=admin)
    gone = client.get(CONFIG, headers={"Origin": NEW})
    assert "Access-Control-Allow-Origin" not in gone.headers
    write["visitor_id"] = new_visitor()
    assert client.post(CONSENTS, json=write, headers={"Origin": NEW}).status_code == 403


def test_another_instance_follows_within_its_local_cache_time(
        app: Flask, client: Any, demo: dict, database_url: str, tmp_path: Path) -> None:
    """Instances share no memory: another one serves its own cached config for at most
    LUPA_CONFIG_LOCAL_TTL (Redis, when configured, is invalidated at the commit)."""
    other = make_app(database_url, tmp_path / "other", LUPA_CONFIG_LOCAL_TTL=0.3)
    other_client = other.test_client()
    assert "Access-Control-Allow-Origin" not in other_client.get(
        CONFIG, headers={"Origin": NEW}).headers
    assert client.patch(SITE, json={"add_origins": [NEW]},
                        headers=bearer(demo["keys"]["admin"])).status_code == 200
    time.sleep(0.35)
    assert other_client.get(CONFIG, headers={"Origin": NEW}).headers.get(
        "Access-Control-Allow-Origin") == NEW


def test_site_list_shows_the_sites_the_key_may_read(client: Any, demo: dict) -> None:
    for role in ("admin", "auditor"):
        resp = client.get("/api/v1/sites", headers=bearer(demo["keys"][role]))
        assert resp.status_code == 200
        assert [s["slug"] for s in resp.get_json()] == ["demo"]
    other = client.get("/api/v1/sites", headers=bearer(demo["other_keys"]["admin"]))
    assert [s["slug"] for s in other.get_json()] == ["other"]
    assert client.get("/api/v1/sites", headers=bearer(demo["keys"]["sender"])).status_code == 403
    assert client.get("/api/v1/sites").status_code == 401


def test_unknown_site_is_named_in_the_answer(client: Any, demo: dict) -> None:
    resp = client.get("/api/v1/sites/nowhere/config")
    assert resp.status_code == 404
    assert "'nowhere'" in resp.get_json()["detail"]
