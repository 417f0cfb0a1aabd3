"""The rules a scan is judged by (docs/scan.md, "Findings"), on hand-made raw records against
the demo notice: each rule, each scenario, the matching of cookies and hosts to the notice
and to Lupa's vendor table, and the scan's status."""

from __future__ import annotations

from typing import Any

import pytest

from service.domain.notices import as_format_2
from service.domain.notices.loading import load_notice
from service.domain.scan import judge_record
from service.domain.scan.judge import status_of
from tests.conftest import demo_notice
from tests.domain.scan.records import DEMO_ACCEPTED, record, visit


@pytest.fixture(scope="module")
def notice() -> dict[str, Any]:
    """The demo notice as published (vendors resolved, Lupa's cookies declared)."""
    return as_format_2(load_notice(demo_notice(), ["fi", "sv", "en"]))


def rules(findings: list[dict[str, Any]]) -> set[tuple[str, str, str, str]]:
    return {(f["rule"], f["kind"], f["name"], f["scenario"]) for f in findings}


def clean_visits() -> list[dict[str, Any]]:
    return [visit("none", local=("lupa_cfg:demo",)),
            visit("reject", ("lupa_consent", "lupa_vid")),
            visit("accept", DEMO_ACCEPTED)]


def test_the_demo_behaving_is_clean(notice):
    findings = judge_record(record(*clean_visits()), notice)
    assert findings == []
    assert status_of(record(*clean_visits()), findings) == "clean"


def test_an_analytics_cookie_before_consent_is_broken(notice):
    findings = judge_record(record(visit("none", ("_ga",)), *clean_visits()[1:]), notice)
    assert rules(findings) == {("before_consent", "cookie", "_ga", "none")}
    assert findings[0]["severity"] == "broken" and findings[0]["category"] == "analytics"


def test_a_declared_vendors_host_before_consent_is_broken_by_its_cookies_category(notice):
    # The demo notice lists _ga itself (not the vendor id): Google Analytics' hosts are then
    # declared in the category of _ga.
    findings = judge_record(record(visit("none", hosts=("region1.google-analytics.com",)),
                                   *clean_visits()[1:]), notice)
    assert rules(findings) == {("before_consent", "host", "region1.google-analytics.com",
                                "none")}
    assert findings[0]["category"] == "analytics"


def test_after_reject_counts_only_what_came_after_the_choice(notice):
    # LinkedIn's host requested before the click only (the no-interaction visit's business).
    before_only = visit("reject", ("lupa_consent", "lupa_vid"), hosts=("snap.licdn.com",))
    findings = judge_record(record(visit("none"), before_only, visit("accept", DEMO_ACCEPTED)),
                            notice)
    assert rules(findings) == {("undeclared", "host", "snap.licdn.com", "*")}
    after = visit("reject", ("lupa_consent", "lupa_vid", "_fbp"), after=("snap.licdn.com",))
    findings = judge_record(record(visit("none"), after, visit("accept", DEMO_ACCEPTED)), notice)
    assert rules(findings) == {("after_reject", "cookie", "_fbp", "reject"),
                               ("after_reject", "host", "snap.licdn.com", "reject"),
                               ("undeclared", "host", "snap.licdn.com", "*")}


def test_one_category_alone_allows_only_that_category(notice):
    alone = visit("only:analytics", ("_ga", "_gid", "_fbp", "lupa_consent"))
    findings = judge_record(record(*clean_visits(), alone), notice)
    assert rules(findings) == {("outside_choice", "cookie", "_fbp", "only:analytics")}


def test_gpc_refuses_marketing_only(notice):
    gpc = visit("gpc", ("_ga", "_gid", "kirkas_lang", "_fbp", "lupa_consent"))
    findings = judge_record(record(*clean_visits(), gpc), notice)
    assert rules(findings) == {("ignores_gpc", "cookie", "_fbp", "gpc")}


def test_an_unknown_cookie_is_undeclared_and_a_known_vendors_is_named(notice):
    accept = visit("accept", (*DEMO_ACCEPTED, "PHPSESSID", "_clck"))
    findings = judge_record(record(*clean_visits()[:2], accept), notice)
    assert rules(findings) == {("undeclared", "cookie", "PHPSESSID", "*"),
                               ("undeclared", "cookie", "_clck", "*")}
    clarity = next(f for f in findings if f["name"] == "_clck")
    assert clarity["vendor"] == "Microsoft Clarity (Microsoft Corporation)"
    assert clarity["category"] == "analytics (vendor table)"


def test_an_undeclared_cookie_of_a_known_tracking_vendor_before_consent_is_broken(notice):
    findings = judge_record(record(visit("none", ("_hjSession_123",)), *clean_visits()[1:]),
                            notice)
    assert rules(findings) == {("before_consent", "cookie", "_hjSession_123", "none"),
                               ("undeclared", "cookie", "_hjSession_123", "*")}


def test_declared_but_never_seen_is_stale_only_when_the_scan_completed(notice):
    # lupa_vid is not seen (the scan's choices were not stored): Lupa's own are never stale.
    accept = visit("accept", ("_ga", "_gid", "lupa_consent"))
    findings = judge_record(record(visit("none"), visit("reject"), accept), notice)
    assert rules(findings) == {("stale", "cookie", "_fbp", "*"),
                               ("stale", "cookie", "kirkas_lang", "*")}
    assert status_of(record(visit("none")), findings) == "findings"
    failed = record(visit("none"), visit("reject"), accept, status="failed")
    assert judge_record(failed, notice) == []
    assert status_of(failed, []) == "failed"


def test_lupas_own_storage_and_service_host_are_necessary_and_declared(notice):
    none = visit("none", hosts=("lupa.example",), local=("lupa_cfg:demo", "lupa_queue:demo"))
    assert judge_record(record(none, *clean_visits()[1:]), notice) == []


def test_a_vendor_outside_the_eea_breaks_a_notice_without_transfers(notice):
    no_transfers = {**notice, "transfers": {"outside_eea": False}}
    findings = judge_record(record(*clean_visits()), no_transfers)
    # _ga and _fbp: Google's and Meta's cookies, processed in the US (Lupa's vendor table).
    assert rules(findings) == {("transfer", "cookie", "_ga", "*"),
                               ("transfer", "cookie", "_fbp", "*")}
    # The demo notice itself lists the US for both: nothing to report.
    assert judge_record(record(*clean_visits()), notice) == []


def test_a_failed_visit_fails_the_scan_whatever_it_found(notice):
    rec = record(*clean_visits(), visit("only:analytics", status="failed"), status="failed")
    assert status_of(rec, judge_record(rec, notice)) == "failed"
