"""Retention rules, one behaviour per test: calendar-month cutoffs, the rules read from the
current notice, "older than" being strict, and what each purge batch audits.

Expected values come from docs/audit.md ("Retention") and the demo notice's rules
(visitor_consent 13 months, checks 24, marketing_evidence 24, audit_payload 72), never from
the code under test.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from tests.conftest import bearer, demo_notice
from tests.domain.audit.test_tamper import sql

NOW = datetime(2027, 1, 31, 12, 30, 15, 123456, tzinfo=UTC)


@pytest.mark.parametrize("months,expected", [
    (0, datetime(2027, 1, 31, 12, 30, 15, 123456, tzinfo=UTC)),
    (1, datetime(2026, 12, 31, 12, 30, 15, 123456, tzinfo=UTC)),
    (2, datetime(2026, 11, 30, 12, 30, 15, 123456, tzinfo=UTC)),
    (3, datetime(2026, 10, 31, 12, 30, 15, 123456, tzinfo=UTC)),
    (4, datetime(2026, 9, 30, 12, 30, 15, 123456, tzinfo=UTC)),
    (5, datetime(2026, 8, 31, 12, 30, 15, 123456, tzinfo=UTC)),
    (6, datetime(2026, 7, 31, 12, 30, 15, 123456, tzinfo=UTC)),
    (7, datetime(2026, 6, 30, 12, 30, 15, 123456, tzinfo=UTC)),
    (8, datetime(2026, 5, 31, 12, 30, 15, 123456, tzinfo=UTC)),
    (9, datetime(2026, 4, 30, 12, 30, 15, 123456, tzinfo=UTC)),
    (10, datetime(2026, 3, 31, 12, 30, 15, 123456, tzinfo=UTC)),
    (11, datetime(2026, 2, 28, 12, 30, 15, 123456, tzinfo=UTC)),
    (12, datetime(2026, 1, 31, 12, 30, 15, 123456, tzinfo=UTC)),
    (13, datetime(2025, 12, 31, 12, 30, 15, 123456, tzinfo=UTC)),
])
def test_cutoff_clamps_to_each_months_last_day(months: int, expected: datetime) -> None:
    from service.domain.retention import cutoff

    assert cutoff(NOW, months) == expected


@pytest.mark.parametrize("now,expected", [
    (datetime(2024, 3, 31, tzinfo=UTC), datetime(2024, 2, 29, tzinfo=UTC)),  # leap year
    (datetime(2100, 3, 31, tzinfo=UTC), datetime(2100, 2, 28, tzinfo=UTC)),  # century: not
    (datetime(2000, 3, 30, tzinfo=UTC), datetime(2000, 2, 29, tzinfo=UTC)),  # 400: leap
    (datetime(2026, 3, 15, tzinfo=UTC), datetime(2026, 2, 15, tzinfo=UTC)),
    (datetime(2026, 3, 28, tzinfo=UTC), datetime(2026, 2, 28, tzinfo=UTC)),
])
def test_cutoff_of_one_month_in_february(now: datetime, expected: datetime) -> None:
    from service.domain.retention import cutoff

    assert cutoff(now, 1) == expected


def test_rules_come_from_the_current_notice(app: Flask, client: Any, demo: dict) -> None:
    from service.domain import retention, sites

    with app.app_context():
        site = sites.get_site("demo")
        assert [retention.rule_months(site, k) for k in retention.RULES] == [13, 24, 24, 72]
        assert retention.rule_months(site, "nosuch") is None
    notice = copy.deepcopy(demo_notice())
    for rule in notice["retention"]:
        if rule["key"] == "visitor_consent":
            rule["months"] = 6
    notice["retention"] = [r for r in notice["retention"] if r["key"] != "checks"]
    resp = client.post("/api/v1/sites/demo/notices", json=notice,
                       headers=bearer(demo["keys"]["admin"]))
    assert resp.status_code in (200, 201), resp.get_json()
    with app.app_context():
        site = sites.get_site("demo")
        assert retention.rule_months(site, "visitor_consent") == 6
        assert retention.rule_months(site, "checks") is None
        # no rule: nothing is purged, and nothing is audited
        assert list(retention.purge(site, "checks", datetime.now(UTC))) == []


def test_a_site_without_a_notice_has_no_rules(app: Flask) -> None:
    from service.domain import retention, sites
    from service.extensions import db

    with app.app_context():
        site = sites.create_site("bare", "Bare Oy", ["https://bare.example"], "test")
        db.session.commit()
        assert retention.rule_months(site, "visitor_consent") is None
        assert list(retention.purge(site, "visitor_consent", datetime.now(UTC))) == []


def add_choice(app: Flask, at: datetime, slug: str = "demo") -> int:
    sql(app, "INSERT INTO consent_events (site_id, visitor_id, notice_version, choices, method, "
             "created_at) SELECT id, 'cccccccc-cccc-4ccc-8ccc-cccccccccccc', 1, '{}', "
             "'reject_all', :t FROM sites WHERE slug=:s",
        # the text the ORM writes on SQLite (always with microseconds), so comparisons agree
        t=at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"), s=slug)
    return int(sql(app, "SELECT max(id) FROM consent_events")[0][0])


def test_visitor_consent_older_than_the_cutoff_only(app: Flask, demo: dict) -> None:
    from service.domain import retention, sites
    from service.extensions import db

    now = datetime(2027, 1, 31, 12, tzinfo=UTC)
    edge = datetime(2025, 12, 31, 12, tzinfo=UTC)  # 13 months before: exactly at the cutoff
    old = [add_choice(app, edge - timedelta(days=40)), add_choice(app, edge - timedelta(seconds=1))]
    kept = [add_choice(app, edge), add_choice(app, edge + timedelta(seconds=1))]
    other = add_choice(app, edge - timedelta(days=1), slug="other")
    with app.app_context():
        site = sites.get_site("demo")
        overdue = retention.overdue_consents(site, edge)
        assert (overdue.count, overdue.oldest) == (2, edge - timedelta(days=40))
        assert overdue.oldest is not None and overdue.oldest.tzinfo is not None
        [dry] = list(retention.purge(site, "visitor_consent", now, dry_run=True))
        assert (dry.site, dry.rule, dry.months, dry.cutoff, dry.deleted, dry.dry_run) == (
            "demo", "visitor_consent", 13, edge, 2, True)
        batches = list(retention.purge(site, "visitor_consent", now))
        db.session.commit()
        assert [(b.deleted, b.dry_run, b.cutoff) for b in batches] == [(2, False, edge)]
        assert retention.overdue_consents(site, edge).count == 0
        assert retention.overdue_consents(site, edge).oldest is None
    left = [i for (i,) in sql(app, "SELECT id FROM consent_events ORDER BY id")]
    assert left == kept + [other]
    [payload] = [json.loads(p) for (p,) in sql(
        app, "SELECT payload FROM audit_entries WHERE action='retention.purged'")]
    assert payload == {"rule": "visitor_consent", "months": 13,
                       "cutoff": "2025-12-31T12:00:00.000000Z", "deleted": 2,
                       "first_id": old[0], "last_id": old[1]}


def test_purge_batches_are_each_audited(app: Flask, demo: dict) -> None:
    from service.domain import retention, sites
    from service.extensions import db

    ids = [add_choice(app, datetime(2020, 1, 1, tzinfo=UTC)) for _ in range(3)]
    with app.app_context():
        site = sites.get_site("demo")
        out = []
        for b in retention.purge(site, "visitor_consent", NOW, batch=2):
            db.session.commit()
            out.append(b.deleted)
    assert out == [2, 1]
    payloads = [json.loads(p) for (p,) in sql(
        app, "SELECT payload FROM audit_entries WHERE action='retention.purged' ORDER BY id")]
    assert [(p["first_id"], p["last_id"], p["deleted"]) for p in payloads] == [
        (ids[0], ids[1], 2), (ids[2], ids[2], 1)]


def test_ended_evidence_is_purged_strictly_before_the_cutoff_in_audited_batches(
        app: Flask, client: Any, demo: dict) -> None:
    """marketing_evidence (24 months): a withdrawn permission last changed before the cutoff
    goes with its events; one changed exactly at the cutoff stays; a dry run says how many
    and deletes nothing; each real batch is a `retention.purged` entry and says it was real."""
    from service.domain import retention, sites
    from service.extensions import db
    from tests.marketing_helpers import new_subject, put_permission

    now = datetime(2027, 1, 31, 12, tzinfo=UTC)
    edge = datetime(2025, 1, 31, 12, tzinfo=UTC)  # 24 months before now: the cutoff
    subjects = {name: new_subject(client, demo, email=f"{name}@example.fi")
                for name in ("old1", "old2", "old3", "at_edge")}
    for sid in subjects.values():
        put_permission(client, demo, sid, "newsletter", "email", "granted")
        put_permission(client, demo, sid, "newsletter", "email", "withdrawn")
    when = {"old1": edge - timedelta(days=3), "old2": edge - timedelta(days=2),
            "old3": edge - timedelta(seconds=1), "at_edge": edge}
    for name, sid in subjects.items():
        sql(app, "UPDATE marketing_permissions SET updated_at=:t WHERE subject_id="
                 "(SELECT id FROM subjects WHERE public_id=:s)",
            t=when[name].astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"), s=sid)
    with app.app_context():
        site = sites.get_site("demo")
        [dry] = list(retention.purge(site, "marketing_evidence", now, dry_run=True))
        assert (dry.rule, dry.months, dry.cutoff, dry.deleted, dry.dry_run) == (
            "marketing_evidence", 24, edge, 3, True)
        db.session.rollback()
        assert int(sql(app, "SELECT count(*) FROM marketing_permissions")[0][0]) == 4
        batches = []
        for b in retention.purge(site, "marketing_evidence", now, batch=2):
            db.session.commit()
            batches.append((b.rule, b.deleted, b.dry_run, b.cutoff))
    assert batches == [("marketing_evidence", 2, False, edge),
                       ("marketing_evidence", 1, False, edge)]
    left = {sid for (sid,) in sql(app, "SELECT s.public_id FROM marketing_permissions p JOIN "
                                       "subjects s ON s.id = p.subject_id")}
    assert left == {subjects["at_edge"]}
    payloads = [json.loads(p) for (p,) in sql(
        app, "SELECT payload FROM audit_entries WHERE action='retention.purged' ORDER BY id")]
    assert [(p["rule"], p["deleted"], p["events_deleted"], p["months"]) for p in payloads] == [
        ("marketing_evidence", 2, 4, 24), ("marketing_evidence", 1, 2, 24)]
