"""What the embeds' placeholders are built from, server side: the vendors of a category in the
widget configuration (from the notice), and the demo page's iframes that wait for consent."""

from __future__ import annotations

import re
from typing import Any


def test_config_names_each_categorys_vendors_with_their_cookies(client: Any, demo: Any) -> None:
    config = client.get("/api/v1/sites/demo/config").get_json()["notice"]
    marketing = next(c for c in config["categories"] if c["key"] == "marketing")
    # The demo notice lists youtube and google_maps from Lupa's vendor table (vendors.toml).
    youtube, maps = marketing["vendors"]
    assert youtube["id"] == "youtube"
    assert youtube["name"] == "YouTube (Google Ireland Limited / Google LLC)"
    assert [c["name"] for c in youtube["cookies"]] == [
        "YSC", "VISITOR_INFO1_LIVE", "VISITOR_PRIVACY_METADATA", "PREF"]
    assert youtube["cookies"][1]["duration"] == {"fi": "180 päivää", "sv": "180 dagar",
                                                 "en": "180 days"}
    assert youtube["purpose"]["en"].startswith("Embedded videos")
    assert maps["id"] == "google_maps" and [c["name"] for c in maps["cookies"]] == [
        "NID", "AEC", "SOCS"]
    # Their cookies are also on the category's removal list, and a category without vendors
    # says so.
    assert {"YSC", "NID"} <= {c["name"] for c in marketing["cookies"]}
    analytics = next(c for c in config["categories"] if c["key"] == "analytics")
    assert analytics["vendors"] == []


def test_demo_page_embeds_wait_for_the_marketing_category(client: Any, demo: Any) -> None:
    response = client.get("/demo?lang=en")
    html = response.get_data(as_text=True)
    frames = re.findall(r"<iframe\b[^>]*>", html)
    assert len(frames) == 2
    for frame in frames:
        assert " src=" not in frame  # nothing loads before the widget says so
        assert 'data-category="marketing"' in frame and "data-lupa-src=" in frame
        assert re.search(r'title="[^"]+"', frame)
    assert 'data-lupa-src="https://www.youtube.com/embed/' in frames[0]
    assert 'data-vendor="youtube"' in frames[0]
    assert 'data-vendor="google_maps"' in frames[1]
    csp = response.headers["Content-Security-Policy"]
    frame_src = re.search(r"frame-src ([^;]+);", csp)
    assert frame_src is not None
    assert set(frame_src.group(1).split()) == {
        "https://www.youtube.com", "https://www.youtube-nocookie.com", "https://www.google.com",
        "https://player.vimeo.com"}
