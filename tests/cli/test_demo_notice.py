"""`lupa demo --notice FILE` (DESIGN.md): the demo served with another notice, e.g. one of the
seed examples. The server itself is replaced by a recorder: the test runs the whole command up
to the point where it would serve."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parents[2]
SEED_001 = ROOT / "examples" / "notices" / "001-esiivo.toml"


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    from service.extensions import db

    calls: list[tuple[str, int]] = []

    def serve(host: str, port: int, app: Any, **kw: Any) -> None:
        # The command's own session holds no transaction while it serves: on SQLite an open
        # one locked every request of the demo out (503 after the 30 s busy timeout).
        assert not db.session().in_transaction()
        calls.append((host, port))

    monkeypatch.setattr("service.cli.demo.run_simple", serve)
    return calls


def test_demo_with_a_seed_notice_serves_that_notice_in_its_languages(
        runner: Any, client: FlaskClient, served: list[tuple[str, int]]) -> None:
    result = runner.invoke(args=["demo", "--port", "8124", "--notice", str(SEED_001)])
    assert result.exit_code == 0, result.output
    assert served == [("127.0.0.1", 8124)]
    assert "languages: fi" in result.output and "admin    key: " in result.output
    page = client.get("/sites/demo/notice?lang=fi")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "eSiivo Oy" in html and "10 vuotta asiakassuhteen päättymisestä" in html
    assert client.get("/sites/demo/notice?lang=sv").status_code == 422  # Finnish only
    config = client.get("/api/v1/sites/demo/config").get_json()["notice"]
    assert [c["key"] for c in config["categories"]] == ["necessary", "statistics"]
    demo = client.get("/demo")
    assert demo.status_code == 200
    body = demo.get_data(as_text=True)
    # The stand-in analytics tag waits for the notice's own key; there is no marketing tag.
    assert body.count('data-category="statistics"') == 2
    assert 'data-category="analytics"' not in body and "/demo/static/fake-pixel.js" not in body
    assert '<html lang="fi">' in body and "?lang=sv" not in body


def test_demo_without_notice_goes_back_to_the_shipped_one(
        runner: Any, client: FlaskClient, served: list[tuple[str, int]]) -> None:
    assert runner.invoke(args=["demo", "--notice", str(SEED_001)]).exit_code == 0
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert client.get("/sites/demo/notice?lang=sv").status_code == 200
    body = client.get("/demo?lang=en").get_data(as_text=True)
    assert body.count('data-category="analytics"') == 2 and "/demo/static/fake-pixel.js" in body
    assert '<html lang="en">' in body


def test_demo_with_a_bad_notice_fails_and_serves_nothing(
        runner: Any, tmp_path: Path, served: list[tuple[str, int]]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('format = 2\nregister_name.fi = "<p>x</p>"\n[controller]\nname = "X"\n')
    result = runner.invoke(args=["demo", "--notice", str(bad)])
    assert result.exit_code == 1
    assert "register_name.fi: Raw HTML is not allowed" in result.output
    assert served == []
