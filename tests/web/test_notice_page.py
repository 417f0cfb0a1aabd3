"""The notice page served over HTTP: languages, versions, bad parameters."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.conftest import demo_notice_v2


def test_notice_page_in_each_language(client: Any, demo: dict) -> None:
    expected = {"fi": "Rekisterinpitäjä", "sv": "Personuppgiftsansvarig", "en": "Controller"}
    for lang, heading in expected.items():
        resp = client.get(f"/sites/demo/notice?lang={lang}")
        assert resp.status_code == 200
        html = resp.get_data(as_text=True)
        assert f'<html lang="{lang}"' in html
        assert heading in html
        assert resp.headers["Content-Language"] == lang


def test_notice_page_versions(app: Flask, client: Any, demo: dict) -> None:
    from service.domain import notices, sites
    from service.extensions import db

    with app.app_context():
        notices.publish_notice(sites.get_site("demo"), demo_notice_v2(), "test")
        db.session.commit()
    latest = client.get("/sites/demo/notice?lang=en").get_data(as_text=True)
    old = client.get("/sites/demo/notice?lang=en&version=1").get_data(as_text=True)
    assert "_gcl_au" in latest and "_gcl_au" not in old


def test_notice_page_bad_parameters(client: Any, demo: dict) -> None:
    for query, status in [("lang=de", 422), ("version=abc", 422), ("version=99", 404),
                          ("version=-1", 422)]:
        resp = client.get(f"/sites/demo/notice?{query}")
        assert resp.status_code == status, query
        assert resp.mimetype == "application/problem+json"
