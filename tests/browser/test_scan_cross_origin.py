"""`lupa scan` of a site whose pages load the widget from Lupa's own origin (as in production):
the scanner's choices are answered without being stored, across origins (CORS), and the widget
applies them as it would."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.browser.scan_site import page, serve

pytestmark = pytest.mark.browser


def not_found(environ: dict[str, Any], start_response: Any) -> Any:
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not here"]


def test_choices_across_origins_are_answered_not_stored(app, runner, live_server, demo):
    from sqlalchemy import func, select

    from service.domain import scan, sites
    from service.extensions import db
    from service.models import ConsentEvent, Site

    pages: dict[str, str] = {}
    with serve(not_found, pages) as base:
        with app.app_context():  # the shop's origin may call the service (CORS)
            db.session.execute(select(Site).where(Site.slug == "demo")).scalar_one().origins = [
                base]
            db.session.commit()
        tags = f"""
<script type="text/plain" data-category="analytics" src="{live_server}/demo/static/fake-ga.js">
</script>"""
        pages["/"] = page("", tags=tags).replace(
            'src="/widget.js"', f'src="{live_server}/widget.js"')
        result = runner.invoke(args=["scan", "--site", "demo", "--json", "--scenario", "reject",
                                     "--scenario", "only:analytics", f"{base}/"])
    out = json.loads(result.stdout)
    assert out["error"] is None, out
    with app.app_context():
        row = scan.latest_scan(sites.get_site("demo"))
        views = {v["scenario"]: v["consent"] for v in row.record["visits"]}
        assert views["reject"]["method"] == "reject_all"
        assert views["only:analytics"]["categories"]["analytics"] is True
        cookies = {v["scenario"]: {c["name"] for c in v["cookies"]}
                   for v in row.record["visits"]}
        assert {"_ga", "_gid"} <= cookies["only:analytics"]
        assert row.record["lupa_hosts"] == ["127.0.0.1"]
        assert db.session.execute(select(func.count()).select_from(ConsentEvent)).scalar_one() == 0
