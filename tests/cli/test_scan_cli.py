"""`lupa scan` refuses bad input clearly, before any browser starts, and records nothing."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask


def scans_and_entries(app: Flask) -> tuple[int, int]:
    from sqlalchemy import func, select

    from service.extensions import db
    from service.models import AuditEntry, SiteScan

    with app.app_context():
        return (db.session.execute(select(func.count()).select_from(SiteScan)).scalar_one(),
                db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one())


@pytest.mark.parametrize(("args", "message"), [
    (["--site", "nosuch", "https://shop.example/"], "No such site"),
    (["--site", "demo", "ftp://shop.example/"], "http:// or https://"),
    (["--site", "demo", "shop.example"], "http:// or https://"),
    (["--site", "demo", "--scenario", "everything", "https://shop.example/"],
     "everything: this notice's scenarios are"),
    (["--site", "demo", "--chromium", "/nonexistent/chromium", "https://shop.example/"],
     "needs Chromium at /nonexistent/chromium"),
])
def test_bad_input_is_a_clear_error_and_changes_nothing(app: Flask, runner: Any, demo: dict,
                                                        args: list[str], message: str) -> None:
    before = scans_and_entries(app)
    result = runner.invoke(args=["scan", *args])
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert scans_and_entries(app) == before


@pytest.mark.parametrize("every", ["0h", "tomorrow", "24", "1w"])
def test_a_bad_interval_is_a_usage_error(runner: Any, demo: dict, every: str) -> None:
    result = runner.invoke(args=["scan", "--site", "demo", "--every", every,
                                 "https://shop.example/"])
    assert result.exit_code == 2 and "--every" in result.output


def test_a_site_without_a_notice_cannot_be_judged(app: Flask, runner: Any) -> None:
    from service.domain import sites
    from service.extensions import db

    with app.app_context():
        sites.create_site("bare", "Bare Oy", ["https://bare.example"], "test")
        db.session.commit()
    result = runner.invoke(args=["scan", "--site", "bare", "https://bare.example/"])
    assert result.exit_code == 1 and "no published notice" in result.output
