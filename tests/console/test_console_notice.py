"""Console notice editor: the current version as TOML, a check with errors by field and
warnings, the diff against the published version marking what makes the banner ask again
(a cookie added: yes; a wording change: no), publishing audited as the signed-in key."""

from __future__ import annotations

import html as htmllib
import json
import re
from typing import Any

from flask import Flask

from tests.console.helpers import entries, key_id, post, sign_in


def draft(client: Any) -> str:
    page = client.get("/console/demo/notice?lang=en").get_data(as_text=True)
    match = re.search(r'<textarea id="notice-text"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, "the editor holds the current version"
    return htmllib.unescape(match.group(1))


def test_the_editor_starts_from_the_published_version(client: Any, demo: dict) -> None:
    sign_in(client, demo["keys"]["admin"])
    text = draft(client)
    assert 'title.en = "Analytics cookies"' in text and 'key = "necessary"' in text
    # unchanged, it checks clean: no changes, no re-consent
    html = post(client, "/notice/check", notice=text).get_data(as_text=True)
    assert "No changes." in html and "will not ask again" in html


def test_a_wording_change_does_not_ask_again(client: Any, demo: dict) -> None:
    sign_in(client, demo["keys"]["admin"])
    text = draft(client).replace('title.en = "Analytics cookies"',
                                 'title.en = "Statistics cookies"')
    resp = post(client, "/notice/check", notice=text)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "will not ask again" in html
    assert "<code>cookie_categories[3].title.en</code>" in html
    assert "Analytics cookies" in html and "Statistics cookies" in html


def test_a_new_cookie_asks_again_and_is_marked(client: Any, demo: dict) -> None:
    sign_in(client, demo["keys"]["admin"])
    text = draft(client).replace('name = "_ga"', 'name = "_ga_new"', 1)
    html = post(client, "/notice/check", notice=text).get_data(as_text=True)
    assert "makes the banner ask every visitor again" in html
    row = html.split("<code>cookie_categories[3].")[1].split("</tr>")[0]
    assert "asks again" in row and "_ga_new" in row


def test_errors_are_shown_by_field_and_nothing_is_published(app: Flask, client: Any,
                                                           demo: dict) -> None:
    sign_in(client, demo["keys"]["admin"])
    before = len(entries(app, "demo", "notice.published"))
    resp = post(client, "/notice/publish", notice="this is = = not toml")
    assert resp.status_code == 422 and "Not valid TOML" in resp.get_data(as_text=True)
    text = draft(client).replace('title.fi = "Analytiikkaevästeet"', "")
    resp = post(client, "/notice/publish", notice=text)
    assert resp.status_code == 422
    assert "cookie_categories" in resp.get_data(as_text=True)
    assert len(entries(app, "demo", "notice.published")) == before


def test_publish_is_audited_as_the_key(app: Flask, client: Any, demo: dict) -> None:
    sign_in(client, demo["keys"]["admin"])
    text = draft(client).replace('title.en = "Analytics cookies"',
                                 'title.en = "Statistics cookies"')
    resp = post(client, "/notice/publish", notice=text)
    assert resp.status_code == 303
    entry = entries(app, "demo", "notice.published")[-1]
    assert entry.actor == f"key:{key_id(demo['keys']['admin'])}"
    assert json.loads(entry.payload)["version"] == 2
    page = client.get("/console/demo/notice?lang=en").get_data(as_text=True)
    assert "Version 2 published." in page and "Published version 2" in page
    # the same content again publishes nothing
    post(client, "/notice/publish", notice=draft(client))
    assert len(entries(app, "demo", "notice.published")) == 2


def test_another_site_cannot_publish(app: Flask, client: Any, demo: dict) -> None:
    sign_in(client, demo["keys"]["admin"])
    text = draft(client)
    resp = post(client, "/notice/publish", "demo", notice=text)  # token of the demo session
    assert resp.status_code == 303
    resp = client.post("/console/other/notice/publish", data={"notice": text})
    assert resp.status_code == 403
    assert len(entries(app, "other", "notice.published")) == 1  # the fixture's only


def test_preview_renders_the_draft_as_the_notice_page(app: Flask, client: Any,
                                                      demo: dict) -> None:
    sign_in(client, demo["keys"]["admin"])
    text = draft(client).replace('title.sv = "Analyskakor"', 'title.sv = "Statistikkakor"')
    assert 'title.sv = "Statistikkakor"' in text
    resp = post(client, "/notice/preview", notice=text, preview_lang="sv")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert '<html lang="sv"' in html and "Statistikkakor" in html and "2 (preview)" in html
    assert "'unsafe-inline'" not in resp.headers["Content-Security-Policy"]
    assert len(entries(app, "demo", "notice.published")) == 1  # nothing published
    assert post(client, "/notice/preview", notice="x = = y").status_code == 422
