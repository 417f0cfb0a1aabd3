"""Category types in a real browser: a free category key of type analytics behaves as analytics
(blocked until consent, Consent Mode analytics_storage), and a notice with necessary cookies
only shows no banner and records nothing. The demo page's stand-in tags wait for the notice's
own category keys (web/demo.py)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import data_layer, ran, wait_until
from tests.browser.test_consent_flow import wait_for_record

pytestmark = pytest.mark.browser

FI_NOTICE: dict[str, Any] = {
    "format": 2,
    "register_name": {"fi": "Asiakasrekisteri"},
    "controller": {"name": "Esimerkki Oy", "email": "tietosuoja@esimerkki.example"},
}
STATISTICS = {"key": "statistics", "type": "analytics", "title": {"fi": "Tilastointi"},
              "vendors": ["google_analytics_4"]}


def consent_events(app: Any) -> int:
    from sqlalchemy import func, select

    from service.extensions import db
    from service.models import ConsentEvent

    with app.app_context():
        return int(db.session.execute(select(func.count()).select_from(ConsentEvent)).scalar_one())


def test_statistics_key_of_type_analytics_runs_only_after_accept(
        page: Any, live_server: str, publish_fi: Any, server_choice: Any) -> None:
    publish_fi({**FI_NOTICE, "cookie_categories": [STATISTICS]})
    page.goto(f"{live_server}/demo")
    assert page.locator('script[type="text/plain"][data-category="statistics"]').count() == 2
    expect(page.locator(".lupa-banner")).to_be_visible()
    page.wait_for_timeout(500)
    assert ran(page) == []
    page.get_by_role("button", name="Hyväksy kaikki").first.click()
    expect(page.locator(".lupa-banner")).to_be_hidden()
    wait_until(page, "(window.__ran || []).includes('ga-config')")
    assert set(ran(page)) == {"ga", "ga-config"}
    consent = [e for e in data_layer(page) if isinstance(e, list) and e[:1] == ["consent"]]
    assert consent[0][1] == "default" and consent[0][2]["analytics_storage"] == "denied"
    update = [e for e in consent if e[1] == "update"][-1][2]
    assert update["analytics_storage"] == "granted"
    assert update["ad_storage"] == "denied" and update["functionality_storage"] == "denied"
    record = wait_for_record(server_choice, page.context, "accept_all")
    assert record["choices"] == {"necessary": True, "statistics": True}


def test_necessary_only_notice_shows_no_banner_and_records_nothing(
        app: Any, page: Any, live_server: str, publish_fi: Any) -> None:
    publish_fi(FI_NOTICE)
    before = consent_events(app)
    page.goto(f"{live_server}/demo")
    wait_until(page, "window.Lupa && Lupa.getConsent && Lupa.getConsent() !== null")
    page.wait_for_timeout(800)
    expect(page.locator(".lupa-banner")).to_have_count(0)
    assert page.locator("script[data-category]").count() == 0
    assert ran(page) == []
    assert "lupa_consent" not in {c["name"] for c in page.context.cookies()}
    assert consent_events(app) == before
