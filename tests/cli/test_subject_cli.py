"""`lupa subject relationship` and `lupa subject import-customers`: customer relationships
from the command line, audited as `cli`, all or nothing unless told to skip bad rows."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from tests.marketing_helpers import audit_actions, count


def _days(app: Flask) -> dict[str, Any]:
    from service.domain.marketing import relationships

    today = relationships.today()
    return {"past": (today - timedelta(days=100)).isoformat(),
            "yesterday": (today - timedelta(days=1)).isoformat(),
            "tomorrow": (today + timedelta(days=1)).isoformat()}


def _relationship(app: Flask, number: str) -> tuple[Any, Any]:
    from service.domain import sites
    from service.domain.marketing import subjects

    with app.app_context():
        subject = subjects.find_by_identifier(sites.get_site("demo"), "customer_number", number)
        assert subject is not None
        return subject.relationship_start, subject.relationship_end


def test_relationship_sets_one_customer_and_is_audited(app: Flask, runner: Any,
                                                       demo: dict) -> None:
    days = _days(app)
    result = runner.invoke(args=["subject", "relationship", "--site", "demo",
                                 "--customer-number", "a-77", "--start", days["past"]])
    assert result.exit_code == 0, result.output
    assert "active today" in result.output and "A-77" not in result.output
    assert str(_relationship(app, "A-77")[0]) == days["past"]
    result = runner.invoke(args=["subject", "relationship", "--site", "demo",
                                 "--customer-number", "A-77", "--start", days["past"],
                                 "--end", days["yesterday"]])
    assert result.exit_code == 0 and "not active" in result.output
    assert audit_actions(app).count("subject.relationship") == 2
    bad = runner.invoke(args=["subject", "relationship", "--site", "demo",
                              "--customer-number", "A-77", "--start", days["tomorrow"],
                              "--end", days["past"]])
    assert bad.exit_code != 0 and "before the start" in bad.output
    assert runner.invoke(args=["subject", "relationship", "--site", "demo",
                               "--start", days["past"]]).exit_code != 0  # whose?


def test_import_customers_is_all_or_nothing_then_applies(app: Flask, runner: Any, demo: dict,
                                                         tmp_path: Path) -> None:
    days = _days(app)
    src = tmp_path / "customers.csv"
    src.write_text(f"asiakasnumero,alku,loppu\nK1,{days['past']},\nK2,{days['past']},"
                   f"{days['tomorrow']}\n,{days['past']},\nK4,2026-13-01,\n", "utf-8")
    result = runner.invoke(args=["subject", "import-customers", "--site", "demo", str(src)])
    assert result.exit_code != 0
    assert "line 4" in result.output and "line 5" in result.output
    assert count(app, "subjects") == 0
    result = runner.invoke(args=["subject", "import-customers", "--site", "demo",
                                 "--skip-invalid", str(src)])
    assert result.exit_code == 0, result.output
    assert "imported 2 customers: 2 relationships changed, 2 new subjects, 2 invalid" \
        in result.output
    assert [str(d) if d else None for d in _relationship(app, "K1")] == [days["past"], None]
    assert [str(d) for d in _relationship(app, "K2")] == [days["past"], days["tomorrow"]]
    again = runner.invoke(args=["subject", "import-customers", "--site", "demo",
                                "--skip-invalid", str(src)])
    assert "0 relationships changed, 0 new subjects" in again.output
