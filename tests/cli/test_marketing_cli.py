"""`lupa check` and `lupa import-optouts`."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from flask import Flask

from tests.marketing_helpers import (
    audit_actions,
    check,
    count,
    new_subject,
    put_permission,
    reasons,
)


def test_lupa_check_writes_allowed_and_denied_csv(runner: Any, client: Any, demo: dict,
                                                  app: Flask, tmp_path: Path) -> None:
    ok = new_subject(client, demo, email="ok@example.fi")
    put_permission(client, demo, ok, "newsletter", "email", "granted")
    no = new_subject(client, demo, email="no@example.fi")
    put_permission(client, demo, no, "*", "*", "prohibited")
    src = tmp_path / "list.csv"
    src.write_text("email,name\nok@example.fi,A\nNO@example.fi,B\nwho@example.fi,C\n")
    out = tmp_path / "answers.csv"
    result = runner.invoke(args=["check", "--site", "demo", "--purpose", "newsletter",
                                 "--channel", "email", "-o", str(out), str(src)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(out.open()))
    assert rows == [["recipient", "may_contact", "reason", "basis"],
                    ["ok@example.fi", "true", "", "consent"],
                    ["NO@example.fi", "false", "prohibited", ""],
                    ["who@example.fi", "false", "unknown", ""]]
    assert "3 recipients, 1 may be contacted" in result.output
    assert audit_actions(app)[-1] == "marketing.checked"
    assert count(app, "marketing_check_answers") == 3


def test_lupa_check_rejects_a_purpose_outside_the_notice(runner: Any, demo: dict, app: Flask,
                                                         tmp_path: Path) -> None:
    src = tmp_path / "list.csv"
    src.write_text("a@example.fi\n")
    result = runner.invoke(args=["check", "--site", "demo", "--purpose", "casino",
                                 "--channel", "email", str(src)])
    assert result.exit_code != 0 and "notice" in result.output
    assert count(app, "marketing_checks") == 0


def test_import_optouts_all_or_nothing_then_applies(runner: Any, client: Any, demo: dict,
                                                    app: Flask, tmp_path: Path) -> None:
    sid = new_subject(client, demo, email="known@example.fi")
    put_permission(client, demo, sid, "newsletter", "email", "granted")
    src = tmp_path / "unsubscribed.csv"
    src.write_text("Email Address,Reason\nknown@example.fi,x\nbroken,y\nnew@example.fi,z\n")
    before = count(app, "audit_entries")
    result = runner.invoke(args=["import-optouts", "--site", "demo", str(src)])
    assert result.exit_code == 1 and "1 rows are not valid" in result.output
    assert count(app, "audit_entries") == before
    result = runner.invoke(args=["import-optouts", "--site", "demo", "--skip-invalid",
                                 str(src)])
    assert result.exit_code == 0, result.output
    assert "imported 2 opt-outs" in result.output and "1 invalid" in result.output
    assert reasons(check(client, demo, ["known@example.fi", "new@example.fi"])) == \
        ["withdrawn", "withdrawn"]
