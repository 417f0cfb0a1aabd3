"""Auditor pages over HTTP: sign-in, session cookie flags, CSRF, site isolation, CSP, content."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from tests.domain.audit.test_tamper import edit_payload, record, site_id

BASE = "/auditor/demo"


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "form without CSRF token"
    return match.group(1)


def sign_in(client: Any, key: str, site: str = "demo") -> Any:
    page = client.get(f"/auditor/{site}/login")
    assert page.status_code == 200
    return client.post(f"/auditor/{site}/login",
                       data={"key": key, "csrf_token": csrf(page.get_data(as_text=True))})


def test_pages_need_sign_in(client: Any, demo: dict) -> None:
    for path in ("", "/log", "/report", "/export.csv"):
        resp = client.get(BASE + path)
        assert resp.status_code == 302 and resp.headers["Location"].endswith("/auditor/demo/login")


def test_sign_in_sets_a_hardened_session_cookie(client: Any, demo: dict) -> None:
    resp = sign_in(client, demo["keys"]["auditor"])
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/auditor/demo")
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert demo["keys"]["auditor"] not in cookie
    page = client.get(BASE)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "INTACT" in html and "Promises" in html and "<svg" in html


@pytest.mark.parametrize("role", ["admin", "sender"])
def test_only_auditor_keys_of_the_site_sign_in(client: Any, demo: dict, role: str) -> None:
    assert sign_in(client, demo["keys"][role]).status_code == 401
    assert sign_in(client, demo["other_keys"]["auditor"]).status_code == 401
    assert sign_in(client, "lupa_nonsense").status_code == 401
    assert client.get(BASE).status_code == 302


def test_session_of_one_site_does_not_open_another(client: Any, demo: dict) -> None:
    assert sign_in(client, demo["keys"]["auditor"]).status_code == 303
    assert client.get("/auditor/other").status_code == 302
    assert client.get("/auditor/other/export.jsonl").status_code == 302


def test_login_without_csrf_token_is_refused(client: Any, demo: dict) -> None:
    client.get(BASE + "/login")
    resp = client.post(BASE + "/login", data={"key": demo["keys"]["auditor"]})
    assert resp.status_code == 400
    assert client.get(BASE).status_code == 302


def test_posts_need_the_csrf_token(app: Flask, client: Any, demo: dict) -> None:
    record(client, 2)
    sign_in(client, demo["keys"]["auditor"])
    before = client.get(BASE).get_data(as_text=True)
    assert client.post(BASE + "/checkpoint", data={}).status_code == 403
    assert client.post(BASE + "/checkpoint", data={"csrf_token": "forged"}).status_code == 403
    assert client.post(BASE + "/logout", data={}).status_code == 403
    ok = client.post(BASE + "/checkpoint", data={"csrf_token": csrf(before)})
    assert ok.status_code == 303
    assert client.post(BASE + "/logout", data={"csrf_token": csrf(before)}).status_code == 303
    assert client.get(BASE).status_code == 302


def test_revoked_key_ends_the_session(app: Flask, client: Any, runner: Any, demo: dict) -> None:
    sign_in(client, demo["keys"]["auditor"])
    assert client.get(BASE).status_code == 200
    key_id = demo["keys"]["auditor"].split("_")[1]
    assert runner.invoke(args=["key", "revoke", "--site", "demo", key_id]).exit_code == 0
    assert client.get(BASE).status_code == 302


def test_pages_send_a_strict_csp_and_no_inline_code(client: Any, demo: dict) -> None:
    record(client, 3)
    sign_in(client, demo["keys"]["auditor"])
    for path in ("", "/log", "/report", "/login"):
        resp = client.get(BASE + path)
        csp = resp.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "unsafe-inline" not in csp
        html = resp.get_data(as_text=True)
        assert "<script" not in html and "<style" not in html and " style=" not in html
        assert resp.headers["Cache-Control"] == "no-store"
    assert client.get("/auditor/static/auditor.css").status_code == 200


def test_log_filters_and_pages(client: Any, demo: dict) -> None:
    record(client, 3)
    sign_in(client, demo["keys"]["auditor"])
    html = client.get(BASE + "/log?action=consent.*").get_data(as_text=True)
    assert html.count("<td><a href=\"/auditor/demo/log?action=consent.recorded\">") == 3
    assert "site.created" not in html
    bad = client.get(BASE + "/log?since=yesterday")
    assert bad.status_code == 422 and "Invalid filter" in bad.get_data(as_text=True)


def test_exports_follow_the_filters(client: Any, demo: dict) -> None:
    record(client, 2)
    sign_in(client, demo["keys"]["auditor"])
    jsonl = client.get(BASE + "/export.jsonl?action=consent.*")
    assert jsonl.mimetype == "application/x-ndjson"
    assert len(jsonl.get_data(as_text=True).splitlines()) == 2
    csv = client.get(BASE + "/export.csv")
    assert csv.get_data(as_text=True).startswith("site,seq,ts")
    bundle = client.get(BASE + "/export.bundle").get_data(as_text=True).splitlines()
    assert '"lupa.audit-export"' in bundle[0] and '"head"' in bundle[-1]
    assert client.get(BASE + "/export.xml").status_code == 404


def test_overview_shows_a_broken_chain(app: Flask, client: Any, demo: dict) -> None:
    record(client, 12)
    edit_payload(app, site_id(app))
    sign_in(client, demo["keys"]["auditor"])
    html = client.get(BASE).get_data(as_text=True)
    assert "BROKEN" in html and "hash" in html


def test_report_page_and_bad_period(client: Any, demo: dict) -> None:
    record(client, 2)
    sign_in(client, demo["keys"]["auditor"])
    html = client.get(BASE + "/report").get_data(as_text=True)
    assert "consent_before_tracking" in html and "holds" in html
    bad = client.get(BASE + "/report?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z")
    assert bad.status_code == 422


def test_unknown_site_is_404(client: Any, demo: dict) -> None:
    assert client.get("/auditor/nosuch/login").status_code == 404


def test_checkpoints_download_to_keep_and_verify_offline_counting_each_once(
        client: Any, runner: Any, demo: dict, tmp_path: Any) -> None:
    import json

    record(client, 3)
    sign_in(client, demo["keys"]["auditor"])
    html = client.get(BASE).get_data(as_text=True)
    assert 'href="/auditor/demo/checkpoints.json"' in html
    page = client.get(BASE)
    client.post(BASE + "/checkpoint", data={"csrf_token": csrf(page.get_data(as_text=True))})
    kept = client.get(BASE + "/checkpoints.json")
    assert kept.status_code == 200 and kept.mimetype == "application/json"
    assert kept.headers["Content-Disposition"].startswith(
        'attachment; filename="demo-checkpoints-')
    body = json.loads(kept.get_data(as_text=True))
    signed = len(body["checkpoints"])
    assert signed >= 1 and len(body["public_keys"]) >= 1
    (tmp_path / "kept.json").write_bytes(kept.get_data())
    (tmp_path / "bundle.jsonl").write_bytes(client.get(BASE + "/export.bundle").get_data())
    res = runner.invoke(args=["audit", "verify", "--file", str(tmp_path / "bundle.jsonl"),
                              "--checkpoint", str(tmp_path / "kept.json"), "--json"])
    assert res.exit_code == 0, res.output
    result = json.loads(res.stdout)
    # the bundle's own checkpoint and the kept copy are one checkpoint
    assert result["checkpoints_checked"] == signed and result["anchored"] is True
    client.post(BASE + "/logout", data={"csrf_token": csrf(client.get(BASE).get_data(
        as_text=True))})
    assert client.get(BASE + "/checkpoints.json").status_code == 302


def test_overview_charts_keep_series_apart_and_name_them_in_words(client: Any,
                                                                  demo: dict) -> None:
    from tests.domain.audit.test_tamper import new_visitor

    for _ in range(2):  # every optional category accepted: equal rates, 100 % each
        resp = client.post("/api/v1/sites/demo/consents", json={
            "visitor_id": new_visitor(), "notice_version": 1, "method": "accept_all",
            "choices": {"preferences": True, "analytics": True, "marketing": True}})
        assert resp.status_code == 201, resp.get_json()
    sign_in(client, demo["keys"]["auditor"])
    html = client.get(BASE).get_data(as_text=True)
    acceptance = html[html.index('aria-label="Acceptance rate'):]
    acceptance = acceptance[:acceptance.index("</svg>")]
    bars = re.findall(r'<rect x="([\d.]+)"[^>]*><title>', acceptance)
    assert len(bars) == 3 and len(set(bars)) == 3  # one per category, none over another
    assert "<polyline" not in acceptance
    marketing = html[html.index('aria-label="Opt-ins, withdrawals'):]
    marketing = marketing[:marketing.index("</svg>")]
    assert ">Opt-ins</text>" in marketing and ">Withdrawals</text>" in marketing
    assert "opt_ins" not in html
