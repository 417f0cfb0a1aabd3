"""End-to-end pre-send check benchmark against PostgreSQL + Redis, beside a floor.

    .venv/bin/python bench/marketing_check.py --sizes 100000 1000000

For each size N: seeds N subjects in a fresh PostgreSQL database (80% granted newsletter by
email, 10% withdrawn, 10% prohibited everything), starts the service under gunicorn (one
worker) with Redis, and streams N recipients as NDJSON to POST /checks while reading the
streamed answers: cold (Redis empty), the same check again, and cold with `expected=N` (as
`lupa check` sends). Reports wall times, the gunicorn worker's peak RSS, and a floor measured
in the same run, before and between the checks (median): a bare Python script that loads the
suppression set's keyed hashes from PostgreSQL, then normalises, keyed-hashes and looks up
each recipient.
Env: BENCH_PG (default postgresql://postgres@127.0.0.1/postgres), BENCH_REDIS
(default redis://127.0.0.1:6379/15).
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg
from serve_env import production_env  # bench/, beside this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1/postgres")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/15")
# Fresh keys per run, shared by the seeding process and the server (service.wsgi refuses
# weak ones).
KEYS = production_env()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def email(i: int) -> str:
    return f"User.{i}@Example.com"  # normalised by the service: lowercased


def make_db() -> str:
    name = f"lupa_bench_{secrets.token_hex(4)}"
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG.rsplit("/", 1)[0] + "/" + name


def drop_db(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def env_for(url: str, instance: Path) -> dict[str, str]:
    return {**os.environ, "LUPA_DATABASE_URL": url, "LUPA_REDIS_URL": REDIS,
            **KEYS,
            "LUPA_INSTANCE_PATH": str(instance), "LUPA_RATELIMIT_ENABLED": "0",
            "LUPA_LOG_LEVEL": "WARNING"}


def seed(url: str, n: int, instance: Path) -> tuple[str, int]:
    """Migrate, create the site, notice and a sender key; bulk-load n subjects. -> key, site id"""
    os.environ.update(env_for(url, instance))
    import tomllib

    from flask_migrate import upgrade

    from service.app import create_app
    from service.domain import notices, sites
    from service.domain.marketing import crypto
    from service.domain.sites import keys
    from service.extensions import db

    app = create_app()
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        site = sites.create_site("bench", "Bench Oy", ["https://bench.example"], "bench")
        notices.publish_notice(site, tomllib.loads(
            (ROOT / "service/demo/notice.toml").read_text("utf-8")), "bench")
        _, key = keys.create_key(site, "sender", "bench")
        db.session.commit()
        site_id = site.id
        lookup_key = crypto.lookup_key(site_id)
        t0 = time.perf_counter()
        raw = db.engine.raw_connection()
        conn: psycopg.Connection = raw.driver_connection  # type: ignore[assignment]
        now = "2026-11-22T00:00:00Z"
        with conn.cursor() as cur:
            identifier_rows = []
            with cur.copy("COPY subjects (id, public_id, site_id, wrapped_key, created_at) "
                          "FROM STDIN") as cp:
                for i in range(1, n + 1):
                    pid = str(uuid.uuid4())
                    data_key, wrapped = crypto.new_wrapped_key(pid)
                    value = email(i).lower()
                    cp.write_row((i, pid, site_id, wrapped, now))
                    identifier_rows.append((
                        i, site_id, i, "email", crypto.lookup_hash(lookup_key, "email", value),
                        crypto.encrypt_identifier(data_key, "email", value), now))
            with cur.copy("COPY subject_identifiers (id, site_id, subject_id, kind, "
                          "lookup_hash, ciphertext, created_at) FROM STDIN") as cp:
                for row in identifier_rows:
                    cp.write_row(row)
            del identifier_rows
            with cur.copy("COPY marketing_permissions (site_id, subject_id, purpose, channel, "
                          "state, prohibited, source, updated_at) FROM STDIN") as cp:
                for i in range(1, n + 1):
                    if i % 10 == 0:
                        cp.write_row((site_id, i, "*", "*", "none", True, "bench", now))
                    else:
                        state = "withdrawn" if i % 10 == 5 else "granted"
                        cp.write_row((site_id, i, "newsletter", "email", state, False, "bench",
                                      now))
            cur.execute("SELECT setval(pg_get_serial_sequence('subjects', 'id'), %s)", (n,))
            cur.execute("SELECT setval(pg_get_serial_sequence('subject_identifiers', 'id'), "
                        "%s)", (n,))
            cur.execute("INSERT INTO marketing_generations (site_id, generation) VALUES (%s, 1)",
                        (site_id,))
        conn.commit()
        raw.close()
        db.session.commit()  # no transaction of ours open: VACUUM can mark every page visible
        # What autovacuum does soon after a bulk load: statistics and the visibility map.
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                             autocommit=True) as c:
            c.execute("VACUUM ANALYZE")
        print(f"  seeded {n} subjects in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return key, site_id


FLOOR = r'''
import hashlib, hmac, resource, sys, time, psycopg
url, key_hex, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
key = bytes.fromhex(key_hex)
t0 = time.perf_counter()
with psycopg.connect(url) as conn:
    rows = conn.execute(
        "SELECT i.lookup_hash FROM subject_identifiers i JOIN marketing_permissions p "
        "ON p.subject_id = i.subject_id WHERE p.prohibited OR p.state = 'withdrawn'").fetchall()
suppressed = {bytes(r[0]) for r in rows}
del rows
allowed = 0
if len(sys.argv) > 4:  # "fast": the keyed hash as the service computes it (same digests)
    pad = key.ljust(64, b"\0")
    inner0 = hashlib.sha256(bytes(b ^ 0x36 for b in pad) + b"email:")
    outer0 = hashlib.sha256(bytes(b ^ 0x5C for b in pad))
    for i in range(1, n + 1):
        value = f"User.{i}@Example.com".strip().lower()
        inner = inner0.copy()
        inner.update(value.encode())
        outer = outer0.copy()
        outer.update(inner.digest())
        if outer.digest() not in suppressed:
            allowed += 1
else:
    for i in range(1, n + 1):
        value = f"User.{i}@Example.com".strip().lower()
        if hmac.digest(key, ("email:" + value).encode(), hashlib.sha256) not in suppressed:
            allowed += 1
elapsed = time.perf_counter() - t0
print(f"{elapsed:.3f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} "
      f"{allowed}")
'''


def floor(url: str, lookup_key: bytes, n: int, fast: bool = False) -> tuple[float, float]:
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    out = subprocess.run([sys.executable, "-c", FLOOR, dsn, lookup_key.hex(), str(n)]
                         + (["fast"] if fast else []),
                         capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), float(out[1])


def start_server(url: str, instance: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**env_for(url, instance), "LUPA_WORKERS": "1", "LUPA_THREADS": "2",
           "LUPA_TIMEOUT": "600"}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c",
                             str(ROOT / "service/gunicorn_conf.py"), "--bind",
                             f"127.0.0.1:{port}", "service.wsgi:app"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(200):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("gunicorn did not start")


def worker_pid(master: int) -> int:
    kids = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return int(kids[0])


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_check(port: int, key: str, n: int, hint: bool = False) -> tuple[float, int, dict]:
    """Stream n recipients in (chunked) while reading the streamed answers; with `hint`,
    the request says how many are coming (`expected`, as `lupa check` does)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    t0 = time.perf_counter()
    conn.putrequest("POST", "/api/v1/sites/bench/checks?purpose=newsletter&channel=email"
                    + (f"&expected={n}" if hint else ""))
    conn.putheader("Authorization", f"Bearer {key}")
    conn.putheader("Content-Type", "application/x-ndjson")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()

    def send() -> None:
        buf = io.StringIO()
        for i in range(1, n + 1):
            buf.write(f'"{email(i)}"\n')
            if i % 20000 == 0 or i == n:
                data = buf.getvalue().encode()
                conn.send(b"%x\r\n%s\r\n" % (len(data), data))
                buf = io.StringIO()
        conn.send(b"0\r\n\r\n")

    sender = threading.Thread(target=send)
    sender.start()
    resp = conn.getresponse()
    lines = 0
    last = b""
    allowed_seen = 0
    rest = b""
    while True:
        chunk = resp.read(1 << 20)
        if not chunk:
            break
        data = rest + chunk
        cut = data.rfind(b"\n") + 1
        whole, rest = data[:cut], data[cut:]
        lines += whole.count(b"\n")
        allowed_seen += whole.count(b'"may_contact":true')
        last = (last + whole)[-4096:]
    sender.join()
    elapsed = time.perf_counter() - t0
    summary = json.loads(last.rstrip(b"\n").rsplit(b"\n", 1)[-1])["summary"]
    assert summary["total"] == n and lines == n + 1, (summary, lines)
    assert allowed_seen == summary["allowed"]
    return elapsed, resp.status, summary


def bench(n: int) -> dict:
    """Floor, cold check (Redis empty, no hint), floor, the same check again, floor, a
    check that says how many recipients are coming (Redis empty), floor. The floor's median
    is the baseline: the VM's speed drifts by tens of percent within minutes."""
    import statistics

    import redis

    cache = redis.Redis.from_url(REDIS)
    cache.flushdb()
    url = make_db()
    instance = Path(f"/tmp/lupa-bench-{secrets.token_hex(3)}")
    try:
        key, site_id = seed(url, n, instance)
        from flask import current_app  # noqa: F401 - seed() left the app importable

        from service.domain.marketing import crypto

        lookup_key = crypto._lookup_key_from(
            crypto._master_from(KEYS["LUPA_ENCRYPTION_KEY"]), site_id)
        floors = [floor(url, lookup_key, n)]
        fast_floor_s, _ = floor(url, lookup_key, n, fast=True)
        port = free_port()
        server = start_server(url, instance, port)
        try:
            wpid = worker_pid(server.pid)
            cold, status, summary = run_check(port, key, n)
            floors.append(floor(url, lookup_key, n))
            again, _, _ = run_check(port, key, n)
            floors.append(floor(url, lookup_key, n))
            cache.flushdb()
            hinted, _, hinted_summary = run_check(port, key, n, hint=True)
            floors.append(floor(url, lookup_key, n))
            rss = peak_rss_mb(wpid)
        finally:
            server.terminate()
            server.wait(timeout=30)
        assert hinted_summary["counts"] == summary["counts"]
        return {"n": n, "cold_s": cold, "again_s": again, "hinted_s": hinted, "rss_mb": rss,
                "floor_s": statistics.median(f for f, _ in floors),
                "floors": [f for f, _ in floors], "fast_floor_s": fast_floor_s,
                "floor_rss_mb": max(m for _, m in floors),
                "allowed": summary["allowed"], "counts": summary["counts"]}
    finally:
        drop_db(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[100_000, 1_000_000])
    args = parser.parse_args()
    print("| recipients | cold | again | with `expected` | worker peak RSS | floor (median; "
          "runs) | floor, fast HMAC | cold / floor | again / floor | `expected` / floor "
          "| answers |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for n in args.sizes:
        r = bench(n)
        counts = ", ".join(f"{k} {v}" for k, v in r["counts"].items())
        floor_s = r["floor_s"]
        runs = ", ".join(f"{f:.2f}" for f in r["floors"])
        print(f"| {n:,} | {r['cold_s']:.2f} s | {r['again_s']:.2f} s | {r['hinted_s']:.2f} s "
              f"| {r['rss_mb']:.0f} MB | {floor_s:.2f} s ({runs}) | {r['fast_floor_s']:.2f} s "
              f"| {r['cold_s'] / floor_s:.1f}x | {r['again_s'] / floor_s:.1f}x "
              f"| {r['hinted_s'] / floor_s:.1f}x | {counts} |", flush=True)


if __name__ == "__main__":
    main()
