"""Console keys page: the list with role, creator and last use; a new key's secret shown
once and working; revocation only with the confirmation, audited as the signed-in key, and
never of another site's key."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from service.domain import sites
from service.domain.sites import keys
from tests.conftest import bearer
from tests.console.helpers import entries, key_id, post, sign_in


def test_keys_are_listed_with_role_creator_and_last_use(client: Any, demo: dict) -> None:
    sign_in(client, demo["keys"]["admin"])
    html = client.get("/console/demo/keys?lang=en").get_data(as_text=True)
    for role in ("admin", "sender", "auditor"):
        assert f'id="key-{key_id(demo["keys"][role])}"' in html
    assert key_id(demo["other_keys"]["admin"]) not in html  # only this site's keys
    mine = html.split(f'id="key-{key_id(demo["keys"]["admin"])}"')[1].split("</tr>")[0]
    assert "(this session)" in mine and "<td>test</td>" in mine  # created by `test` in the fixture
    assert re.search(r"<td>\d{4}-\d\d-\d\d \d\d:\d\d</td>\s*<td>\s*<form", mine), \
        "the signing-in key's last use is shown"
    sender = html.split(f'id="key-{key_id(demo["keys"]["sender"])}"')[1].split("</tr>")[0]
    assert "never" in sender


def test_a_new_key_is_shown_once_and_works(app: Flask, client: Any, demo: dict) -> None:
    sign_in(client, demo["keys"]["admin"])
    resp = post(client, "/keys", role="sender", label="newsletter tool")
    assert resp.status_code == 201
    assert demo["keys"]["admin"] not in resp.headers.get("Set-Cookie", "")
    secret = re.search(r'data-testid="secret">(lupa_[^<]+)<', resp.get_data(as_text=True))
    assert secret, "the new key is shown"
    raw = secret.group(1)
    assert raw not in resp.headers.get("Set-Cookie", "")
    check = client.post("/api/v1/sites/demo/checks", headers=bearer(raw),
                        json={"purpose": "newsletter", "channel": "email", "recipients": []})
    assert check.status_code != 401
    html = client.get("/console/demo/keys").get_data(as_text=True)
    assert raw not in html and key_id(raw) in html and "newsletter tool" in html
    [entry] = entries(app, "demo", "key.created")[-1:]
    assert entry.actor == f"key:{key_id(demo['keys']['admin'])}"
    with app.app_context():
        [new] = [k for k in keys.list_keys(sites.get_site("demo")) if k.key_id == key_id(raw)]
        assert (new.role, new.created_by) == ("sender", entry.actor)


def test_an_unknown_role_or_long_label_creates_nothing(app: Flask, client: Any,
                                                       demo: dict) -> None:
    sign_in(client, demo["keys"]["admin"])
    before = len(entries(app, "demo", "key.created"))
    assert post(client, "/keys", role="owner").status_code == 422
    assert post(client, "/keys", role="sender", label="x" * 121).status_code == 422
    assert len(entries(app, "demo", "key.created")) == before


def test_revoking_needs_the_confirmation(app: Flask, client: Any, demo: dict) -> None:
    sign_in(client, demo["keys"]["admin"])
    target = key_id(demo["keys"]["sender"])
    assert post(client, f"/keys/{target}/revoke").status_code == 422
    assert entries(app, "demo", "key.revoked") == []
    resp = post(client, f"/keys/{target}/revoke", confirm="yes")
    assert resp.status_code == 303
    [entry] = entries(app, "demo", "key.revoked")
    assert entry.actor == f"key:{key_id(demo['keys']['admin'])}"
    probe = client.post("/api/v1/sites/demo/checks", headers=bearer(demo["keys"]["sender"]),
                        json={"purpose": "newsletter", "channel": "email", "recipients": []})
    assert probe.status_code == 401


def test_another_sites_key_cannot_be_revoked(app: Flask, client: Any, demo: dict) -> None:
    sign_in(client, demo["keys"]["admin"])
    foreign = key_id(demo["other_keys"]["sender"])
    assert post(client, f"/keys/{foreign}/revoke", confirm="yes").status_code == 404
    with app.app_context():
        key = keys.key_of_site(sites.get_site("other"), foreign)
        assert key is not None and key.revoked_at is None
    # and through the other site's URL, without a session there: refused
    resp = client.post(f"/console/other/keys/{foreign}/revoke", data={"confirm": "yes"})
    assert resp.status_code == 403


def test_revoking_the_sessions_own_key_signs_out_of_that_site(client: Any, demo: dict) -> None:
    sign_in(client, demo["keys"]["admin"])
    resp = post(client, f"/keys/{key_id(demo['keys']['admin'])}/revoke", confirm="yes")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/console/demo/login")
    assert client.get("/console/demo/keys").status_code == 302
