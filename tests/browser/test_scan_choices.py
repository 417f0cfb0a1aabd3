"""`lupa scan` beyond Reject and Accept: each category allowed alone, the Global Privacy Control
signal, and a notice that says no transfers outside the EU/EEA. The page carries a tag that
reads that a choice was made but not what it was, and a vendor processing data in the US."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.browser.scan_site import CLARITY, RESOLVER, page, serve

pytestmark = pytest.mark.browser

NOTICE: dict[str, Any] = {
    "format": 2, "register_name": {"en": "Customers"}, "controller": {"name": "Shop Oy"},
    "transfers": {"outside_eea": False},
    "cookie_categories": [
        {"key": "necessary", "type": "necessary", "title": {"en": "Necessary"}},
        {"key": "stats", "type": "analytics", "title": {"en": "Statistics"},
         "vendors": ["microsoft_clarity"]},
        {"key": "ads", "type": "marketing", "title": {"en": "Advertising"},
         "cookies": [{"name": "ad_id", "duration": {"en": "30 days"},
                      "purpose": {"en": "Measures our ads."}}]},
    ],
}
# Sets the advertising cookie whenever the visitor has decided, whatever they decided.
CARELESS_TAG = """<script>
  function careless(e) { if (e.detail && e.detail.decided)
    document.cookie = 'ad_id=1; Max-Age=2592000; Path=/; SameSite=Lax'; }
  document.addEventListener('lupa:ready', careless);
  document.addEventListener('lupa:change', careless);
</script>"""


@pytest.fixture
def shop(app: Any) -> Any:
    from service.domain import notices, sites
    from service.extensions import db

    with app.app_context():
        site = sites.create_site("shop", "Shop Oy", ["https://shop.example"], "test", ["en"])
        notices.publish_notice(site, NOTICE, "test")
        db.session.commit()


def test_choices_gpc_and_transfers_are_judged(app, runner, shop):
    pages: dict[str, str] = {}
    with serve(app, pages) as base:
        port = base.rsplit(":", 1)[1]
        tags = (f'<script type="text/plain" data-category="stats" '
                f'src="http://{CLARITY}:{port}/tag.js?set=_clck"></script>')
        pages["/mixed"] = page(CARELESS_TAG, tags=tags, site="shop")
        result = runner.invoke(args=["scan", "--site", "shop", "--json", "--chromium-arg",
                                     RESOLVER, f"{base}/mixed"])
    out = json.loads(result.stdout)
    assert (result.exit_code, out["status"]) == (2, "broken"), out
    got = {(f["rule"], f["kind"], f["name"], f["scenario"], f["category"])
           for f in out["findings"]}
    assert got == {
        # The careless tag: after Reject all, with only statistics allowed, and under GPC.
        ("after_reject", "cookie", "ad_id", "reject", "ads"),
        ("outside_choice", "cookie", "ad_id", "only:stats", "ads"),
        ("ignores_gpc", "cookie", "ad_id", "gpc", "ads"),
        # Clarity runs only with consent, as it should, but in the US (the notice: no transfers).
        ("transfer", "host", CLARITY, "*", "stats"),
        ("transfer", "cookie", "_clck", "*", "stats"),
    }
    # Every scenario of the notice was visited, each with a screenshot kept as evidence.
    from service.domain import scan, sites

    with app.app_context():
        row = scan.latest_scan(sites.get_site("shop"))
        visits = row.record["visits"]
        assert [v["scenario"] for v in visits] == [
            "none", "reject", "accept", "only:stats", "only:ads", "gpc"]
        for v in visits:
            assert scan.screenshot(sites.get_site("shop"), row.id, v["screenshot"])[:8] \
                == b"\x89PNG\r\n\x1a\n"
        assert all(v["banner"]["shown"] and v["banner"]["ms"] > 0 for v in visits)
        # The GPC visit really sent the signal: the widget applied it (its own view of the
        # choice, recorded with each visit); and the scanner's choices were not stored.
        assert {v["scenario"]: v["consent"]["method"] for v in visits} == {
            "none": None, "reject": "reject_all", "accept": "accept_all",
            "only:stats": "custom", "only:ads": "custom", "gpc": "gpc"}
        assert visits[-1]["consent"]["categories"] == {
            "necessary": True, "stats": True, "ads": False}
        from sqlalchemy import func, select

        from service.extensions import db
        from service.models import ConsentEvent

        assert db.session.execute(select(func.count()).select_from(ConsentEvent)).scalar_one() == 0
