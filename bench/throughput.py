"""Throughput benchmark: Lupa's hot endpoints against floors measured in the same run.

Floors (a bare Flask app under the same gunicorn settings, on the same PostgreSQL database):
  hello   GET  -> a constant JSON body
  insert  POST -> one INSERT through flask-sqlalchemy, commit
  select  GET  -> one SELECT by primary key through flask-sqlalchemy
Lupa:
  write   POST /api/v1/sites/demo/consents          target >= 0.6 x insert
  read    GET  /api/v1/sites/demo/consents/<id>     target >= 0.9 x select
  config  GET  /api/v1/sites/demo/config            target >= 0.9 x hello
  config304 the same with If-None-Match (what a returning widget sends)

  python bench/throughput.py                 # 8 s per measurement, wrk -t1 -c16
  python bench/throughput.py --seconds 20 --connections 32 --json out.json
  python bench/throughput.py --rounds 5 --seconds 5   # alternate floors and Lupa, medians
  python bench/throughput.py --only insert,write --rounds 5

Needs wrk (Debian package `wrk`) and PostgreSQL; creates and drops a scratch database.
Lupa runs as in production (JSON access log, rate limits on, in memory since no Redis is
given; pass --redis to use a private redis-server for limits and the config cache).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from serve_env import production_env  # bench/, beside this script

ROOT = Path(__file__).resolve().parent.parent
FLOOR_VISITOR = "4f0f4c86-6d47-4a5e-9d5b-7d0c1f1b2a3c"

WRITE_LUA = r"""
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
local hex = "0123456789abcdef"
local function uuid4()
  local t = {}
  for i = 1, 32 do local r = math.random(1, 16); t[i] = hex:sub(r, r) end
  local s = table.concat(t)
  return s:sub(1, 8) .. "-" .. s:sub(9, 12) .. "-4" .. s:sub(14, 16) .. "-a" ..
         s:sub(18, 20) .. "-" .. s:sub(21, 32)
end
request = function()
  local body = '{"visitor_id":"' .. uuid4() ..
    '","notice_version":1,"choices":{},"method":"reject_all"}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
"""


FLOOR_TABLE = ("CREATE TABLE IF NOT EXISTS bench_floor (id bigserial PRIMARY KEY, "
               "visitor_id varchar(36) NOT NULL, data varchar(200) NOT NULL)")


def make_floor() -> Any:
    """The floor app: the least a Flask + flask-sqlalchemy service can do per request."""
    import sqlalchemy as sa
    from flask import Flask, jsonify
    from flask_sqlalchemy import SQLAlchemy

    db = SQLAlchemy()
    rows = sa.Table("bench_floor", db.metadata,
                    sa.Column("id", sa.BigInteger, primary_key=True),
                    sa.Column("visitor_id", sa.String(36), index=True),
                    sa.Column("data", sa.String(200)))
    app = Flask("floor")
    url = os.environ["LUPA_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": 10, "max_overflow": 10,
                                               "pool_pre_ping": True}
    db.init_app(app)

    @app.get("/hello")
    def hello() -> Any:
        return jsonify(ok=True)

    @app.post("/insert")
    def insert() -> Any:
        db.session.execute(rows.insert().values(visitor_id=str(uuid.uuid4()),
                                                data='{"method":"reject_all"}'))
        db.session.commit()
        return jsonify(ok=True), 201

    @app.get("/select/<visitor_id>")
    def select_one(visitor_id: str) -> Any:
        row = db.session.execute(
            sa.select(rows.c.visitor_id, rows.c.data).where(rows.c.visitor_id == visitor_id)
            .limit(1)).one()
        return jsonify(visitor_id=row.visitor_id, data=row.data)

    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_gunicorn(target: str, env: dict[str, str], workers: int, threads: int,
                   log: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "service" / "gunicorn_conf.py"),
         "--workers", str(workers), "--threads", str(threads),
         "--bind", f"127.0.0.1:{port}", target],
        cwd=ROOT, env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT)  # noqa: SIM115
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz" if "wsgi" in target else "/hello")
            if conn.getresponse().status == 200:
                return proc, port
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{target} did not start; see {log}")


def wrk(url: str, seconds: int, connections: int, script: Path | None = None,
        headers: dict[str, str] | None = None) -> dict[str, float]:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for key, value in (headers or {}).items():
        cmd += ["-H", f"{key}: {value}"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return {"rps": rps, "non_2xx_3xx": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(1) if errors else "",  # type: ignore[dict-item]
            "p99_ms": round(float(p99.group(1)) * scale[p99.group(2)], 2) if p99 else -1}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--redis", action="store_true", help="start a private redis-server")
    parser.add_argument("--pg", default=os.environ.get(
        "LUPA_LOAD_PG", "postgresql://postgres@127.0.0.1/postgres"))
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat the whole plan, interleaved; medians are reported")
    parser.add_argument("--only", help="comma-separated measurements, e.g. insert,write")
    parser.add_argument("--json")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install -y wrk)")

    workdir = Path(tempfile.mkdtemp(prefix="lupa-bench-"))
    dbname = f"lupa_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.pg, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    db_url = args.pg.rsplit("/", 1)[0] + "/" + dbname
    env = {**os.environ, "LUPA_DATABASE_URL": db_url, "LUPA_INSTANCE_PATH": str(workdir / "i"),
           **production_env(),  # fresh keys: service.wsgi refuses weak ones
           "LUPA_WORKERS": str(args.workers),
           "LUPA_RATELIMIT_PUBLIC_READ": "100000000/minute",
           "LUPA_RATELIMIT_PUBLIC_WRITE": "100000000/minute",
           "PYTHONPATH": f"{ROOT / 'bench'}:{ROOT}"}
    env.pop("LUPA_REDIS_URL", None)
    redis_proc = None
    if args.redis:
        port = free_port()
        redis_proc = subprocess.Popen(["redis-server", "--port", str(port), "--save", "",
                                       "--appendonly", "no", "--dir", str(workdir)],
                                      stdout=subprocess.DEVNULL)
        env["LUPA_REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        time.sleep(0.5)
    procs: list[subprocess.Popen[bytes]] = []
    results: dict[str, Any] = {"settings": {k: getattr(args, k) for k in
                                            ("seconds", "connections", "workers", "threads",
                                             "redis")}}
    try:
        seed = ("from flask_migrate import upgrade; from service.app import create_app;"
                "from service.cli.demo import ensure_demo_site; app = create_app()\n"
                "with app.app_context():\n"
                "    upgrade(directory=app.extensions['migrate'].directory)\n"
                "    ensure_demo_site()")
        subprocess.run([sys.executable, "-c", seed], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute(FLOOR_TABLE)
            conn.execute("CREATE INDEX IF NOT EXISTS ix_bench_floor_visitor "
                         "ON bench_floor (visitor_id)")
            conn.execute("INSERT INTO bench_floor (visitor_id, data) VALUES (%s, %s)",
                         (FLOOR_VISITOR, '{"method":"reject_all"}'))
        floor, floor_port = start_gunicorn("throughput:make_floor()", env, args.workers,
                                           args.threads, workdir / "floor.log")
        procs.append(floor)
        lupa, lupa_port = start_gunicorn("service.wsgi:app", env, args.workers, args.threads,
                                         workdir / "lupa.log")
        procs.append(lupa)
        # One recorded visitor to read back, and the config's ETag for conditional requests.
        conn = http.client.HTTPConnection("127.0.0.1", lupa_port, timeout=10)
        conn.request("POST", "/api/v1/sites/demo/consents", body=json.dumps(
            {"notice_version": 1, "choices": {}, "method": "reject_all"}),
            headers={"Content-Type": "application/json"})
        visitor = json.loads(conn.getresponse().read())["visitor_id"]
        conn.request("GET", "/api/v1/sites/demo/config")
        resp = conn.getresponse()
        resp.read()
        etag = resp.getheader("ETag") or ""
        write_lua = workdir / "write.lua"
        write_lua.write_text(WRITE_LUA)
        insert_lua = workdir / "insert.lua"
        insert_lua.write_text('wrk.method = "POST"\nwrk.body = "{}"\n'
                              'wrk.headers["Content-Type"] = "application/json"\n')
        floor_url = f"http://127.0.0.1:{floor_port}"
        lupa_url = f"http://127.0.0.1:{lupa_port}"
        plan: list[tuple[str, str, Path | None, dict[str, str] | None]] = [
            ("hello", f"{floor_url}/hello", None, None),
            ("config", f"{lupa_url}/api/v1/sites/demo/config", None, None),
            ("config304", f"{lupa_url}/api/v1/sites/demo/config", None,
             {"If-None-Match": etag}),
            ("select", f"{floor_url}/select/{FLOOR_VISITOR}", None, None),
            ("read", f"{lupa_url}/api/v1/sites/demo/consents/{visitor}", None, None),
            ("insert", f"{floor_url}/insert", insert_lua, None),
            ("write", f"{lupa_url}/api/v1/sites/demo/consents", write_lua, None),
        ]
        if args.only:
            plan = [step for step in plan if step[0] in args.only.split(",")]
        # On a shared machine the speed drifts by tens of percent within a minute, so floors
        # and Lupa are measured alternately, several rounds, and medians compared.
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name, *_ in plan}
        for round_no in range(args.rounds):
            for name, url, script, headers in plan:
                wrk(url, 2, args.connections, script, headers)  # warm up pools and caches
                run = wrk(url, args.seconds, args.connections, script, headers)
                runs[name].append(run)
                print(f"{round_no + 1}/{args.rounds} {name:10} {run['rps']:9.1f} req/s  p99 "
                      f"{run['p99_ms']} ms  non-2xx/3xx {run['non_2xx_3xx']}", file=sys.stderr)
        by_round = {name: list(measured) for name, measured in runs.items()}
        for name, measured in runs.items():
            measured.sort(key=lambda run: float(run["rps"]))
            results[name] = {**measured[len(measured) // 2],
                             "rps_all": [run["rps"] for run in measured]}
        targets = [("write/insert", "write", "insert", 0.6),
                   ("read/select", "read", "select", 0.9),
                   ("config/hello", "config", "hello", 0.9),
                   ("config304/hello", "config304", "hello", 0.9)]
        # Each round's Lupa figure against the floor measured just before it, then the median
        # of those paired ratios (steadier than a ratio of medians when the machine drifts).
        ratios = {}
        for key, a, b, target in targets:
            if a in runs and b in runs:
                paired = sorted(float(x["rps"]) / float(y["rps"])
                                for x, y in zip(by_round[a], by_round[b], strict=True))
                ratios[key] = (paired[len(paired) // 2], target)
        results["ratios"] = {k: {"ratio": round(r, 2), "target": t, "meets": r >= t}
                             for k, (r, t) in ratios.items()}
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        if redis_proc is not None:
            redis_proc.terminate()
            redis_proc.wait(timeout=10)
        with psycopg.connect(args.pg, autocommit=True) as conn2:
            conn2.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        if "ratios" in results:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"logs kept in {workdir}", file=sys.stderr)
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
