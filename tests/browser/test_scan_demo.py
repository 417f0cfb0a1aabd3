"""`lupa scan` against the demo page served by the real app: it keeps every cookie promise of
its notice, so the scan comes out clean, with its evidence in the audit chain and the promise
report; `--suggest` then drafts the cookie section the notice already has."""

from __future__ import annotations

import json
import tomllib
from typing import Any

import pytest

from tests.conftest import bearer

pytestmark = pytest.mark.browser


def test_the_demo_scans_clean_and_is_evidence(app, client, runner, live_server, demo):
    result = runner.invoke(args=["scan", "--site", "demo", "--json",
                                 f"{live_server}/demo?lang=en"])
    out: dict[str, Any] = json.loads(result.stdout)
    assert out["findings"] == [], out
    assert (result.exit_code, out["status"], out["error"]) == (0, "clean", None)
    # Every scenario of the demo notice, one page.
    from service.domain import scan, sites

    with app.app_context():
        row = scan.latest_scan(sites.get_site("demo"))
        assert [v["scenario"] for v in row.record["visits"]] == [
            "none", "reject", "accept", "only:preferences", "only:analytics",
            "only:marketing", "gpc"]
        assert all(v["banner"]["shown"] for v in row.record["visits"])
    verify = runner.invoke(args=["audit", "verify", "--site", "demo"])
    assert verify.exit_code == 0, verify.output
    entries = client.get("/api/v1/sites/demo/audit?action=scan.recorded",
                         headers=bearer(demo["keys"]["auditor"]))
    [entry] = [json.loads(line) for line in entries.get_data(as_text=True).splitlines()]
    payload = entry["payload"] if isinstance(entry["payload"], dict) else json.loads(
        entry["payload"])
    assert (payload["status"], payload["record_sha256"]) == ("clean", out["record_sha256"])
    report = client.get("/api/v1/sites/demo/reports/promises",
                        headers=bearer(demo["keys"]["auditor"])).get_json()
    live = next(p for p in report["promises"] if p["key"] == "cookies_observed_live")
    assert live["status"] == "holds"
    # The scanner is no visitor: its clicks left no consent events behind.
    assert scan_choices(app) == set()


def scan_choices(app: Any) -> set[str]:
    from sqlalchemy import select

    from service.extensions import db
    from service.models import ConsentEvent

    with app.app_context():
        return set(db.session.execute(select(ConsentEvent.method)).scalars())


def test_suggest_drafts_the_cookie_section_the_demo_already_has(app, runner, live_server, demo):
    result = runner.invoke(args=["scan", "--site", "demo", "--suggest", "--scenario", "none",
                                 "--scenario", "accept", "--record-choices",
                                 f"{live_server}/demo?lang=en"])
    assert result.exit_code == 0, result.output
    assert "CLEAN" in result.stderr
    draft = tomllib.loads(result.stdout)
    assert [(c["key"], c["type"], sorted(k["name"] for k in c["cookies"]))
            for c in draft["cookie_categories"]] == [
        ("necessary", "necessary", ["lupa_consent", "lupa_vid"]),
        ("preferences", "preferences", ["kirkas_lang"]),
        ("analytics", "analytics", ["_ga", "_gid"]),
        ("marketing", "marketing", ["_fbp"]),
    ]
    # --record-choices let the widget store the Accept all click.
    assert scan_choices(app) == {"accept_all"}
