"""The operator's command line (issue 14): `lupa` shows Lupa's version, options and commands
only; sites and keys are listed and changed; errors are sentences that name what is wrong."""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask import Flask

from tests.conftest import ROOT, bearer


@pytest.fixture()
def lupa(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """Run the `lupa` console script's group (not the app's) in a fresh instance folder."""
    from service.cli.entry import LupaGroup

    monkeypatch.setenv("LUPA_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("LUPA_DATABASE_URL", raising=False)

    def run(*args: str) -> Any:
        return CliRunner().invoke(LupaGroup(help="Lupa consent service."), list(args),
                                  prog_name="lupa")

    return run


def test_version_is_lupas_own(lupa: Any) -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    res = lupa("--version")
    assert res.exit_code == 0
    assert res.output.strip() == f"lupa {version}"
    assert "Flask" not in res.output and "Werkzeug" not in res.output


def test_help_shows_no_flask_options_nor_extension_groups(lupa: Any) -> None:
    res = lupa("--help")
    assert res.exit_code == 0, res.output
    for flask_only in ("-A,", "--app", "--debug", "-e,", "--env-file", "Show the Flask version",
                       "limiter", "openapi"):
        assert flask_only not in res.output, flask_only
    for ours in ("site", "key", "notice", "audit", "db", "serve", "demo", "--version"):
        assert ours in res.output
    assert lupa("-A", "x", "site", "list").exit_code == 2
    assert lupa("limiter", "--help").exit_code == 2
    assert lupa("openapi", "write", "-").exit_code == 2


def test_db_offers_upgrade_current_and_history_only(lupa: Any) -> None:
    res = lupa("db", "--help")
    commands = [line.split()[0] for line in res.output.split("Commands:")[1].splitlines()
                if line.strip()]
    assert commands == ["current", "history", "upgrade"]
    assert "--directory" not in res.output and "--x-arg" not in res.output
    for developer_only in ("downgrade", "init", "migrate", "revision", "edit", "stamp"):
        assert lupa("db", developer_only, "--help").exit_code == 2, developer_only
    assert lupa("db", "upgrade").exit_code == 0
    current = lupa("db", "current")
    assert current.exit_code == 0


def test_an_unmigrated_database_is_one_sentence(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path, capsys: Any) -> None:
    from service.cli import entry

    monkeypatch.setenv("LUPA_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("LUPA_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setattr(sys, "argv", ["lupa", "site", "list"])
    with pytest.raises(SystemExit) as stopped:
        entry.main()
    assert stopped.value.code == 1
    err = capsys.readouterr().err
    assert "lupa db upgrade" in err and "Traceback" not in err


def test_site_list_as_table_and_json(runner: Any, demo: dict) -> None:
    res = runner.invoke(args=["site", "list"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0].split() == ["SLUG", "NAME", "LANGUAGES", "CREATED", "ORIGINS"]
    assert lines[1].startswith("demo ") and "https://shop.example" in lines[1]
    assert lines[2].startswith("other ")
    res = runner.invoke(args=["site", "list", "--json"])
    listed = json.loads(res.output)
    assert [s["slug"] for s in listed] == ["demo", "other"]
    assert listed[0] | {"created_at": None} == {
        "slug": "demo", "name": "Demo Oy", "origins": ["https://shop.example"],
        "languages": ["fi", "sv", "en"], "created_at": None}


def test_site_update_adds_removes_and_replaces_audited_as_the_cli_user(
        app: Flask, runner: Any, client: Any, demo: dict) -> None:
    res = runner.invoke(args=["site", "update", "demo", "--add-origin", "https://www.shop.example",
                              "--name", "Demo Oy Ab"])
    assert res.exit_code == 0, res.output
    assert "+https://www.shop.example" in res.output and "Demo Oy Ab" in res.output
    cfg = client.get("/api/v1/sites/demo/config", headers={"Origin": "https://www.shop.example"})
    assert cfg.headers["Access-Control-Allow-Origin"] == "https://www.shop.example"
    res = runner.invoke(args=["site", "update", "demo", "--remove-origin", "https://shop.example"])
    assert res.exit_code == 0 and "-https://shop.example" in res.output
    res = runner.invoke(args=["site", "update", "demo", "--origins", "https://a.example",
                              "--origins", "https://b.example"])
    assert res.exit_code == 0, res.output
    site = client.get("/api/v1/sites/demo", headers=bearer(demo["keys"]["admin"])).get_json()
    assert site["origins"] == ["https://a.example", "https://b.example"]
    assert site["name"] == "Demo Oy Ab"
    res = runner.invoke(args=["site", "update", "demo", "--name", "Demo Oy Ab"])
    assert res.exit_code == 0 and "unchanged" in res.output
    from service.cli.common import cli_actor
    from service.extensions import db

    with app.app_context():
        actors = db.session.execute(sa.text(
            "SELECT actor FROM audit_entries WHERE action = 'site.updated'")).scalars().all()
    assert len(actors) == 3 and set(actors) == {cli_actor()}
    assert cli_actor().startswith("cli:") and cli_actor() != "cli:"


def test_site_update_refuses_bad_input_in_words(runner: Any, demo: dict) -> None:
    res = runner.invoke(args=["site", "update", "demo"])
    assert res.exit_code == 2 and "Nothing to change" in res.output
    res = runner.invoke(args=["site", "update", "demo", "--add-origin", "ftp://x.example"])
    assert res.exit_code == 1
    assert "ftp://x.example" in res.output and "{" not in res.output
    res = runner.invoke(args=["site", "update", "demo", "--remove-origin", "https://no.example"])
    assert res.exit_code == 1 and "https://no.example is not an origin" in res.output
    res = runner.invoke(args=["site", "update", "missing", "--name", "X"])
    assert res.exit_code == 1 and "No such site: 'missing'." in res.output
    # The audit log never holds an e-mail or IP address: a clear refusal, not a traceback.
    for args in (["update", "demo", "--name", "Demo (info@demo.example)"],
                 ["create", "third", "--name", "Third (info@third.example)"],
                 ["create", "fourth", "--name", "Fourth", "--origin", "http://10.0.0.5:8080"]):
        res = runner.invoke(args=["site", *args])
        assert res.exit_code == 1, (args, res.output, res.exception)
        assert "IP address" in res.output
    assert "third" not in runner.invoke(args=["site", "list"]).output


def test_key_list_revoke_and_creator(app: Flask, runner: Any, client: Any, demo: dict) -> None:
    from service.cli.common import cli_actor

    made = runner.invoke(args=["key", "create", "--site", "demo", "--role", "sender",
                               "--label", "newsletter tool"])
    secret = made.stdout.strip().splitlines()[-1]
    new_id = secret.split("_")[1]
    assert client.get("/api/v1/sites/demo/suppressions?purpose=newsletter&channel=email",
                      headers=bearer(secret)).status_code == 200
    res = runner.invoke(args=["key", "list", "--site", "demo"])
    assert res.exit_code == 0, res.output
    header, *rows = res.output.splitlines()
    assert header.split() == ["ID", "ROLE", "CREATED", "CREATED", "BY", "LAST", "USED",
                              "REVOKED", "LABEL"]
    mine = next(r for r in rows if r.startswith(new_id))
    assert cli_actor() in mine and "newsletter tool" in mine and "never" not in mine
    assert secret.split("_", 2)[2] not in res.output
    for key in demo["keys"].values():
        assert key.split("_", 2)[2] not in res.output
    as_json = json.loads(runner.invoke(args=["key", "list", "--site", "demo", "--json"]).output)
    by_id = {k["key_id"]: k for k in as_json}
    assert by_id[new_id]["created_by"] == cli_actor() and by_id[new_id]["last_used_at"]
    assert by_id[new_id]["revoked_at"] is None

    res = runner.invoke(args=["key", "revoke", "--site", "demo", new_id])
    assert res.exit_code == 0 and f"revoked {new_id}" in res.output
    res = runner.invoke(args=["key", "revoke", "--site", "demo", new_id])
    assert res.exit_code == 0 and "already revoked" in res.output
    as_json = json.loads(runner.invoke(args=["key", "list", "--site", "demo", "--json"]).output)
    assert next(k for k in as_json if k["key_id"] == new_id)["revoked_at"]
    assert client.get("/api/v1/sites/demo/suppressions?purpose=newsletter&channel=email",
                      headers=bearer(secret)).status_code == 401


def test_key_errors_name_the_site_and_key(runner: Any, demo: dict) -> None:
    res = runner.invoke(args=["key", "list", "--site", "nowhere"])
    assert res.exit_code == 1 and "No such site: 'nowhere'." in res.output
    res = runner.invoke(args=["key", "revoke", "--site", "demo", "abcdef123456"])
    assert res.exit_code == 1 and "Site 'demo' has no key 'abcdef123456'." in res.output
    res = runner.invoke(args=["key", "create", "--site", "demo", "--role", "sender",
                              "--label", "x" * 121])
    assert res.exit_code == 2 and "120" in res.output


def test_field_errors_are_sentences_not_dict_reprs(runner: Any, demo: dict,
                                                   tmp_path: Path) -> None:
    recipients = tmp_path / "r.csv"
    recipients.write_text("a@example.com\n")
    res = runner.invoke(args=["check", "--site", "demo", "--purpose", "nonsense",
                              "--channel", "email", str(recipients)])
    assert res.exit_code == 1
    assert "{'" not in res.output and "['" not in res.output
    assert "purpose" in res.output


def test_error_lines_flatten_nested_fields() -> None:
    from service.cli.common import error_lines

    assert list(error_lines({"json": {"recipients": ["Too many.", "Bad."]},
                             "items": [{"id": ["missing"]}], "lang": "unknown"})) == [
        "json.recipients: Too many.; Bad.", "items.1.id: missing", "lang: unknown"]
