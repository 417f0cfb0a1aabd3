"""The `lupa` commands operators and scripts rely on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask

from tests.conftest import DEMO_NOTICE, bearer, demo_notice


def test_site_key_notice_workflow(runner: Any, client: Any, tmp_path: Path) -> None:
    res = runner.invoke(args=["site", "create", "shop", "--name", "Shop Oy",
                              "--origin", "https://Shop.Example/", "--origin", "http://localhost:3000"])
    assert res.exit_code == 0, res.output
    assert "https://shop.example" in res.output
    res = runner.invoke(args=["notice", "publish", "--site", "shop", str(DEMO_NOTICE)])
    assert res.exit_code == 0, res.output
    assert "version 1" in res.output
    as_json = tmp_path / "notice.json"
    data = demo_notice()
    data["banner"]["title"]["en"] = "Cookies, please decide"
    as_json.write_text(json.dumps(data))
    res = runner.invoke(args=["notice", "publish", "--site", "shop", str(as_json)])
    assert res.exit_code == 0 and "version 2" in res.output
    res = runner.invoke(args=["notice", "publish", "--site", "shop", str(as_json)])
    assert res.exit_code == 0 and "unchanged" in res.output
    res = runner.invoke(args=["key", "create", "--site", "shop", "--role", "auditor"])
    assert res.exit_code == 0, res.output
    key = res.stdout.strip().splitlines()[-1]
    assert key.startswith("lupa_")
    assert client.get("/api/v1/sites/shop/audit/verify", headers=bearer(key)).status_code == 200


def test_cli_errors_are_clear_and_nonzero(runner: Any, tmp_path: Path) -> None:
    res = runner.invoke(args=["site", "create", "Bad Slug!", "--name", "x"])
    assert res.exit_code != 0 and "slug" in res.output
    res = runner.invoke(args=["site", "create", "s1", "--name", "x", "--origin", "ftp://x"])
    assert res.exit_code != 0 and "origin" in res.output.lower()
    res = runner.invoke(args=["key", "create", "--site", "missing", "--role", "admin"])
    assert res.exit_code != 0 and "No such site" in res.output
    broken = tmp_path / "broken.toml"
    broken.write_text("this is = = not toml")
    runner.invoke(args=["site", "create", "s2", "--name", "S2"])
    res = runner.invoke(args=["notice", "publish", "--site", "s2", str(broken)])
    assert res.exit_code != 0 and "not valid" in res.output
    invalid = tmp_path / "invalid.json"
    invalid.write_text(json.dumps({"register_name": {"fi": "x"}}))
    res = runner.invoke(args=["notice", "publish", "--site", "s2", str(invalid)])
    assert res.exit_code != 0 and "did not validate" in res.output


def test_duplicate_site_is_refused(runner: Any) -> None:
    assert runner.invoke(args=["site", "create", "dup", "--name", "A"]).exit_code == 0
    res = runner.invoke(args=["site", "create", "dup", "--name", "B"])
    assert res.exit_code != 0 and "already exists" in res.output


def test_export_formats(runner: Any, demo: dict, tmp_path: Path) -> None:
    out = tmp_path / "a.csv"
    res = runner.invoke(args=["audit", "export", "--site", "demo", "--format", "csv", "-o",
                              str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_text().startswith("site,seq,ts,actor,action")
    out2 = tmp_path / "a.jsonl"
    res = runner.invoke(args=["audit", "export", "--site", "demo", "--format", "jsonl",
                              "--since", "2000-01-01T00:00:00Z", "-o", str(out2)])
    assert res.exit_code == 0, res.output
    first = json.loads(out2.read_text().splitlines()[0])
    assert first["seq"] == 1 and first["action"] == "site.created"
    res = runner.invoke(args=["audit", "export", "--site", "demo", "--since", "yesterday"])
    assert res.exit_code != 0


def test_demo_setup_is_idempotent(app: Flask) -> None:
    from service.cli.demo import ensure_demo_site

    with app.app_context():
        first = ensure_demo_site(8000)
        second = ensure_demo_site(8000)
    assert first == second and set(first) == {"admin", "sender", "auditor"}
