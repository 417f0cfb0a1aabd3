"""Every surface shows, next to each promise, the place in the notice it checks and the
notice's own sentence (issue 12, item 3): the API, `lupa report promises` (text, json, html)
and the auditor's report page."""

from __future__ import annotations

import html
import json
from typing import Any

from tests.auditor.test_auditor_pages import BASE, sign_in
from tests.domain.audit.test_tamper import record
from tests.domain.promises.test_promises import promise, report

BOOKKEEPING = ("Kirjanpitoaineisto, kuten laskut ja tositteet, säilytetään kirjanpitolain "
               "mukaisesti 6 vuotta sen vuoden lopusta, jonka aikana tilikausi päättyi.")


def test_api_gives_notice_reference_sentence_and_every_status(client: Any, demo: dict) -> None:
    body = report(client, demo)
    assert all({"notice", "sentence", "status"} <= set(p) for p in body["promises"])
    assert promise(body, "retention.bookkeeping")["sentence"] == BOOKKEEPING
    assert set(body["summary"]) == {"holds", "broken", "not_applicable", "kept_outside_lupa",
                                    "not_checkable"}
    # nothing recorded yet: the choice promises have nothing to judge
    assert promise(body, "consent_before_tracking")["status"] == "not_applicable"
    assert promise(body, "requests_answered_in_time")["status"] == "not_applicable"


def test_cli_text_json_and_html_show_notice_and_sentence(client: Any, runner: Any, demo: dict,
                                                         tmp_path: Any) -> None:
    record(client, 2)
    res = runner.invoke(args=["report", "promises", "--site", "demo"])
    assert res.exit_code == 0, res.output
    assert "kept_outside_lupa  retention.bookkeeping [retention.bookkeeping]" in res.stdout
    assert f'notice: "{BOOKKEEPING}"' in res.stdout
    assert "4 kept outside Lupa" in res.stdout.splitlines()[0]
    res = runner.invoke(args=["report", "promises", "--site", "demo", "--format", "json"])
    assert promise(json.loads(res.stdout), "retention.bookkeeping")["sentence"] == BOOKKEEPING
    out = tmp_path / "r.html"
    res = runner.invoke(args=["report", "promises", "--site", "demo", "--format", "html",
                              "-o", str(out)])
    page = html.unescape(out.read_text("utf-8"))
    assert BOOKKEEPING in page and "retention.bookkeeping" in page
    assert "kept outside lupa" in page


def test_auditor_page_shows_notice_and_sentence(client: Any, demo: dict) -> None:
    sign_in(client, demo["keys"]["auditor"])
    page = html.unescape(client.get(BASE + "/report").get_data(as_text=True))
    assert f'<blockquote class="sentence">{BOOKKEEPING}</blockquote>' in page
    assert '<code class="notice-ref">cookie_categories.analytics</code>' in page
