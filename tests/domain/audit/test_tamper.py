"""Tamper corpus, database side: a real chain is built through the API, then its rows are
altered the way an operator with database access could; verification must name the damage.

The export-file side of the corpus is in test_offline_verify.py.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import bearer, new_visitor

CONSENTS = "/api/v1/sites/demo/consents"
ATTACKER_SEED = base64.b64encode(b"\x07" * 32).decode()


def record(client: Any, n: int, site: str = "demo") -> None:
    for i in range(n):
        resp = client.post(f"/api/v1/sites/{site}/consents",
                           json={"visitor_id": new_visitor(), "notice_version": 1,
                                 "choices": {"analytics": i % 2 == 0}, "method": "custom"})
        assert resp.status_code == 201, resp.get_json()


def sql(app: Flask, statement: str, **params: Any) -> list[Any]:
    from service.extensions import db

    with app.app_context(), db.engine.begin() as conn:
        result = conn.execute(sa.text(statement), params)
        return list(result) if result.returns_rows else []


def site_id(app: Flask, slug: str = "demo") -> int:
    return int(sql(app, "SELECT id FROM sites WHERE slug=:s", s=slug)[0][0])


def verify(app: Flask, external: list[dict[str, Any]] | None = None) -> Any:
    from service.domain import audit, sites

    with app.app_context():
        return audit.verify_site(sites.get_site("demo"), external)


def rehash_from(app: Flask, slug: str, start: int) -> None:
    """Recompute hashes and links from `start` to the end and move the head: a careful forger."""
    from service.domain.audit.canonical import iso_utc
    from service.domain.audit.chain import compute_entry_hash, payload_digest
    from service.extensions import db
    from service.models import AuditEntry, AuditHead, Site

    with app.app_context():
        site = db.session.execute(sa.select(Site).where(Site.slug == slug)).scalar_one()
        rows = db.session.execute(
            sa.select(AuditEntry).where(AuditEntry.site_id == site.id).order_by(AuditEntry.seq)
        ).scalars().all()
        prev = "0" * 64
        for row in rows:
            if row.seq >= start:
                row.prev_hash = prev
                if row.hash_version == 2 and row.payload is not None:
                    row.payload_hash = payload_digest(row.payload)
                row.hash = compute_entry_hash(slug, row.seq, iso_utc(row.created_at), row.actor,
                                              row.action, row.subject, row.payload, prev,
                                              row.hash_version, row.payload_hash)
            prev = row.hash
        head = db.session.get(AuditHead, site.id)
        assert head is not None
        head.seq, head.hash = rows[-1].seq, rows[-1].hash
        db.session.commit()


def external_checkpoint(client: Any, demo: dict) -> dict[str, Any]:
    """What a careful auditor keeps outside: GET .../audit/checkpoints after signing the head."""
    headers = bearer(demo["keys"]["auditor"])
    assert client.post("/api/v1/sites/demo/audit/checkpoints", headers=headers).status_code == 201
    body: dict[str, Any] = client.get("/api/v1/sites/demo/audit/checkpoints",
                                      headers=headers).get_json()
    return body


@pytest.fixture()
def chain(app: Flask, client: Any, demo: dict) -> int:
    """demo: site, notice, 3 keys, 12 consents = 17 entries; checkpoints at 5, 10 and 15."""
    record(client, 12)
    record(client, 3, site="other")
    result = verify(app)
    assert result.ok and result.last_seq == 17 and result.checkpoints_checked == 3
    return site_id(app)


# --- the cases ------------------------------------------------------------------------------
def edit_payload(app: Flask, sid: int) -> None:
    sql(app, "UPDATE audit_entries SET payload = replace(payload, :a, :b) "
             "WHERE site_id=:s AND seq=8", a='"analytics":true', b='"analytics":false', s=sid)
    changed = sql(app, "SELECT payload FROM audit_entries WHERE site_id=:s AND seq=8", s=sid)
    assert '"analytics":false' in changed[0][0]


def edit_actor(app: Flask, sid: int) -> None:
    sql(app, "UPDATE audit_entries SET actor='system' WHERE site_id=:s AND seq=7", s=sid)


def edit_and_recompute_chain(app: Flask, sid: int) -> None:
    edit_payload(app, sid)
    rehash_from(app, "demo", 8)


def delete_middle(app: Flask, sid: int) -> None:
    sql(app, "DELETE FROM audit_entries WHERE site_id=:s AND seq=9", s=sid)


def delete_middle_and_renumber(app: Flask, sid: int) -> None:
    delete_middle(app, sid)
    sql(app, "UPDATE audit_entries SET seq = seq + 1000 WHERE site_id=:s AND seq > 9", s=sid)
    sql(app, "UPDATE audit_entries SET seq = seq - 1001 WHERE site_id=:s AND seq > 1000", s=sid)
    rehash_from(app, "demo", 9)


def insert_forged(app: Flask, sid: int) -> None:
    """A well-formed entry with a correct hash over its predecessor, slipped in at seq 9."""
    from service.domain.audit.chain import entry_hash_v2, payload_digest

    sql(app, "UPDATE audit_entries SET seq = seq + 1000 WHERE site_id=:s AND seq >= 9", s=sid)
    sql(app, "UPDATE audit_entries SET seq = seq - 999 WHERE site_id=:s AND seq > 1000", s=sid)
    created, prev = sql(app, "SELECT created_at, hash FROM audit_entries WHERE site_id=:s "
                             "AND seq=8", s=sid)[0]
    ts = "2026-01-01T00:00:00.000000Z"
    payload = '{"forged":true}'
    h = entry_hash_v2("demo", 9, ts, "system", "consent.recorded", None, payload_digest(payload),
                      prev)
    sql(app, "INSERT INTO audit_entries (site_id, seq, created_at, actor, action, subject, payload,"
             " payload_hash, hash_version, prev_hash, hash) VALUES (:s, 9, :ts, 'system', "
             "'consent.recorded', NULL, :p, :ph, 2, :prev, :h)", s=sid, ts=created, p=payload,
        ph=payload_digest(payload), prev=prev, h=h)


def reorder(app: Flask, sid: int) -> None:
    sql(app, "UPDATE audit_entries SET seq = -1 WHERE site_id=:s AND seq = 11", s=sid)
    sql(app, "UPDATE audit_entries SET seq = 11 WHERE site_id=:s AND seq = 12", s=sid)
    sql(app, "UPDATE audit_entries SET seq = 12 WHERE site_id=:s AND seq = -1", s=sid)


def drop_newest(app: Flask, sid: int) -> None:
    sql(app, "DELETE FROM audit_entries WHERE site_id=:s AND seq > 12", s=sid)


def drop_newest_and_rewind_head(app: Flask, sid: int) -> None:
    drop_newest(app, sid)
    h = sql(app, "SELECT hash FROM audit_entries WHERE site_id=:s AND seq=12", s=sid)[0][0]
    sql(app, "UPDATE audit_heads SET seq=12, hash=:h WHERE site_id=:s", h=h, s=sid)


def copy_from_other_site(app: Flask, sid: int) -> None:
    """Entry 8 of `other` (same shape, valid hash in its own chain) replaces entry 8 of demo."""
    other = site_id(app, "other")
    row = sql(app, "SELECT created_at, actor, action, subject, payload, prev_hash, hash FROM "
                   "audit_entries WHERE site_id=:o AND seq=8", o=other)[0]
    sql(app, "UPDATE audit_entries SET created_at=:c, actor=:a, action=:ac, subject=:su, "
             "payload=:p, prev_hash=:pr, hash=:h WHERE site_id=:s AND seq=8",
        c=row[0], a=row[1], ac=row[2], su=row[3], p=row[4], pr=row[5], h=row[6], s=sid)


def copy_from_other_site_relinked(app: Flask, sid: int) -> None:
    """Same, but the forger keeps demo's links: only the site binding in the hash tells."""
    copy_from_other_site(app, sid)
    prev = sql(app, "SELECT hash FROM audit_entries WHERE site_id=:s AND seq=7", s=sid)[0][0]
    sql(app, "UPDATE audit_entries SET prev_hash=:p WHERE site_id=:s AND seq=8", p=prev, s=sid)


def forge_checkpoint_signature(app: Flask, sid: int) -> None:
    sig = base64.b64encode(b"\x00" * 64).decode()
    sql(app, "UPDATE audit_checkpoints SET signature=:g WHERE site_id=:s AND seq=10", g=sig, s=sid)


def resign_checkpoint_with_other_key(app: Flask, sid: int) -> None:
    """Rewrite from seq 8 and re-sign checkpoints 10 and 15 with a key the service never had."""
    from service.domain.audit.chain import checkpoint_message
    from service.domain.audit.signing import Signer

    edit_and_recompute_chain(app, sid)
    forger = Signer.from_seed_b64(ATTACKER_SEED)
    for seq in (10, 15):
        h = sql(app, "SELECT hash FROM audit_entries WHERE site_id=:s AND seq=:q", s=sid, q=seq)
        ts = "2026-01-01T00:00:00.000000Z"
        sql(app, "UPDATE audit_checkpoints SET hash=:h, key_id=:k, signature=:g, created_at=:c "
                 "WHERE site_id=:s AND seq=:q", h=h[0][0], k=forger.key_id,
            g=forger.sign(checkpoint_message("demo", seq, h[0][0], ts)),
            c="2026-01-01 00:00:00", s=sid, q=seq)


def wipe_payload(app: Flask, sid: int) -> None:
    """Entry 8's payload set to NULL (its digest kept, so its hash still holds) with no
    retention run: only a retention.reduced entry may account for a missing payload."""
    sql(app, "UPDATE audit_entries SET payload=NULL WHERE site_id=:s AND seq=8", s=sid)


CASES: dict[str, tuple[Callable[[Flask, int], None], set[str]]] = {
    "edit_payload": (edit_payload, {"hash"}),
    "edit_actor": (edit_actor, {"hash"}),
    "edit_and_recompute_chain": (edit_and_recompute_chain, {"checkpoint_mismatch"}),
    "delete_middle": (delete_middle, {"sequence", "link"}),
    "delete_middle_and_renumber": (delete_middle_and_renumber, {"checkpoint_mismatch"}),
    "insert_forged": (insert_forged, {"link", "hash"}),
    "reorder": (reorder, {"link", "hash"}),
    "drop_newest": (drop_newest, {"head_mismatch", "truncated"}),
    "drop_newest_and_rewind_head": (drop_newest_and_rewind_head, {"truncated"}),
    "copy_from_other_site": (copy_from_other_site, {"hash", "link"}),
    "copy_from_other_site_relinked": (copy_from_other_site_relinked, {"hash"}),
    "forge_checkpoint_signature": (forge_checkpoint_signature, {"checkpoint_signature"}),
    "resign_checkpoint_with_other_key": (resign_checkpoint_with_other_key, {"checkpoint_key"}),
    "wipe_payload": (wipe_payload, {"payload_missing"}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_database_tampering_is_detected(app: Flask, chain: int, name: str) -> None:
    tamper, kinds = CASES[name]
    tamper(app, chain)
    result = verify(app)
    assert not result.ok
    assert kinds <= result.kinds, result.problems


def test_untampered_chain_verifies_everywhere(app: Flask, client: Any, runner: Any, demo: dict,
                                              chain: int, tmp_path: Path) -> None:
    body = client.get("/api/v1/sites/demo/audit/verify",
                      headers=bearer(demo["keys"]["auditor"])).get_json()
    assert body["ok"] is True and body["problems"] == [] and body["entries"] == 17
    assert body["anchored"] is True  # the service's own key signed checkpoints 5, 10 and 15
    cp_file = tmp_path / "cp.json"
    cp_file.write_text(json.dumps(external_checkpoint(client, demo)))
    res = runner.invoke(args=["audit", "verify", "--site", "demo", "--checkpoint", str(cp_file)])
    assert res.exit_code == 0, res.output
    assert "INTACT" in res.output
    # the database's own signed checkpoints anchor it: no flag, no outside file needed
    res = runner.invoke(args=["audit", "verify", "--site", "demo"])
    assert res.exit_code == 0 and "INTACT:" in res.output, res.output


def test_database_chain_without_any_checkpoint_is_unanchored(
    app: Flask, client: Any, runner: Any, demo: dict
) -> None:
    record(client, 2)  # 7 entries; the test configuration signs every 5th
    sql(app, "DELETE FROM audit_checkpoints")
    res = runner.invoke(args=["audit", "verify", "--site", "demo", "--json"])
    body = json.loads(res.stdout)
    assert res.exit_code == 1 and body["ok"] is True and body["anchored"] is False
    assert any(n.startswith("nothing anchored") for n in body["notes"])
    res = runner.invoke(args=["audit", "verify", "--site", "demo"])
    assert res.exit_code == 1 and "INTACT, UNANCHORED" in res.output
    res = runner.invoke(args=["audit", "verify", "--site", "demo", "--allow-unanchored"])
    assert res.exit_code == 0, res.output


def test_tampering_one_site_leaves_the_other_intact(app: Flask, chain: int) -> None:
    edit_payload(app, chain)
    from service.domain import audit, sites

    with app.app_context():
        assert audit.verify_site(sites.get_site("other")).ok
    assert not verify(app).ok


def test_whole_chain_rewrite_is_caught_only_by_a_checkpoint_kept_outside(
    app: Flask, client: Any, runner: Any, demo: dict, chain: int, tmp_path: Path
) -> None:
    """The operator edits entry 8, recomputes every hash, moves the head and deletes the stored
    checkpoints: the database alone now looks whole; the auditor's own copy proves otherwise."""
    kept = external_checkpoint(client, demo)
    edit_and_recompute_chain(app, chain)
    sql(app, "DELETE FROM audit_checkpoints WHERE site_id=:s", s=chain)
    assert verify(app).ok  # the limit of any hash chain without an outside anchor
    assert not verify(app).anchored  # ... which is why it says so and the CLI exits 1
    assert runner.invoke(args=["audit", "verify", "--site", "demo"]).exit_code == 1
    result = verify(app, kept["checkpoints"])
    assert not result.ok
    assert "checkpoint_mismatch" in result.kinds
    cp_file = tmp_path / "kept.json"
    cp_file.write_text(json.dumps(kept))
    res = runner.invoke(args=["audit", "verify", "--site", "demo", "--checkpoint", str(cp_file)])
    assert res.exit_code == 1
    assert "checkpoint_mismatch" in res.output


def test_drop_newest_with_checkpoints_removed_is_caught_by_kept_checkpoint(
    app: Flask, client: Any, demo: dict, chain: int
) -> None:
    kept = external_checkpoint(client, demo)["checkpoints"]
    drop_newest_and_rewind_head(app, chain)
    sql(app, "DELETE FROM audit_checkpoints WHERE site_id=:s AND seq > 12", s=chain)
    assert verify(app).ok
    result = verify(app, kept)
    assert not result.ok and "truncated" in result.kinds


def test_checkpoint_of_another_site_is_not_evidence(app: Flask, client: Any, demo: dict,
                                                     chain: int) -> None:
    headers = bearer(demo["other_keys"]["auditor"])
    client.post("/api/v1/sites/other/audit/checkpoints", headers=headers)
    theirs = client.get("/api/v1/sites/other/audit/checkpoints", headers=headers).get_json()
    result = verify(app, theirs["checkpoints"])
    assert not result.ok and result.kinds == {"checkpoint_site"}


def test_checkpoint_signed_by_unknown_key_is_rejected_even_if_hash_matches(
    app: Flask, chain: int
) -> None:
    from service.domain.audit.chain import checkpoint_message
    from service.domain.audit.signing import Signer

    h = sql(app, "SELECT hash FROM audit_entries WHERE site_id=:s AND seq=12", s=chain)[0][0]
    forger = Signer.from_seed_b64(ATTACKER_SEED)
    ts = "2026-01-01T00:00:00.000000Z"
    cp = {"site": "demo", "seq": 12, "hash": h, "ts": ts, "key_id": forger.key_id,
          "signature": forger.sign(checkpoint_message("demo", 12, h, ts))}
    result = verify(app, [cp])
    assert result.kinds == {"checkpoint_key"}
