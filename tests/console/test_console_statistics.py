"""Console statistics: choices per day by method with their shares, each optional category's
grants, marketing grants and withdrawals per purpose and channel, a chart with its numbers as
a table, and a plain statement that banner views are not recorded."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from tests.conftest import bearer
from tests.console.helpers import sign_in
from tests.domain.promises.test_promises import add_event

SITE = "/api/v1/sites/demo"


def cells(html: str, row_head: str) -> list[str]:
    row = html.split(f'<th scope="row">{row_head}</th>')[1].split("</tr>")[0]
    return re.findall(r"<td[^>]*>([^<]*)</td>", row)


def test_choices_per_day_by_method_and_category(app: Flask, client: Any, demo: dict) -> None:
    now = datetime.now(UTC)
    yesterday = now - timedelta(days=1)
    for _ in range(2):
        add_event(app, method="accept_all", at=yesterday,
                  choices={"necessary": True, "analytics": True, "marketing": True,
                           "preferences": True})
    add_event(app, method="reject_all", at=now,
              choices={"necessary": True, "analytics": False, "marketing": False,
                       "preferences": False})
    add_event(app, method="gpc", at=now, choices={"necessary": True, "analytics": True,
                                                  "marketing": False, "preferences": False})
    add_event(app, method="custom", at=now - timedelta(days=9),  # outside the 7 days
              choices={"necessary": True, "analytics": True})
    sign_in(client, demo["keys"]["admin"])
    resp = client.get("/console/demo/statistics?lang=en")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    # columns: accept all, reject all, custom, GPC, withdrawal, all
    assert cells(html, yesterday.date().isoformat()) == ["2", "0", "0", "0", "0", "2"]
    assert cells(html, now.date().isoformat()) == ["0", "1", "0", "1", "0", "2"]
    assert cells(html, "Share") == ["50 %", "25 %", "0 %", "25 %", "0 %", "4"]
    assert cells(html, "analytics") == ["3", "75 %"]  # two accept-alls and the GPC one
    assert cells(html, "marketing") == ["2", "50 %"]
    assert "<svg" in html and "Accept all" in html  # the chart and its legend in words
    assert "is not recorded" in html
    html = client.get("/console/demo/statistics?days=30").get_data(as_text=True)
    assert cells(html, "analytics") == ["4", "80 %"]  # the custom choice 9 days ago counts


def test_marketing_grants_and_withdrawals_per_purpose_and_channel(client: Any,
                                                                   demo: dict) -> None:
    admin = bearer(demo["keys"]["admin"])
    evidence = {"source": "web_form", "notice_version": 1, "confirmed_at": "2026-01-01T00:00:00Z"}
    for i, state in enumerate(["granted", "granted", "withdrawn"]):
        sid = client.post(f"{SITE}/subjects", json={"email": f"c{i}@example.fi"},
                          headers=admin).get_json()["id"]
        resp = client.put(f"{SITE}/subjects/{sid}/permissions/newsletter/email",
                          json={"state": "granted", "evidence": evidence}, headers=admin)
        assert resp.status_code == 200
        if state == "withdrawn":
            resp = client.put(f"{SITE}/subjects/{sid}/permissions/newsletter/email",
                              json={"state": "withdrawn", "evidence": evidence}, headers=admin)
            assert resp.status_code == 200
    sign_in(client, demo["keys"]["admin"])
    html = client.get("/console/demo/statistics?lang=en").get_data(as_text=True)
    assert cells(html, "newsletter") == ["email", "3", "1"]


def test_statistics_need_sign_in_to_that_site(client: Any, demo: dict) -> None:
    assert client.get("/console/demo/statistics").status_code == 302
    sign_in(client, demo["other_keys"]["admin"], "other")
    assert client.get("/console/demo/statistics").status_code == 302
