"""Erasure that erases (issue 13, item 5; DESIGN invariant 11): after a subject's erasure
through the real request path, neither its identifiers in clear text nor its wrapped data key
nor its identifier ciphertexts and lookup hashes (read before the erasure) can be found in the
database files: on SQLite the database file and its write-ahead log, on PostgreSQL the pages
of every relation (pageinspect) and the key table's data file."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import PG_URL, bearer
from tests.domain.audit.test_tamper import sql

SITE = "/api/v1/sites/demo"
ON_POSTGRES = bool(PG_URL and PG_URL.startswith("postgresql"))


def admin(demo: dict) -> dict[str, str]:
    return bearer(demo["keys"]["admin"])


def make_subjects(client: Any, demo: dict, count: int) -> None:
    """Other customers written before and after the one erased: pages are shared and split."""
    for _ in range(count):
        tag = uuid.uuid4().hex[:12]
        resp = client.post(f"{SITE}/subjects", headers=admin(demo), json={
            "email": f"other-{tag}@example.fi", "customer_number": f"K-{tag.upper()}"})
        assert resp.status_code == 201, resp.get_json()


def erasable_subject(client: Any, demo: dict, app: Flask) -> tuple[str, dict[str, bytes]]:
    """A subject with e-mail, phone and customer number, a permission in force, and every
    stored byte string that would let someone recover them (read before the erasure)."""
    tag = uuid.uuid4().hex[:10]
    email, phone, number = f"erase-me-{tag}@example.fi", "+358401234567", f"CN-{tag.upper()}"
    resp = client.post(f"{SITE}/subjects", headers=admin(demo),
                       json={"email": email, "phone": "040 123 4567", "customer_number": number})
    assert resp.status_code == 201, resp.get_json()
    sid = str(resp.get_json()["id"])
    resp = client.put(f"{SITE}/subjects/{sid}/permissions/newsletter/email", headers=admin(demo),
                      json={"state": "granted", "evidence": {
                          "source": "web_form", "notice_version": 1,
                          "confirmed_at": "2026-01-01T00:00:00Z"}})
    assert resp.status_code == 200, resp.get_json()
    needles = {"email": email.encode(), "phone": phone.encode(), "customer_number": number.encode()}
    [(key,)] = sql(app, "SELECT k.wrapped_key FROM subject_keys k JOIN subjects s "
                        "ON s.id = k.subject_id WHERE s.public_id = :sid", sid=sid)
    needles["wrapped key"] = bytes(key)
    rows = sql(app, "SELECT i.kind, i.ciphertext, i.lookup_hash FROM subject_identifiers i "
                    "JOIN subjects s ON s.id = i.subject_id WHERE s.public_id = :sid", sid=sid)
    assert sorted(kind for kind, _, _ in rows) == ["customer_number", "email", "phone"]
    for kind, ciphertext, lookup_hash in rows:
        needles[f"{kind} ciphertext"] = bytes(ciphertext)
        needles[f"{kind} lookup hash"] = bytes(lookup_hash)
    return sid, needles


def erase(client: Any, demo: dict, sid: str) -> dict[str, Any]:
    resp = client.post(f"{SITE}/subjects/{sid}/requests", json={"kind": "erasure"},
                       headers=admin(demo))
    assert resp.status_code == 201, resp.get_json()
    return dict(resp.get_json()["request"]["outcome"])


def found_in(blobs: dict[str, bytes], needles: dict[str, bytes]) -> list[str]:
    return [f"{what} in {where}" for what, needle in needles.items()
            for where, blob in blobs.items() if needle in blob]


def sqlite_files(database_url: str) -> dict[str, bytes]:
    path = Path(database_url.removeprefix("sqlite:///"))
    wal = path.with_name(path.name + "-wal")
    return {"database file": path.read_bytes(),
            "write-ahead log": wal.read_bytes() if wal.exists() else b""}


@pytest.mark.skipif(ON_POSTGRES, reason="the SQLite files; the PostgreSQL variant is below")
def test_nothing_of_an_erased_subject_is_left_in_the_sqlite_file_or_its_wal(
    client: Any, demo: dict, app: Flask, database_url: str
) -> None:
    assert sql(app, "PRAGMA journal_mode")[0][0] == "wal"
    make_subjects(client, demo, 40)
    sid, needles = erasable_subject(client, demo, app)
    make_subjects(client, demo, 40)
    secrets_only = {k: v for k, v in needles.items() if k not in
                    ("email", "phone", "customer_number")}
    before = found_in(sqlite_files(database_url), secrets_only)
    # the search works: every stored byte string is there before the erasure
    assert {hit.split(" in ")[0] for hit in before} == set(secrets_only), before

    outcome = erase(client, demo, sid)

    assert outcome["key_destroyed"] is True and outcome["storage_purged"] is True
    assert found_in(sqlite_files(database_url), needles) == []
    actions = [a for (a,) in sql(app, "SELECT action FROM audit_entries ORDER BY id")]
    assert actions[-2:] == ["rights.erasure", "rights.erasure_purged"]


def pg_pages(app: Flask) -> dict[str, bytes]:
    """Every page of every relation (tables, their TOAST, indexes) of the database."""
    sql(app, "CREATE EXTENSION IF NOT EXISTS pageinspect")
    rels = sql(app, "SELECT c.oid::regclass::text, c.relkind, "
                    "pg_relation_size(c.oid) / current_setting('block_size')::int "
                    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 'i', 't') "
                    "AND (c.relkind <> 'i' OR c.relam = (SELECT oid FROM pg_am "
                    "WHERE amname = 'btree'))")
    pages: dict[str, bytes] = {}
    for name, _, blocks in rels:
        for block in range(blocks):
            [(page,)] = sql(app, "SELECT get_raw_page(:rel, :block)", rel=name, block=block)
            pages[f"{name} page {block}"] = bytes(page)
    return pages


def pg_key_table_files(app: Flask) -> dict[str, bytes]:
    """The data file(s) of subject_keys on disk, after a checkpoint wrote its pages out; empty
    when the server's data directory is not readable here."""
    sql(app, "CHECKPOINT")
    [(data_dir,)] = sql(app, "SELECT current_setting('data_directory')")
    [(rel_path,)] = sql(app, "SELECT pg_relation_filepath('subject_keys')")
    path = Path(data_dir) / rel_path
    if not os.access(path, os.R_OK):
        return {}
    return {str(p): p.read_bytes() for p in path.parent.glob(path.name + "*")}


@pytest.mark.skipif(not ON_POSTGRES, reason="needs LUPA_TEST_DATABASE_URL=postgresql://...")
def test_nothing_of_an_erased_subjects_key_is_left_in_postgresql_pages_or_files(
    client: Any, demo: dict, app: Flask
) -> None:
    make_subjects(client, demo, 40)
    # the newest row of its page: a plain VACUUM compacts the page but leaves its bytes there
    sid, needles = erasable_subject(client, demo, app)
    key = {"wrapped key": needles["wrapped key"]}
    assert found_in(pg_pages(app), key), "the search finds the key before the erasure"
    [(old_file,)] = sql(app, "SELECT pg_relation_filepath('subject_keys')")

    outcome = erase(client, demo, sid)

    assert outcome["key_destroyed"] is True and outcome["storage_purged"] is True
    clear = {k: needles[k] for k in ("email", "phone", "customer_number")}
    assert found_in(pg_pages(app), {**key, **clear}) == []
    files = pg_key_table_files(app)
    assert found_in(files, key) == []
    [(new_file,)] = sql(app, "SELECT pg_relation_filepath('subject_keys')")
    assert new_file != old_file  # rewritten: the old file is truncated, then unlinked
    [(data_dir,)] = sql(app, "SELECT current_setting('data_directory')")
    old = Path(data_dir) / old_file
    if files:
        assert not old.exists() or old.stat().st_size == 0
    # Not asserted: subject_identifiers' free space (ciphertext under the destroyed key, and
    # lookup hashes) gets a plain VACUUM only; see docs/operations.md, "Erasure and backups".


@pytest.mark.skipif(ON_POSTGRES, reason="holds a SQLite read transaction open")
def test_a_purge_that_cannot_finish_never_fails_the_erasure_and_the_next_one_completes_it(
    client: Any, demo: dict, app: Flask, runner: Any, database_url: str,
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import sqlite3

    from service.domain.rights import purge

    monkeypatch.setattr(purge, "CHECKPOINT_WAIT_MS", 200)
    sid, needles = erasable_subject(client, demo, app)
    # a reader that started before the erasure: the log cannot be cut while it may read it
    reader = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM subject_keys").fetchone()
    try:
        outcome = erase(client, demo, sid)
        again = runner.invoke(args=["subject", "purge-erased"])
        assert again.exit_code == 1 and "not purged" in again.output, again.output
    finally:
        reader.close()

    assert outcome["key_destroyed"] is True and outcome["storage_purged"] is False
    resp = client.get(f"{SITE}/subjects/{sid}/requests", headers=admin(demo))
    [req] = [r for r in resp.get_json()["requests"] if r["kind"] == "erasure"]
    assert req["status"] == "completed" and req["outcome"]["storage_purged"] is False
    [(payload,)] = sql(app, "SELECT payload FROM audit_entries "
                            "WHERE action = 'rights.erasure_purged'")
    entry = json.loads(payload)
    assert entry["purged"] is False and entry["request"] == req["id"]
    assert entry["problem"].startswith("the write-ahead log stayed in use")
    assert "did not complete" in caplog.text
    assert found_in(sqlite_files(database_url), {"key": needles["wrapped key"]})

    done = runner.invoke(args=["subject", "purge-erased"])  # covers every earlier erasure
    assert done.exit_code == 0 and "purged (sqlite_wal_checkpoint_truncate)" in done.output
    assert found_in(sqlite_files(database_url), needles) == []


@pytest.mark.skipif(not ON_POSTGRES, reason="needs LUPA_TEST_DATABASE_URL=postgresql://...")
def test_an_older_postgresql_transaction_keeps_the_key_and_the_purge_says_so(
    client: Any, demo: dict, app: Flask, database_url: str
) -> None:
    import sqlalchemy as sa

    from service.domain import rights

    sid, needles = erasable_subject(client, demo, app)
    key = {"wrapped key": needles["wrapped key"]}
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as reader:  # a snapshot taken before the erasure, still open
            reader.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            reader.exec_driver_sql("SELECT count(*) FROM sites").all()
            outcome = erase(client, demo, sid)
            assert outcome["key_destroyed"] is True and outcome["storage_purged"] is False
            assert found_in(pg_pages(app), key)  # the dead row was kept for that reader
            [(payload,)] = sql(app, "SELECT payload FROM audit_entries "
                                    "WHERE action = 'rights.erasure_purged'")
            assert json.loads(payload)["problem"] == (
                "1 deleted key rows are still seen by an older transaction")
            reader.rollback()
    finally:
        engine.dispose()
    with app.app_context():
        assert rights.purge_storage().purged is True
    assert found_in(pg_pages(app), key) == []
