"""Console sign-in, sessions over several sites, site settings and the origin test, over the
Flask test client: auth and CSRF required, one site's key never acts on another, every change
audited as the signed-in key."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from sqlalchemy import select

from service.domain import sites
from service.domain.sites import keys
from service.extensions import db
from service.models import Site
from tests.console.helpers import csrf, entries, key_id, post, sign_in, token


def origins_of(app: Flask, slug: str) -> list[str]:
    with app.app_context():
        return list(db.session.execute(select(Site).where(Site.slug == slug)).scalar_one()
                    .origins)


def test_pages_need_sign_in(client: Any, demo: dict) -> None:
    for path in ("", "/keys", "/requests"):
        resp = client.get(f"/console/demo{path}")
        assert resp.status_code == 302 and resp.headers["Location"].endswith("/console/demo/login")
    resp = client.post("/console/demo/origins/add", data={"origin": "https://x.example"})
    assert resp.status_code == 403


def test_only_admin_keys_of_the_site_sign_in(client: Any, demo: dict) -> None:
    for raw in (demo["keys"]["sender"], demo["keys"]["auditor"], demo["other_keys"]["admin"],
                "lupa_nonsense"):
        assert sign_in(client, raw).status_code == 401
    assert client.get("/console/demo").status_code == 302
    resp = sign_in(client, demo["keys"]["admin"])
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/console/demo")
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert demo["keys"]["admin"] not in cookie
    page = client.get("/console/demo")
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "'unsafe-inline'" not in page.headers["Content-Security-Policy"]


def test_sign_in_needs_the_form_token(client: Any, demo: dict) -> None:
    resp = client.post("/console/demo/login", data={"key": demo["keys"]["admin"]})
    assert resp.status_code == 400
    assert client.get("/console/demo").status_code == 302


def test_several_sites_in_one_session_each_with_its_own_key(client: Any, demo: dict) -> None:
    assert sign_in(client, demo["keys"]["admin"]).status_code == 303
    assert client.get("/console/other").status_code == 302  # not signed in there yet
    assert sign_in(client, demo["other_keys"]["admin"], "other").status_code == 303
    html = client.get("/console/other").get_data(as_text=True)
    assert 'href="/console/demo"' in html and 'href="/console/other" aria-current="page"' in html
    assert client.get("/console/demo").status_code == 200  # the first site stays signed in
    resp = client.get("/console/?site=demo")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/console/demo")
    client.post("/console/demo/logout", data={"csrf_token": token(client)})
    assert client.get("/console/demo").status_code == 302
    assert client.get("/console/other").status_code == 302


def test_a_key_of_one_site_cannot_change_another(app: Flask, client: Any, demo: dict) -> None:
    sign_in(client, demo["keys"]["admin"])
    sent = token(client)
    for path, form in (("/origins/add", {"origin": "https://evil.example"}),
                       ("/origins/remove", {"origin": "https://other.example"}),
                       ("/settings", {"name": "Taken Oy", "lang_fi": "1"})):
        resp = client.post(f"/console/other{path}", data={**form, "csrf_token": sent})
        assert resp.status_code == 403, path
    assert origins_of(app, "other") == ["https://other.example"]
    assert entries(app, "other", "site.updated") == []


def test_changes_need_the_csrf_token(app: Flask, client: Any, demo: dict) -> None:
    sign_in(client, demo["keys"]["admin"])
    for data in ({}, {"csrf_token": "forged"}):
        resp = client.post("/console/demo/origins/add",
                           data={"origin": "https://www.shop.example", **data})
        assert resp.status_code == 403
    assert origins_of(app, "demo") == ["https://shop.example"]


def test_origins_added_and_removed_are_audited_as_the_key(app: Flask, client: Any,
                                                          demo: dict) -> None:
    sign_in(client, demo["keys"]["admin"])
    resp = post(client, "/origins/add", origin="https://WWW.shop.example:443/")
    assert resp.status_code == 303
    assert origins_of(app, "demo") == ["https://shop.example", "https://www.shop.example"]
    resp = post(client, "/origins/remove", origin="https://shop.example")
    assert resp.status_code == 303
    assert origins_of(app, "demo") == ["https://www.shop.example"]
    audited = entries(app, "demo", "site.updated")
    me = f"key:{key_id(demo['keys']['admin'])}"
    assert [e.actor for e in audited] == [me, me]
    assert json.loads(audited[0].payload)["origins_added"] == ["https://www.shop.example"]
    assert json.loads(audited[1].payload)["origins_removed"] == ["https://shop.example"]


def test_an_invalid_origin_is_a_422_that_changes_nothing(app: Flask, client: Any,
                                                         demo: dict) -> None:
    sign_in(client, demo["keys"]["admin"])
    for bad in ("shop.example", "https://shop.example/path", "ftp://shop.example",
                "https://10.0.0.1"):
        resp = post(client, "/origins/add", origin=bad)
        assert resp.status_code == 422, bad
        assert 'role="alert"' in resp.get_data(as_text=True)
    resp = post(client, "/origins/remove", origin="https://never.example")
    assert resp.status_code == 422
    assert origins_of(app, "demo") == ["https://shop.example"]
    assert entries(app, "demo", "site.updated") == []


def test_name_and_languages_change(app: Flask, client: Any, demo: dict) -> None:
    sign_in(client, demo["keys"]["admin"])
    resp = post(client, "/settings", name="Demo Ab", lang_sv="1", lang_en="2", lang_fi="")
    assert resp.status_code == 303
    with app.app_context():
        site = sites.get_site("demo")
        assert (site.name, site.languages) == ("Demo Ab", ["sv", "en"])
    [entry] = entries(app, "demo", "site.updated")
    assert entry.actor == f"key:{key_id(demo['keys']['admin'])}"
    # no language at all is refused, and nothing changes
    resp = post(client, "/settings", name="Demo Ab")
    assert resp.status_code == 422
    with app.app_context():
        assert sites.get_site("demo").languages == ["sv", "en"]


def test_pages_speak_the_sites_first_language_and_switch(app: Flask, client: Any,
                                                         demo: dict) -> None:
    sign_in(client, demo["keys"]["admin"])
    html = client.get("/console/demo").get_data(as_text=True)
    assert '<html lang="fi">' in html and "Asetukset" in html  # demo: fi, sv, en
    html = client.get("/console/demo?lang=sv").get_data(as_text=True)
    assert '<html lang="sv">' in html and "Inställningar" in html
    html = client.get("/console/demo/keys").get_data(as_text=True)
    assert '<html lang="sv">' in html and "Nycklar" in html  # the choice is kept
    html = client.get("/console/demo?lang=en").get_data(as_text=True)
    assert "Allowed origins" in html


def test_origin_test_says_what_the_browser_would_be_told(client: Any, demo: dict) -> None:
    sign_in(client, demo["keys"]["admin"])
    html = post(client, "/origins/test", origin="https://shop.example").get_data(as_text=True)
    assert "Sallittu" in html and "https://shop.example" in html and "versio 1" in html
    resp = post(client, "/origins/test", origin="https://staging.shop.example")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Estetty" in html and "https://staging.shop.example" in html
    html = post(client, "/origins/test", origin="staging").get_data(as_text=True)
    assert "Ei alkuperä" in html


def test_origin_test_without_a_notice(app: Flask, client: Any) -> None:
    with app.app_context():
        site = sites.create_site("bare", "Bare Oy", ["https://bare.example"], "test",
                                 languages=["en"])
        raw = keys.create_key(site, "admin", "test")[1]
        db.session.commit()
    sign_in(client, raw, "bare")
    html = post(client, "/origins/test", "bare", origin="https://bare.example",
                ).get_data(as_text=True)
    assert "404" in html and "no published notice" in html  # the site's only language


def test_a_revoked_key_ends_its_session(app: Flask, client: Any, demo: dict) -> None:
    sign_in(client, demo["keys"]["admin"])
    with app.app_context():
        keys.revoke_key(sites.get_site("demo"), key_id(demo["keys"]["admin"]), "test")
        db.session.commit()
    assert client.get("/console/demo").status_code == 302
    page = client.get("/console/demo/login")
    assert csrf(page.get_data(as_text=True))
