"""Retention purge: deletes exactly what the notice says is past retention, audited, verifiable."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from tests.domain.audit.test_tamper import record, sql
from tests.domain.promises.test_promises import add_event

OLD = datetime.now(UTC) - timedelta(days=14 * 31)  # past the demo notice's 13 months


def counts(app: Flask) -> dict[str, int]:
    rows = sql(app, "SELECT s.slug, count(e.id) FROM sites s LEFT JOIN consent_events e "
                    "ON e.site_id = s.id GROUP BY s.slug")
    return {slug: int(n) for slug, n in rows}


def purge_entries(app: Flask) -> list[dict[str, Any]]:
    rows = sql(app, "SELECT payload FROM audit_entries WHERE action='retention.purged' "
                    "ORDER BY id")
    return [json.loads(r[0]) for r in rows]


@pytest.mark.parametrize(("now", "months", "expected"), [
    (datetime(2026, 3, 31, 12, tzinfo=UTC), 1, datetime(2026, 2, 28, 12, tzinfo=UTC)),
    (datetime(2024, 3, 31, tzinfo=UTC), 1, datetime(2024, 2, 29, tzinfo=UTC)),
    (datetime(2026, 1, 15, tzinfo=UTC), 13, datetime(2024, 12, 15, tzinfo=UTC)),
    (datetime(2026, 5, 1, tzinfo=UTC), 72, datetime(2020, 5, 1, tzinfo=UTC)),
])
def test_cutoff_is_calendar_months(now: datetime, months: int, expected: datetime) -> None:
    from service.domain.retention import cutoff

    assert cutoff(now, months) == expected


def test_dry_run_counts_and_changes_nothing(app: Flask, client: Any, runner: Any,
                                            demo: dict) -> None:
    record(client, 2)
    add_event(app, at=OLD, audited=True)
    before = sql(app, "SELECT count(*) FROM audit_entries")[0][0]
    res = runner.invoke(args=["retention", "purge", "--site", "demo", "--dry-run"])
    assert res.exit_code == 0, res.output
    assert "demo\tvisitor_consent\twould_delete\t1" in res.stdout
    assert counts(app)["demo"] == 3
    assert sql(app, "SELECT count(*) FROM audit_entries")[0][0] == before


def test_purge_deletes_only_expired_choices_of_the_site_and_logs_it(
    app: Flask, client: Any, runner: Any, demo: dict
) -> None:
    record(client, 2)
    record(client, 1, site="other")
    old_id = add_event(app, at=OLD, audited=True)
    add_event(app, at=datetime.now(UTC) - timedelta(days=300), audited=True)  # within 13 months
    sql(app, "INSERT INTO consent_events (site_id, visitor_id, notice_version, choices, method, "
             "created_at) SELECT id, 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 1, '{}', 'reject_all',"
             " :t FROM sites WHERE slug='other'", t=OLD.replace(tzinfo=None))
    res = runner.invoke(args=["retention", "purge", "--site", "demo"])
    assert res.exit_code == 0, res.output
    assert "demo\tvisitor_consent\tdeleted\t1" in res.stdout
    assert "deleted 1" in res.stderr  # progress
    assert counts(app) == {"demo": 3, "other": 2}
    assert not sql(app, "SELECT id FROM consent_events WHERE id=:i", i=old_id)
    [entry] = purge_entries(app)
    assert entry["rule"] == "visitor_consent" and entry["deleted"] == 1
    assert entry["months"] == 13 and entry["first_id"] == old_id == entry["last_id"]
    ok = runner.invoke(args=["audit", "verify", "--site", "demo"])
    assert ok.exit_code == 0, ok.output
    again = runner.invoke(args=["retention", "purge"])  # every site; demo has nothing left
    assert "demo\tvisitor_consent\tdeleted\t0" in again.stdout
    assert "other\tvisitor_consent\tdeleted\t1" in again.stdout
    assert counts(app) == {"demo": 3, "other": 1}


def test_purge_runs_in_audited_batches(app: Flask, client: Any, demo: dict) -> None:
    from service.domain import audit, retention, sites
    from service.extensions import db
    from service.models.types import utcnow

    for _ in range(5):
        add_event(app, at=OLD, audited=True)
    with app.app_context():
        site = sites.get_site("demo")
        batches = []
        for batch in retention.purge(site, retention.VISITOR_CONSENT, utcnow(), batch=2):
            db.session.commit()
            batches.append(batch.deleted)
        assert batches == [2, 2, 1]
        assert audit.verify_site(site).ok
    assert [e["deleted"] for e in purge_entries(app)] == [2, 2, 1]
    assert counts(app)["demo"] == 0


def test_a_visitors_latest_choice_also_expires(app: Flask, client: Any, runner: Any,
                                              demo: dict) -> None:
    """The notice keeps a choice 13 months from when it was made, then asks again."""
    vid = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"
    sql(app, "INSERT INTO consent_events (site_id, visitor_id, notice_version, choices, method, "
             "created_at) SELECT id, :v, 1, '{}', 'reject_all', :t FROM sites WHERE slug='demo'",
        v=vid, t=OLD.replace(tzinfo=None))
    assert client.get(f"/api/v1/sites/demo/consents/{vid}").status_code == 200
    assert runner.invoke(args=["retention", "purge", "--site", "demo"]).exit_code == 0
    assert client.get(f"/api/v1/sites/demo/consents/{vid}").status_code == 404


def test_unknown_site_is_an_error(runner: Any, demo: dict) -> None:
    res = runner.invoke(args=["retention", "purge", "--site", "nosuch"])
    assert res.exit_code != 0 and "No such site" in res.output


def test_old_audit_payloads_are_reduced_and_the_chain_still_verifies(
    app: Flask, client: Any, runner: Any, demo: dict, tmp_path: Any
) -> None:
    """Format-2 entries older than `audit_payload` (72 months) lose their payload text but keep
    its SHA-256; verification in the database and offline still passes; tampering with a
    reduced entry is still caught."""
    record(client, 3)
    sid = sql(app, "SELECT id FROM sites WHERE slug='demo'")[0][0]
    ancient = (datetime.now(UTC) - timedelta(days=73 * 31)).replace(tzinfo=None)
    sql(app, "UPDATE audit_entries SET created_at=:t WHERE site_id=:s AND seq <= 3", t=ancient,
        s=sid)
    # moving created_at changes what the hash covers: rebuild the chain as if written then
    from tests.domain.audit.test_tamper import rehash_from

    rehash_from(app, "demo", 1)
    sql(app, "DELETE FROM audit_checkpoints")
    dry = runner.invoke(args=["retention", "purge", "--site", "demo", "--dry-run"])
    assert "demo\taudit_payload\twould_delete\t3" in dry.stdout
    res = runner.invoke(args=["retention", "purge", "--site", "demo"])
    assert res.exit_code == 0, res.output
    assert "demo\taudit_payload\tdeleted\t3" in res.stdout
    rows = sql(app, "SELECT seq, payload, payload_hash FROM audit_entries WHERE site_id=:s "
                    "ORDER BY seq", s=sid)
    assert [r[1] is None for r in rows[:4]] == [True, True, True, False]
    assert all(r[2] for r in rows)
    reduced = [e for e in purge_entries_of(app, "retention.reduced")]
    assert reduced == [{"rule": "audit_payload", "months": 72, "cutoff": reduced[0]["cutoff"],
                        "reduced": 3, "first_seq": 1, "last_seq": 3}]
    # the checkpoints were deleted above: sign the head again so that the chain is anchored
    assert runner.invoke(args=["audit", "checkpoint", "--site", "demo"]).exit_code == 0
    ok = runner.invoke(args=["audit", "verify", "--site", "demo"])
    assert ok.exit_code == 0, ok.output
    bundle = tmp_path / "b.jsonl"
    assert runner.invoke(args=["audit", "export", "--site", "demo", "-o", str(bundle)]
                         ).exit_code == 0
    from tests.domain.audit.test_offline_verify import real_public_key

    assert runner.invoke(args=["audit", "verify", "--file", str(bundle), "--public-key",
                               real_public_key()]).exit_code == 0
    sql(app, "UPDATE audit_entries SET payload_hash=:h WHERE site_id=:s AND seq=2", h="0" * 64,
        s=sid)
    bad = runner.invoke(args=["audit", "verify", "--site", "demo"])
    assert bad.exit_code == 1 and "hash" in bad.output


def test_format_1_entries_are_never_reduced(app: Flask, client: Any, runner: Any,
                                            demo: dict) -> None:
    record(client, 1)
    sql(app, "UPDATE audit_entries SET hash_version=1, created_at=:t",
        t=(datetime.now(UTC) - timedelta(days=80 * 31)).replace(tzinfo=None))
    res = runner.invoke(args=["retention", "purge", "--site", "demo"])
    assert "demo\taudit_payload\tdeleted\t0" in res.stdout
    assert sql(app, "SELECT count(*) FROM audit_entries WHERE payload IS NULL")[0][0] == 0


def test_retention_reduced_entries_keep_their_payload_past_the_cutoff(
        app: Flask, client: Any, runner: Any, demo: dict) -> None:
    """A retention.reduced entry is the account of what was reduced (docs/audit-format.md):
    reducing it too would leave the payloads it covers unaccounted for (payload_missing)."""
    from tests.domain.audit.test_tamper import rehash_from

    record(client, 3)
    ancient = (datetime.now(UTC) - timedelta(days=80 * 31)).replace(tzinfo=None)

    def age_everything() -> None:
        sql(app, "UPDATE audit_entries SET created_at=:t", t=ancient)
        rehash_from(app, "demo", 1)
        rehash_from(app, "other", 1)
        sql(app, "DELETE FROM audit_checkpoints")

    age_everything()
    assert runner.invoke(args=["retention", "purge", "--site", "demo"]).exit_code == 0
    age_everything()  # years later, the retention.reduced entry is past the cutoff too
    assert runner.invoke(args=["retention", "purge", "--site", "demo"]).exit_code == 0
    kept = sql(app, "SELECT payload FROM audit_entries WHERE action='retention.reduced' "
                    "ORDER BY seq")
    assert len(kept) == 1 and kept[0][0] is not None  # nothing else was left to reduce
    assert runner.invoke(args=["audit", "checkpoint", "--site", "demo"]).exit_code == 0
    res = runner.invoke(args=["audit", "verify", "--site", "demo"])
    assert res.exit_code == 0, res.output


def purge_entries_of(app: Flask, action: str) -> list[dict[str, Any]]:
    rows = sql(app, "SELECT payload FROM audit_entries WHERE action=:a ORDER BY id", a=action)
    return [json.loads(r[0]) for r in rows]


def test_marketing_evidence_goes_24_months_after_the_permission_ended(
        app: Flask, client: Any, runner: Any, demo: dict) -> None:
    from tests.domain.promises.test_promises import promise, report
    from tests.marketing_helpers import check, new_subject, put_permission, reasons

    ended = new_subject(client, demo, email="ended@example.fi")
    in_force = new_subject(client, demo, email="inforce@example.fi")
    recent = new_subject(client, demo, email="recent@example.fi")
    prohibited = new_subject(client, demo, email="kielto@example.fi")
    for sid in (ended, in_force, recent):
        assert put_permission(client, demo, sid, "newsletter", "email",
                              "granted").status_code == 200
    for sid in (ended, recent):
        put_permission(client, demo, sid, "newsletter", "email", "withdrawn")
    put_permission(client, demo, prohibited, "*", "*", "prohibited")
    long_ago = (datetime.now(UTC) - timedelta(days=25 * 31)).replace(tzinfo=None)
    for sid in (ended, in_force, prohibited):  # their last change was 25 months ago
        sql(app, "UPDATE marketing_permissions SET updated_at=:t WHERE subject_id="
                 "(SELECT id FROM subjects WHERE public_id=:s)", t=long_ago, s=sid)
    kept = promise(report(client, demo), "evidence_retention")
    assert kept["status"] == "broken" and kept["counts"] == {"months": 24, "overdue": 1}
    dry = runner.invoke(args=["retention", "purge", "--site", "demo", "--dry-run"])
    assert "demo\tmarketing_evidence\twould_delete\t1" in dry.stdout, dry.output
    res = runner.invoke(args=["retention", "purge", "--site", "demo"])
    assert "demo\tmarketing_evidence\tdeleted\t1" in res.stdout, res.output
    left = {sid for (sid,) in sql(app, "SELECT s.public_id FROM marketing_permissions p JOIN "
                                       "subjects s ON s.id = p.subject_id")}
    assert left == {in_force, recent, prohibited}
    assert not sql(app, "SELECT e.id FROM marketing_events e JOIN subjects s ON "
                        "s.id = e.subject_id WHERE s.public_id=:s", s=ended)
    [entry] = [e for e in purge_entries(app) if e["rule"] == "marketing_evidence"]
    assert entry["deleted"] == 1 and entry["events_deleted"] == 2 and entry["months"] == 24
    answers = check(client, demo, ["ended@example.fi", "inforce@example.fi",
                                   "recent@example.fi", "kielto@example.fi"])
    assert reasons(answers) == ["no_permission", None, "withdrawn", "prohibited"]
    assert runner.invoke(args=["audit", "verify", "--site", "demo"]).exit_code == 0
    assert promise(report(client, demo), "evidence_retention")["status"] == "holds"
