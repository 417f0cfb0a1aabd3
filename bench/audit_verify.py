"""Benchmark: verify N (default 1,000,000) audit entries, against a bare SHA-256 chain.

    .venv/bin/python bench/audit_verify.py [--entries N] [--pg postgresql://...]

Stages, each timed in the same run:
  baseline  sha256(prev_hash + payload) over N rows, nothing else (the floor)
  hash      entry_hash_v2 + payload digest over N in-memory rows (the format's own cost)
  loop      the verifier's hot loop (chain_fast.feed_rows) over N in-memory tuples, with every
            check: sequence, link, digest, hash, checkpoints (signatures included), head
  file      `lupa audit verify --file` path: verify_export() over an N-entry bundle (two
            processes from 64 MB); file/1p: the same in one process
  sqlite    `lupa audit verify --site` path: verify_site() over N rows in a scratch SQLite
            (two processes from 200,000 entries); sqlite/1p: the same in one process
  pg, pg/1p same on PostgreSQL, when --pg is given (a scratch database is created and dropped)
Rows are inserted with executemany straight into audit_entries (a fast path that skips
append(): the chain is built in Python with the real hash function).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.domain.audit.chain import (  # noqa: E402
    GENESIS_HASH,
    checkpoint_message,
    entry_hash_v2,
    payload_digest,
)
from service.domain.audit.signing import Signer  # noqa: E402

SEED = base64.b64encode(b"\x05" * 32).decode()
SITE = "bench"
PAYLOAD = ('{"choices":{"analytics":true,"marketing":false,"necessary":true,"preferences":false},'
           '"event":%d,"gpc":false,"method":"custom","notice_version":1}')
CHECKPOINT_EVERY = 1000


def rows(n: int) -> list[tuple[Any, ...]]:
    """(seq, created_at, ts, actor, action, subject, payload, payload_hash, prev, hash)."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    prev = GENESIS_HASH
    for seq in range(1, n + 1):
        at = start + timedelta(microseconds=seq * 1000)
        ts = at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        payload = PAYLOAD % seq
        digest = payload_digest(payload)
        subject = f"visitor:{seq:08d}-0000-4000-8000-000000000000"
        h = entry_hash_v2(SITE, seq, ts, "visitor", "consent.recorded", subject, digest, prev)
        out.append((seq, at, ts, "visitor", "consent.recorded", subject, payload, digest, prev,
                    h))
        prev = h
    return out


def checkpoints(data: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    signer = Signer.from_seed_b64(SEED)
    cps = []
    for r in data[CHECKPOINT_EVERY - 1::CHECKPOINT_EVERY]:
        ts = r[2]
        cps.append({"site": SITE, "seq": r[0], "hash": r[9], "ts": ts, "key_id": signer.key_id,
                    "signature": signer.sign(checkpoint_message(SITE, r[0], r[9], ts))})
    return cps


def timed(label: str, fn: Any, n: int, results: dict[str, float]) -> Any:
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    results[label] = dt
    print(f"{label:>9}: {dt:6.2f} s  ({dt / n * 1e6:5.2f} µs/entry)", flush=True)
    return out


def bench_baseline(data: list[tuple[Any, ...]]) -> str:
    prev = GENESIS_HASH
    sha = hashlib.sha256
    for r in data:
        prev = sha((prev + r[6]).encode()).hexdigest()
    return prev


def bench_hash(data: list[tuple[Any, ...]]) -> bool:
    ok = True
    for r in data:
        ok &= entry_hash_v2(SITE, r[0], r[2], r[3], r[4], r[5], payload_digest(r[6]), r[8]) == r[9]
    return ok


def bench_loop(tuples: list[tuple[Any, ...]], cps: list[dict[str, Any]]) -> bool:
    from service.domain.audit.chain import ChainVerifier
    from service.domain.audit.chain_fast import feed_rows
    from service.domain.audit.signing import public_keys_from_b64

    signer = Signer.from_seed_b64(SEED)
    verifier = ChainVerifier(SITE, cps, public_keys_from_b64([signer.public_b64]))
    feed_rows(verifier, tuples)
    return verifier.finish((tuples[-1][0], tuples[-1][7])).ok


def write_bundle(path: Path, data: list[tuple[Any, ...]], cps: list[dict[str, Any]]) -> None:
    signer = Signer.from_seed_b64(SEED)
    with path.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps({"type": "lupa.audit-export", "v": 1, "site": SITE,
                             "public_keys": {signer.key_id: signer.public_b64}}) + "\n")
        for cp in cps:
            fh.write(json.dumps({"type": "checkpoint", **cp}) + "\n")
        for r in data:
            fh.write(json.dumps({"type": "entry", "site": SITE, "seq": r[0], "ts": r[2],
                                 "actor": r[3], "action": r[4], "subject": r[5],
                                 "payload": r[6], "prev_hash": r[8], "hash": r[9], "v": 2,
                                 "payload_hash": r[7]}, ensure_ascii=False) + "\n")
        fh.write(json.dumps({"type": "head", "seq": data[-1][0], "hash": data[-1][9]}) + "\n")


def bench_file(path: Path, n: int, results: dict[str, float]) -> None:
    from service.domain.audit import export_split
    from service.domain.audit.export import verify_export

    signer = Signer.from_seed_b64(SEED)
    with path.open(encoding="utf-8") as fh:
        result = timed("file", lambda: verify_export(fh, [signer.public_b64]), n, results)
    assert result.ok and result.entries == n, result.as_dict()
    min_bytes, export_split.SPLIT_MIN_BYTES = export_split.SPLIT_MIN_BYTES, 2**62
    try:
        with path.open(encoding="utf-8") as fh:
            result = timed("file/1p", lambda: verify_export(fh, [signer.public_b64]), n,
                           results)
    finally:
        export_split.SPLIT_MIN_BYTES = min_bytes
    assert result.ok and result.entries == n, result.as_dict()


def bench_database(url: str, label: str, data: list[tuple[Any, ...]], cps: list[dict[str, Any]],
                   results: dict[str, float]) -> None:
    os.environ["LUPA_SIGNING_KEY"] = SEED
    os.environ["LUPA_SECRET_KEY"] = "bench"
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from service.app import create_app
    from service.domain import sites
    from service.extensions import db
    from service.models import AuditCheckpoint, AuditEntry, AuditHead, Site

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "LUPA_SIGNING_KEY": SEED,
                      "LUPA_VERIFY_KEYS": []})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        site = Site(slug=SITE, name="Bench", origins=[], languages=["en"])
        db.session.add(site)
        db.session.flush()
        db.session.add(AuditHead(site_id=site.id, seq=data[-1][0], hash=data[-1][9]))
        t0 = time.perf_counter()
        for i in range(0, len(data), 20_000):
            db.session.execute(insert(AuditEntry), [
                {"site_id": site.id, "seq": r[0], "created_at": r[1], "actor": r[3],
                 "action": r[4], "subject": r[5], "payload": r[6], "payload_hash": r[7],
                 "hash_version": 2, "prev_hash": r[8], "hash": r[9]}
                for r in data[i:i + 20_000]])
        for cp in cps:
            db.session.add(AuditCheckpoint(
                site_id=site.id, seq=cp["seq"], hash=cp["hash"], key_id=cp["key_id"],
                signature=cp["signature"],
                created_at=datetime.strptime(cp["ts"], "%Y-%m-%dT%H:%M:%S.%fZ")
                .replace(tzinfo=UTC)))
        db.session.commit()
        print(f"{'':>9}  ({label}: {len(data)} rows inserted in "
              f"{time.perf_counter() - t0:.1f} s)", flush=True)
        bench_site = sites.get_site(SITE)
        from service.domain import audit
        from service.domain.audit import verify_split

        print(f"{'':>9}  (two processes: {verify_split.worth_splitting(len(data))})", flush=True)
        result = timed(label, lambda: audit.verify_site(bench_site), len(data), results)
        assert result.ok and result.entries == len(data), result.as_dict()
        assert result.checkpoints_checked == len(cps)
        min_entries, verify_split.PARALLEL_MIN = verify_split.PARALLEL_MIN, 2**62
        try:
            result = timed(label + "/1p", lambda: audit.verify_site(bench_site), len(data),
                           results)
        finally:
            verify_split.PARALLEL_MIN = min_entries
        assert result.ok and result.entries == len(data), result.as_dict()
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--pg", help="PostgreSQL server URL, e.g. postgresql://postgres@127.0.0.1/"
                                     "postgres (a scratch database is created and dropped)")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    n = args.entries
    print(f"building {n} entries ...", flush=True)
    t0 = time.perf_counter()
    data = rows(n)
    cps = checkpoints(data)
    print(f"  built in {time.perf_counter() - t0:.1f} s; {len(cps)} signed checkpoints",
          flush=True)
    results: dict[str, float] = {}
    timed("baseline", lambda: bench_baseline(data), n, results)
    assert timed("hash", lambda: bench_hash(data), n, results)
    tuples = [(r[0], r[2], r[3], r[4], r[5], r[6], r[8], r[9], 2, r[7]) for r in data]
    assert timed("loop", lambda: bench_loop(tuples, cps), n, results)
    tuples.clear()
    with tempfile.TemporaryDirectory() as tmp:
        bundle = Path(tmp) / "bundle.jsonl"
        write_bundle(bundle, data, cps)
        print(f"{'':>9}  (bundle: {bundle.stat().st_size / 1e6:.0f} MB)", flush=True)
        bench_file(bundle, n, results)
        if not args.skip_sqlite:
            os.environ["LUPA_INSTANCE_PATH"] = tmp
            bench_database(f"sqlite:///{tmp}/bench.db", "sqlite", data, cps, results)
    if args.pg:
        import sqlalchemy as sa

        from service.config import normalise_database_url

        base = normalise_database_url(args.pg)
        name = f"lupa_bench_{secrets.token_hex(4)}"
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            bench_database(base.rsplit("/", 1)[0] + "/" + name, "pg", data, cps, results)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    base_t = results["baseline"]
    print("ratio to baseline: " + ", ".join(f"{k} {v / base_t:.1f}x" for k, v in results.items()))


if __name__ == "__main__":
    main()
