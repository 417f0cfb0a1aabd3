"""The audit chain: one transaction with the change, serialised appends, tamper detection."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import PG_URL, bearer, new_visitor

CONSENTS = "/api/v1/sites/demo/consents"


def record(client: Any, n: int) -> None:
    for _ in range(n):
        resp = client.post(CONSENTS, json={"visitor_id": new_visitor(), "notice_version": 1,
                                           "choices": {"analytics": True}, "method": "custom"})
        assert resp.status_code == 201


def verify(app: Flask, slug: str = "demo") -> Any:
    from service.domain import audit, sites

    with app.app_context():
        return audit.verify_site(sites.get_site(slug))


def sql(app: Flask, statement: str, **params: Any) -> Any:
    from service.extensions import db

    with app.app_context():
        result = db.session.execute(sa.text(statement), params)
        rows = result.all() if result.returns_rows else None
        db.session.commit()
        return rows


def site_id(app: Flask) -> int:
    return int(sql(app, "SELECT id FROM sites WHERE slug='demo'")[0][0])


def test_every_state_change_has_its_audit_entry(app: Flask, client: Any, demo: dict) -> None:
    record(client, 3)
    rows = sql(app, "SELECT action, subject, payload FROM audit_entries WHERE site_id=:s "
                    "ORDER BY seq", s=site_id(app))
    actions = [r[0] for r in rows]
    assert actions[:2] == ["site.created", "notice.published"]
    assert actions.count("key.created") == 3
    assert actions.count("consent.recorded") == 3
    assert all(r[1].startswith("visitor:") for r in rows if r[0] == "consent.recorded")
    result = verify(app)
    assert result.ok, result.problems
    assert result.entries == len(rows)


def test_state_change_and_audit_entry_commit_together(app: Flask, client: Any,
                                                      demo: dict) -> None:
    """With the chain head gone the append fails, and the consent row is rolled back too."""
    sid = site_id(app)
    before = sql(app, "SELECT count(*) FROM consent_events")[0][0]
    sql(app, "DELETE FROM audit_heads WHERE site_id=:s", s=sid)
    resp = client.post(CONSENTS, json={"notice_version": 1, "choices": {}, "method": "reject_all"})
    assert resp.status_code == 500
    assert resp.mimetype == "application/problem+json"
    assert sql(app, "SELECT count(*) FROM consent_events")[0][0] == before


def test_signed_checkpoints_are_made_every_n_entries(app: Flask, client: Any, demo: dict) -> None:
    record(client, 6)
    resp = client.get("/api/v1/sites/demo/audit/checkpoints",
                      headers=bearer(demo["keys"]["auditor"]))
    body = resp.get_json()
    assert resp.status_code == 200
    assert [cp["seq"] for cp in body["checkpoints"]] == [5, 10]
    assert len(body["public_keys"]) == 1


def _tamper_edit(app: Flask, sid: int) -> None:
    sql(app, "UPDATE audit_entries SET payload = replace(payload, 'true', 'false') "
             "WHERE site_id=:s AND action='consent.recorded' AND seq=(SELECT min(seq) FROM "
             "audit_entries WHERE site_id=:s AND action='consent.recorded')", s=sid)


def _tamper_delete_middle(app: Flask, sid: int) -> None:
    sql(app, "DELETE FROM audit_entries WHERE site_id=:s AND seq=4", s=sid)


def _tamper_insert(app: Flask, sid: int) -> None:
    sql(app, "UPDATE audit_entries SET seq = seq + 1000 WHERE site_id=:s AND seq > 5", s=sid)
    sql(app, "UPDATE audit_entries SET seq = seq - 999 WHERE site_id=:s AND seq > 1000", s=sid)
    row = sql(app, "SELECT created_at, prev_hash, hash FROM audit_entries WHERE site_id=:s "
                   "AND seq=5", s=sid)[0]
    sql(app, "INSERT INTO audit_entries (site_id, seq, created_at, actor, action, subject, "
             "payload, prev_hash, hash) VALUES (:s, 6, :ts, 'visitor', 'consent.recorded', NULL, "
             "'{}', :prev, :h)", s=sid, ts=row[0], prev=row[2], h="f" * 64)


def _tamper_reorder(app: Flask, sid: int) -> None:
    sql(app, "UPDATE audit_entries SET seq = -1 WHERE site_id=:s AND seq = 6", s=sid)
    sql(app, "UPDATE audit_entries SET seq = 6 WHERE site_id=:s AND seq = 7", s=sid)
    sql(app, "UPDATE audit_entries SET seq = 7 WHERE site_id=:s AND seq = -1", s=sid)


def _tamper_drop_newest(app: Flask, sid: int) -> None:
    """Remove the newest entries and rewind the head, so only a checkpoint can tell."""
    sql(app, "DELETE FROM audit_entries WHERE site_id=:s AND seq > 8", s=sid)
    row = sql(app, "SELECT hash FROM audit_entries WHERE site_id=:s AND seq=8", s=sid)[0]
    sql(app, "UPDATE audit_heads SET seq=8, hash=:h WHERE site_id=:s", h=row[0], s=sid)


def _tamper_drop_newest_keep_head(app: Flask, sid: int) -> None:
    sql(app, "DELETE FROM audit_entries WHERE site_id=:s AND seq = (SELECT max(seq) FROM "
             "audit_entries WHERE site_id=:s)", s=sid)


TAMPERS = {
    "edit": (_tamper_edit, "hash"),
    "delete": (_tamper_delete_middle, "sequence"),
    "insert": (_tamper_insert, "hash"),
    "reorder": (_tamper_reorder, "link"),
    "drop_newest_and_rewind_head": (_tamper_drop_newest, "truncated"),
    "drop_newest": (_tamper_drop_newest_keep_head, "head_mismatch"),
}


@pytest.mark.parametrize("name", list(TAMPERS))
def test_tampering_is_detected(app: Flask, client: Any, demo: dict, name: str) -> None:
    record(client, 6)  # seq 1..12 with keys; checkpoints at 5 and 10
    assert verify(app).ok
    tamper, kind = TAMPERS[name]
    tamper(app, site_id(app))
    result = verify(app)
    assert not result.ok
    assert kind in {p.kind for p in result.problems}, result.problems


def test_verify_endpoint_and_cli_report_intact_then_broken(
    app: Flask, client: Any, runner: Any, demo: dict
) -> None:
    record(client, 2)
    resp = client.get("/api/v1/sites/demo/audit/verify", headers=bearer(demo["keys"]["auditor"]))
    assert resp.status_code == 200 and resp.get_json()["ok"] is True
    ok = runner.invoke(args=["audit", "verify", "--site", "demo"])
    assert ok.exit_code == 0, ok.output
    assert "INTACT" in ok.output
    _tamper_edit(app, site_id(app))
    bad = runner.invoke(args=["audit", "verify", "--site", "demo"])
    assert bad.exit_code == 1
    assert "BROKEN" in bad.output
    assert client.get("/api/v1/sites/demo/audit/verify",
                      headers=bearer(demo["keys"]["auditor"])).get_json()["ok"] is False


def test_audit_log_streams_jsonl_and_filters(client: Any, demo: dict) -> None:
    record(client, 2)
    headers = bearer(demo["keys"]["auditor"])
    resp = client.get("/api/v1/sites/demo/audit?action=consent.recorded", headers=headers)
    assert resp.status_code == 200
    assert resp.mimetype == "application/x-ndjson"
    lines = [ln for ln in resp.get_data(as_text=True).splitlines() if ln]
    assert len(lines) == 2
    prefix = client.get("/api/v1/sites/demo/audit?action=key.*", headers=headers)
    assert len(prefix.get_data(as_text=True).splitlines()) == 3
    csv = client.get("/api/v1/sites/demo/audit?format=csv&limit=1", headers=headers)
    assert csv.mimetype == "text/csv"
    assert csv.get_data(as_text=True).splitlines()[0].startswith("site,seq,ts")
    bad = client.get("/api/v1/sites/demo/audit?since=yesterday", headers=headers)
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"


def test_export_bundle_verifies_offline_and_detects_edits(
    app: Flask, client: Any, runner: Any, demo: dict, tmp_path: Any
) -> None:
    record(client, 3)
    out = tmp_path / "export.jsonl"
    res = runner.invoke(args=["audit", "export", "--site", "demo", "-o", str(out)])
    assert res.exit_code == 0, res.output
    # 3 entries, no checkpoint yet (every 5 in tests), the file's own keys: nothing anchored
    ok = runner.invoke(args=["audit", "verify", "--file", str(out), "--allow-unanchored"])
    assert ok.exit_code == 0, ok.output
    text = out.read_text()
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text(text.replace('\\"analytics\\":true', '\\"analytics\\":false', 1))
    assert tampered.read_text() != text
    bad = runner.invoke(args=["audit", "verify", "--file", str(tampered)])
    assert bad.exit_code == 1


@pytest.mark.skipif(not PG_URL, reason="concurrent writers need PostgreSQL")
def test_concurrent_appends_on_postgresql_never_fork_or_gap(app: Flask, demo: dict) -> None:
    """Eight threads, each with its own connection, append at once; the chain stays whole."""
    errors: list[BaseException] = []

    def worker() -> None:
        c = app.test_client()
        try:
            for _ in range(15):
                r = c.post(CONSENTS, json={"visitor_id": new_visitor(), "notice_version": 1,
                                           "choices": {}, "method": "reject_all"})
                assert r.status_code == 201, r.get_data(as_text=True)
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    result = verify(app)
    assert result.ok, result.problems
    seqs = [r[0] for r in sql(app, "SELECT seq FROM audit_entries WHERE site_id=:s ORDER BY seq",
                              s=site_id(app))]
    assert seqs == list(range(1, len(seqs) + 1))
    assert sql(app, "SELECT count(*) FROM consent_events")[0][0] == 120


def test_concurrent_appends_on_sqlite_also_serialise(app: Flask, demo: dict) -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        c = app.test_client()
        try:
            for _ in range(10):
                r = c.post(CONSENTS, json={"notice_version": 1, "choices": {},
                                           "method": "reject_all"})
                assert r.status_code == 201, r.get_data(as_text=True)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert verify(app).ok


def test_key_rotation_keeps_old_checkpoints_verifiable(app: Flask, demo: dict,
                                                       database_url: str, tmp_path: Any) -> None:
    """The documented rotation: a new LUPA_SIGNING_KEY, the old public key in LUPA_VERIFY_KEYS.
    Checkpoints signed before still verify and auditors are given both keys; without the old
    key they are reported as signed by an unknown key."""
    import base64

    from service.domain import audit
    from tests.conftest import make_app

    client = app.test_client()
    for _ in range(6):  # checkpoints every 5 entries: at least one signed with the old key
        assert client.post(CONSENTS, json={"notice_version": 1, "choices": {},
                                           "method": "reject_all"}).status_code == 201
    with app.app_context():
        old_public = audit.signer().public_b64
    new_key = base64.b64encode(b"\x07" * 32).decode()
    rotated = make_app(database_url, tmp_path / "rotated", LUPA_SIGNING_KEY=new_key,
                       LUPA_VERIFY_KEYS=[old_public])
    with rotated.test_client() as c:
        for _ in range(5):
            assert c.post(CONSENTS, json={"notice_version": 1, "choices": {},
                                          "method": "reject_all"}).status_code == 201
        listed = c.get("/api/v1/sites/demo/audit/checkpoints",
                       headers=bearer(demo["keys"]["auditor"])).get_json()
    assert old_public in listed["public_keys"].values() and len(listed["public_keys"]) == 2
    assert len({cp["key_id"] for cp in listed["checkpoints"]}) == 2
    result = verify(rotated)
    assert result.ok, result.problems
    forgetful = make_app(database_url, tmp_path / "forgetful", LUPA_SIGNING_KEY=new_key)
    result = verify(forgetful)
    assert not result.ok and "checkpoint_key" in result.kinds
