"""Raw scan records as the browser writes them (docs/scan.md, "The raw record"), built by hand
so that the rules can be tested without a browser."""

from __future__ import annotations

from typing import Any

PAGE = "https://shop.example/"


def visit(scenario: str, cookies: tuple[str, ...] = (), hosts: tuple[str, ...] = (),
          after: tuple[str, ...] = (), local: tuple[str, ...] = (), page: str = PAGE,
          status: str = "ok", embeds: tuple[str, ...] = ("google_maps", "youtube")
          ) -> dict[str, Any]:
    """A visit that saw these cookies (first-party, 90 days) and hosts ("before" the
    scenario's choice; those in `after` also after it), on a page holding embeds of these
    vendors (by default the demo page's video and map)."""
    return {
        "page": page, "scenario": scenario, "status": status,
        "error": None if status == "ok" else {"kind": "timeout", "detail": "slow"},
        "banner": {"shown": True, "ms": 120},
        "cookies": [{"name": n, "domain": "shop.example", "party": "first",
                     "expires": "2027-03-01T00:00:00Z"} for n in cookies],
        "storage": {"local": list(local), "session": []},
        "hosts": [{"host": h, "phase": "after" if h in after else "before"}
                  for h in (*hosts, *after)],
        "lupa_hosts": [], "screenshot": "0" * 64, "elapsed_ms": 900, "embeds": list(embeds),
    }


def record(*visits: dict[str, Any], status: str = "completed") -> dict[str, Any]:
    return {
        "format": 1, "started_at": "2026-12-01T00:00:00Z", "finished_at": "2026-12-01T00:01:00Z",
        "urls": [PAGE], "pages": [PAGE], "scenarios": sorted({v["scenario"] for v in visits}),
        "limits": {}, "visits": list(visits), "status": status,
        "error": None if status == "completed" else {"kind": "timeout", "detail": "slow",
                                                     "page": PAGE, "scenario": "none"},
        "lupa_hosts": ["lupa.example"], "elapsed_ms": 60000,
    }


# What the demo page sets when everything is allowed (its notice declares each of them).
DEMO_ACCEPTED = ("_fbp", "_ga", "_gid", "kirkas_lang", "lupa_consent", "lupa_vid")
