"""Publishing notice format 2 through the API and the CLI: bad notices publish nothing, the
site's languages rule, format-1 versions stay verifiable, the widget follows category types,
and retention reports the keys Lupa does not hold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from service.domain.audit.canonical import canonical_json, sha256_hex
from tests.conftest import bearer, demo_notice

FI_ONLY: dict[str, Any] = {
    "format": 2, "register_name": {"fi": "Asiakasrekisteri"},
    "controller": {"name": "Esimerkki Oy", "email": "tieto(at)esimerkki.fi"},
    "cookie_categories": [{"key": "statistics", "type": "analytics",
                           "title": {"fi": "Tilastot"}, "vendors": ["google_analytics_4"]}],
    "retention": [{"key": "bookkeeping", "data": {"fi": "Kirjanpito"}, "years": 6,
                   "starts": "end_of_accounting_year"}],
    "rights": [{"key": "other", "title": {"fi": "Muut"}, "text": {"fi": "a"}},
               {"key": "other", "title": {"fi": "Muut 2"}, "text": {"fi": "b"}}],
}


def _versions(client: FlaskClient, key: str) -> int:
    return len(client.get("/api/v1/sites/demo/notices", headers=bearer(key)).get_json())


def _fi_only_site(app: Flask) -> None:
    from service.domain import sites
    from service.extensions import db

    with app.app_context():
        sites.get_site("demo").languages = ["fi"]
        db.session.commit()


def test_bad_notice_gets_422_problem_and_publishes_nothing(client: FlaskClient,
                                                          demo: dict[str, Any]) -> None:
    admin = demo["keys"]["admin"]
    before = _versions(client, admin)
    bad = {**FI_ONLY, "data_content": {"fi": "<b>x</b>"}}
    r = client.post("/api/v1/sites/demo/notices", json=bad, headers=bearer(admin))
    assert r.status_code == 422
    assert r.mimetype == "application/problem+json"
    assert "data_content.fi" in r.get_json()["errors"]
    assert "register_name.sv" in r.get_json()["errors"]  # the demo site has fi, sv, en
    assert _versions(client, admin) == before


def test_finnish_only_site_publishes_finnish_only(app: Flask, client: FlaskClient,
                                                  demo: dict[str, Any]) -> None:
    admin = demo["keys"]["admin"]
    _fi_only_site(app)
    r = client.post("/api/v1/sites/demo/notices", json=FI_ONLY, headers=bearer(admin))
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["data"]["controller"]["email"] == "tieto@esimerkki.fi"
    assert any(w["article"] == "GDPR art. 13(2)(e)" for w in body["warnings"])
    page = client.get("/sites/demo/notice?lang=fi").get_data(as_text=True)
    assert 'id="right-other-1"' in page and 'id="right-other-2"' in page
    assert "6 vuotta tilikauden päättymisvuoden lopusta" in page
    assert "<code>_ga</code>" in page and "<code>lupa_vid</code>" in page
    config = client.get("/api/v1/sites/demo/config").get_json()["notice"]
    stats = next(c for c in config["categories"] if c["key"] == "statistics")
    assert stats["type"] == "analytics" and stats["required"] is False
    assert {"_ga", "_ga_*"} <= {c["name"] for c in stats["cookies"]}  # the removal list
    assert config["consent_required"] is True


def test_necessary_only_notice_needs_no_consent(app: Flask, client: FlaskClient,
                                                demo: dict[str, Any]) -> None:
    admin = demo["keys"]["admin"]
    _fi_only_site(app)
    plain = {k: v for k, v in FI_ONLY.items() if k != "cookie_categories"}
    assert client.post("/api/v1/sites/demo/notices", json=plain,
                       headers=bearer(admin)).status_code == 201
    config = client.get("/api/v1/sites/demo/config").get_json()["notice"]
    assert [c["key"] for c in config["categories"]] == ["necessary"]
    assert config["consent_required"] is False


def test_format_1_version_keeps_its_hash_and_renders(app: Flask, client: FlaskClient,
                                                     demo: dict[str, Any]) -> None:
    from service.domain import sites
    from service.extensions import db
    from service.models import NoticeVersion

    old = {"register_name": {"fi": "Vanha", "sv": "Gammal", "en": "Old"},
           "controller": {"name": "Vanha Oy", "address": "Katu 1"},
           "transfers_outside_eea": {"transfers": False, "text": {"fi": "Ei siirtoja."}},
           "retention": [], "rights": [], "banner": {"title": {"fi": "t"}, "text": {"fi": "x"}},
           "cookie_categories": [{"key": "necessary", "required": True, "title": {"fi": "V"},
                                  "description": {"fi": "d"}, "cookies": []}],
           "marketing": {"purposes": [], "channels": ["email"]}}
    digest = sha256_hex(canonical_json(old))
    with app.app_context():
        site = sites.get_site("demo")
        db.session.add(NoticeVersion(site_id=site.id, number=2, content_hash=digest,
                                     categories_hash="x" * 64, data=old, published_by="old"))
        db.session.commit()
    page = client.get("/sites/demo/notice?lang=fi&version=2")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Säilytysaikaa ei ole ilmoitettu." in html and "<thead>" not in html.split(
        'id="retention"')[1].split("</section>")[0]
    got = client.get("/api/v1/sites/demo/notices/2", headers=bearer(demo["keys"]["auditor"]))
    assert sha256_hex(canonical_json(got.get_json()["data"])) == digest


def test_cli_check_lists_errors_and_warnings(runner: Any, tmp_path: Path,
                                             demo: dict[str, Any]) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(FI_ONLY))
    result = runner.invoke(args=["notice", "check", str(good)])
    assert result.exit_code == 0, result.output
    assert "GDPR art. 13(2)(f)" in result.output and "ok:" in result.output
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**FI_ONLY, "prepared": "1.9.2019"}))
    result = runner.invoke(args=["notice", "check", str(bad)])
    assert result.exit_code == 1
    assert "prepared: Use a date in the format YYYY-MM-DD." in result.output


def test_retention_dry_run_reports_keys_outside_lupa(runner: Any, demo: dict[str, Any]) -> None:
    result = runner.invoke(args=["retention", "purge", "--site", "demo", "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = [line.split("\t") for line in result.output.splitlines() if "\t" in line]
    status = {row[1]: row[2] for row in lines}
    assert status["bookkeeping"] == "kept_outside_lupa"
    assert status["recruitment"] == "kept_outside_lupa"
    assert status["visitor_consent"] == "would_delete"
    assert demo_notice()["format"] == 2
