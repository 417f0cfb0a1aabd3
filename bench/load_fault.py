"""Load and fault test: two gunicorn instances on one PostgreSQL database and one Redis.

Concurrent clients run a realistic mix (widget config reads, consent writes, consent reads,
and, when the marketing API is present, pre-send checks and withdrawals) while faults are
injected: kill -9 of a worker, Redis stopped and restarted, and in the full form a PostgreSQL
restart. Afterwards it checks the invariants:

  * every acknowledged (2xx) consent write is stored; stored consent rows = their audit entries;
  * the audit chain verifies (`lupa audit verify`);
  * no "may contact" answer for a subject whose withdrawal was acknowledged before the check;
  * no 5xx outside the PostgreSQL restart window, and inside it only 503 problem+json;
  * Redis loss is visible (lupa_redis_fallbacks_total, /readyz) and Redis is used again after.

  python bench/load_fault.py --short   # CI: 16 clients, 30 s, no PostgreSQL restart (< 2 min)
  python bench/load_fault.py --full    # 64 clients, 60 s, also restarts the PostgreSQL cluster

It creates (and drops) a scratch database `lupa_load_<random>` and starts its own
redis-server on a free port; it never touches the shared Redis. Loopback only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from serve_env import production_env  # bench/, beside this script

ROOT = Path(__file__).resolve().parent.parent
SITE = "demo"
PURPOSE, CHANNEL = "newsletter", "email"
PG_VERSION = (sorted(os.listdir("/etc/postgresql")) or ["15"])[-1] \
    if os.path.isdir("/etc/postgresql") else "15"
PG_RESTART = ["runuser", "-u", "postgres", "--", "pg_ctlcluster",
              "--skip-systemctl-redirect", PG_VERSION, "main", "restart"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(port: int, path: str = "/healthz", timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"port {port} did not answer {path}")


class RedisServer:
    """A private redis-server (no persistence: a restart starts empty, like a lost cache)."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def exists(self, key: str) -> bool:
        import redis

        return bool(redis.Redis(port=self.port, socket_timeout=1).exists(key))


class Instance:
    """One app instance: a gunicorn master with its workers."""

    def __init__(self, name: str, env: dict[str, str], workers: int, threads: int,
                 workdir: Path) -> None:
        self.name = name
        self.port = free_port()
        prom = workdir / f"prom-{name}"
        prom.mkdir()
        self.env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(prom)}
        self.log = open(workdir / f"gunicorn-{name}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "service" / "gunicorn_conf.py"),
             "--workers", str(workers), "--threads", str(threads),
             "--bind", f"127.0.0.1:{self.port}", "service.wsgi:app"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)

    def worker_pids(self) -> list[int]:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(p) for p in path.read_text().split()]

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


@dataclass
class Record:
    """What the clients saw; shared by all client threads under one lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    server_errors: list[tuple[float, str, int, str, float]] = field(default_factory=list)
    connection_errors: Counter[str] = field(default_factory=Counter)
    acked_writes: Counter[str] = field(default_factory=Counter)
    wrong_visitor: int = 0  # a returning visitor's write recorded under another id
    read_missing: int = 0
    withdrawn_at: dict[str, float] = field(default_factory=dict)
    may_contact_after_optout: list[tuple[str, float, float]] = field(default_factory=list)
    checks_answered: int = 0
    latencies: list[float] = field(default_factory=list)


class Client(threading.Thread):
    """One visitor-ish client alternating between instances with keep-alive connections."""

    def __init__(self, n: int, ports: list[int], deadline: float, rec: Record,
                 keys: dict[str, str], subjects: dict[str, str], t0: float) -> None:
        super().__init__(daemon=True)
        self.rng = random.Random(n)
        self.ports = ports
        self.deadline = deadline
        self.rec = rec
        self.keys = keys
        self.subjects = subjects
        self.t0 = t0
        self.conns: dict[int, http.client.HTTPConnection] = {}
        self.visitors: list[str] = []
        self.cookies: dict[str, str] = {}  # visitor id -> its `lupa_vid=...` cookie
        self.set_cookie = ""

    def request(self, op: str, method: str, path: str, body: Any = None,
                key: str | None = None, cookie: str | None = None,
                ) -> tuple[int, Any, float] | None:
        port = self.rng.choice(self.ports)
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        if cookie:
            headers["Cookie"] = cookie
        sent = time.monotonic()
        try:
            conn = self.conns.get(port) or http.client.HTTPConnection("127.0.0.1", port,
                                                                      timeout=15)
            self.conns[port] = conn
            conn.request(method, path, body=json.dumps(body) if body is not None else None,
                         headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            self.conns.pop(port, None)
            with self.rec.lock:
                self.rec.connection_errors[f"{op}:{type(exc).__name__}"] += 1
            return None
        done = time.monotonic()
        with self.rec.lock:
            self.rec.statuses[(op, resp.status)] += 1
            self.rec.latencies.append(done - sent)
            if resp.status >= 500:
                self.rec.server_errors.append((sent - self.t0, op, resp.status,
                                               resp.getheader("Content-Type") or "",
                                               done - self.t0))
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = None
        self.set_cookie = (resp.getheader("Set-Cookie") or "").split(";")[0]
        return resp.status, parsed, sent

    def run(self) -> None:
        ops = ["config"] * 35 + ["write"] * 30 + ["read"] * 20
        if self.subjects:
            ops += ["check"] * 10 + ["withdraw"] * 5
        while time.monotonic() < self.deadline:
            getattr(self, "op_" + self.rng.choice(ops))()

    def op_config(self) -> None:
        self.request("config", "GET", f"/api/v1/sites/{SITE}/config")

    def op_write(self) -> None:
        """A returning visitor (its signed `lupa_vid` cookie) or a first visit (the service
        gives the id, and the cookie that names it from then on)."""
        visitor: str | None = None
        if self.visitors and self.rng.random() < 0.5:
            visitor = self.rng.choice(self.visitors)
        method = self.rng.choice(["accept_all", "reject_all"])
        choices = ({"preferences": True, "analytics": True, "marketing": True}
                   if method == "accept_all" else {})
        out = self.request("write", "POST", f"/api/v1/sites/{SITE}/consents",
                           {"notice_version": 1, "choices": choices, "method": method},
                           cookie=self.cookies.get(visitor or ""))
        if out and 200 <= out[0] < 300:
            stored = str(out[1]["visitor_id"])
            with self.rec.lock:
                self.rec.acked_writes[stored] += 1
                if visitor is not None and stored != visitor:
                    self.rec.wrong_visitor += 1  # a returning visitor recorded as another
            if visitor is None:
                self.cookies[stored] = self.set_cookie
                self.visitors.append(stored)

    def op_read(self) -> None:
        if not self.visitors:
            return self.op_write()
        visitor = self.rng.choice(self.visitors)
        out = self.request("read", "GET", f"/api/v1/sites/{SITE}/consents/{visitor}")
        if out and out[0] == 404:
            with self.rec.lock:
                self.rec.read_missing += 1  # acknowledged before, so this must never happen

    def op_check(self) -> None:
        emails = self.rng.sample(sorted(self.subjects), min(20, len(self.subjects)))
        out = self.request("check", "POST", f"/api/v1/sites/{SITE}/checks",
                           {"purpose": PURPOSE, "channel": CHANNEL, "recipients": emails},
                           key=self.keys["sender"])
        if not out or out[0] != 200 or not isinstance(out[1], dict):
            return
        _, body, sent = out
        with self.rec.lock:
            self.rec.checks_answered += 1
            for result in body.get("results", []):
                acked = self.rec.withdrawn_at.get(result["recipient"])
                if result.get("may_contact") and acked is not None and acked < sent:
                    self.rec.may_contact_after_optout.append(
                        (result["recipient"], acked - self.t0, sent - self.t0))

    def op_withdraw(self) -> None:
        email = self.rng.choice(sorted(self.subjects))
        state = self.rng.choice(["withdrawn", "prohibited"])
        channel = CHANNEL if state == "withdrawn" else "*"
        purpose = PURPOSE if state == "withdrawn" else "*"
        out = self.request(
            "withdraw", "PUT",
            f"/api/v1/sites/{SITE}/subjects/{self.subjects[email]}/permissions/{purpose}/{channel}",
            {"state": state, "evidence": {"source": "load-test"}}, key=self.keys["admin"])
        if out and 200 <= out[0] < 300:
            acked = time.monotonic()
            with self.rec.lock:
                self.rec.withdrawn_at.setdefault(email, acked)


def seed(env: dict[str, str]) -> dict[str, str]:
    code = ("import json; from flask_migrate import upgrade; from service.app import create_app;"
            "from service.cli.demo import ensure_demo_site; app = create_app()\n"
            "with app.app_context():\n"
            "    upgrade(directory=app.extensions['migrate'].directory)\n"
            "    print(json.dumps(ensure_demo_site()))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True)
    keys: dict[str, str] = json.loads(out.stdout.strip().splitlines()[-1])
    return keys


def api(port: int, method: str, path: str, body: Any = None, key: str | None = None) -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    conn.request(method, path, body=json.dumps(body) if body is not None else None,
                 headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    return resp.status, (json.loads(data) if data and resp.getheader("Content-Type", "")
                         .endswith("json") else data)


def setup_subjects(port: int, keys: dict[str, str], n: int) -> dict[str, str]:
    """Subjects with a granted newsletter-by-email permission, if the marketing API exists."""
    status, spec = api(port, "GET", "/api/v1/openapi.json")
    if "/api/v1/sites/{site}/checks" not in spec.get("paths", {}):
        return {}
    subjects: dict[str, str] = {}
    for i in range(n):
        email = f"load{i}@example.test"
        status, body = api(port, "POST", f"/api/v1/sites/{SITE}/subjects", {"email": email},
                           keys["admin"])
        assert status in (200, 201), (status, body)
        subjects[email] = body["id"]
        status, body = api(port, "PUT", f"/api/v1/sites/{SITE}/subjects/{body['id']}"
                           f"/permissions/{PURPOSE}/{CHANNEL}",
                           {"state": "granted", "evidence": {"source": "load-test"}},
                           keys["admin"])
        assert status in (200, 201), (status, body)
    return subjects


def metric_sum(port: int, name: str, token: str) -> float:
    status, text = api(port, "GET", "/metrics", key=token)
    total = 0.0
    for line in (text.decode() if isinstance(text, bytes) else str(text)).splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            total += float(line.rsplit(" ", 1)[1])
    return total


def main() -> int:  # noqa: C901 - one linear scenario reads best top to bottom
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    form = parser.add_mutually_exclusive_group()
    form.add_argument("--short", action="store_true", help="CI form (default)")
    form.add_argument("--full", action="store_true", help="64 clients, 60 s, PostgreSQL restart")
    parser.add_argument("--clients", type=int)
    parser.add_argument("--duration", type=float)
    parser.add_argument("--workers", type=int, default=2, help="per instance")
    parser.add_argument("--threads", type=int, default=4, help="per worker")
    parser.add_argument("--subjects", type=int, default=40)
    parser.add_argument("--pg", default=os.environ.get(
        "LUPA_LOAD_PG", "postgresql://postgres@127.0.0.1/postgres"),
        help="a database on the cluster to create the scratch database from")
    parser.add_argument("--json", help="write the summary here too")
    args = parser.parse_args()
    clients = args.clients or (64 if args.full else 16)
    duration = args.duration or (60.0 if args.full else 30.0)
    # Fault times as fractions of the run.
    kill_at, redis_stop_at, redis_start_at, pg_at = (0.2 * duration, 0.35 * duration,
                                                     0.55 * duration, 0.7 * duration)

    def watchdog(_signum: int, _frame: Any) -> None:
        raise TimeoutError("load_fault: overall time limit reached")

    signal.signal(signal.SIGALRM, watchdog)  # never leave servers or the scratch db behind
    signal.alarm(int(duration) + 240)
    workdir = Path(tempfile.mkdtemp(prefix="lupa-load-"))
    dbname = f"lupa_load_{uuid.uuid4().hex[:8]}"
    base = args.pg
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    db_url = base.rsplit("/", 1)[0] + "/" + dbname
    redis = RedisServer(workdir)
    redis.start()
    env = {**os.environ, "LUPA_DATABASE_URL": db_url,
           "LUPA_REDIS_URL": f"redis://127.0.0.1:{redis.port}/0",
           "LUPA_INSTANCE_PATH": str(workdir / "instance"), "LUPA_LOG_LEVEL": "WARNING",
           **production_env(),  # fresh keys: service.wsgi refuses weak ones
           # One client address for everyone: limits stay on (Redis-backed) but high.
           "LUPA_RATELIMIT_PUBLIC_READ": "1000000/minute",
           "LUPA_RATELIMIT_PUBLIC_WRITE": "1000000/minute"}
    instances: list[Instance] = []
    rec = Record()
    summary: dict[str, Any] = {"form": "full" if args.full else "short", "clients": clients,
                               "duration_s": duration}
    pg_window: tuple[float, float] | None = None
    ok = False
    try:
        keys = seed(env)
        instances = [Instance(n, env, args.workers, args.threads, workdir) for n in ("a", "b")]
        for inst in instances:
            wait_http(inst.port)
        subjects = setup_subjects(instances[0].port, keys, args.subjects)
        summary["marketing"] = bool(subjects)

        t0 = time.monotonic()
        deadline = t0 + duration
        threads = [Client(i, [x.port for x in instances], deadline, rec, keys, subjects, t0)
                   for i in range(clients)]
        for t in threads:
            t.start()
        events: list[str] = []

        def at(offset: float) -> None:
            time.sleep(max(0.0, t0 + offset - time.monotonic()))

        at(kill_at)
        victim = instances[0].worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        events.append(f"{kill_at:.1f}s kill -9 worker {victim} of instance a")
        at(redis_stop_at)
        redis.stop()
        events.append(f"{redis_stop_at:.1f}s redis stopped")
        time.sleep(min(2.0, (redis_start_at - redis_stop_at) / 2))
        status, ready = api(instances[1].port, "GET", "/readyz")
        summary["readyz_during_redis_loss"] = ready
        at(redis_start_at)
        redis.start()
        events.append(f"{redis_start_at:.1f}s redis started")
        if args.full:
            at(pg_at)
            start = time.monotonic() - t0
            subprocess.run(PG_RESTART, check=True)
            end = time.monotonic() - t0
            pg_window = (start, end + 5.0)  # pools reconnect on the next checkout
            events.append(f"{start:.1f}s..{end:.1f}s PostgreSQL restarted")
        for t in threads:
            t.join(timeout=duration + 60)
        summary["events"] = events

        # --- verify ------------------------------------------------------------------------
        token = env["LUPA_METRICS_TOKEN"]
        fallbacks = sum(metric_sum(x.port, "lupa_redis_fallbacks_total", token)
                        for x in instances)
        redis_up = [metric_sum(x.port, "lupa_redis_up", token) for x in instances]
        for x in instances:
            api(x.port, "GET", f"/api/v1/sites/{SITE}/config")
        time.sleep(2.5)  # past the per-worker cache TTL, so a miss goes to Redis again
        for _ in range(8):
            for x in instances:
                api(x.port, "GET", f"/api/v1/sites/{SITE}/config")
        redis_used_again = redis.exists(f"lupa:config:{SITE}")
        with psycopg.connect(db_url) as conn:
            stored = dict(conn.execute(
                "SELECT e.visitor_id::text, count(*) FROM consent_events e "
                "JOIN sites s ON s.id = e.site_id WHERE s.slug = %s GROUP BY 1",
                (SITE,)).fetchall())
            rows = sum(stored.values())
            audited = conn.execute(
                "SELECT count(*) FROM audit_entries a JOIN sites s ON s.id = a.site_id "
                "WHERE s.slug = %s AND a.action = 'consent.recorded'", (SITE,)).fetchone()
        lost = {v: n for v, n in rec.acked_writes.items() if stored.get(v, 0) < n}
        verify = subprocess.run(
            [sys.executable, "-c", "from service.cli.entry import main; main()", "audit", "verify",
             "--site", SITE], cwd=ROOT, env=env, capture_output=True, text=True)
        # A request counts as inside the window if it was in flight during it (sent before
        # the restart began and answered after: it was waiting, e.g. for the chain head lock).
        outside = [e for e in rec.server_errors
                   if pg_window is None or e[4] < pg_window[0] or e[0] > pg_window[1]]
        inside_bad = [e for e in rec.server_errors if e not in outside
                      and (e[2] != 503 or "problem+json" not in e[3])]
        lat = sorted(rec.latencies)
        summary.update({
            "requests": sum(rec.statuses.values()),
            "requests_per_s": round(sum(rec.statuses.values()) / duration, 1),
            "p50_ms": round(lat[len(lat) // 2] * 1000, 1) if lat else None,
            "p99_ms": round(lat[int(len(lat) * 0.99)] * 1000, 1) if lat else None,
            "statuses": {f"{op} {st}": n for (op, st), n in sorted(rec.statuses.items())},
            "connection_errors": dict(rec.connection_errors),
            "acknowledged_writes": sum(rec.acked_writes.values()),
            "stored_consent_rows": rows,
            "audit_entries_for_them": audited[0] if audited else None,
            "acknowledged_but_missing": len(lost),
            "reads_missing_an_acknowledged_write": rec.read_missing,
            "writes_recorded_under_another_visitor": rec.wrong_visitor,
            "chain_verifies": verify.returncode == 0,
            "server_errors_outside_pg_window": len(outside),
            "server_errors_in_pg_window_not_503_problem": len(inside_bad),
            "pg_window_s": pg_window,
            "checks_answered": rec.checks_answered,
            "withdrawals_acknowledged": len(rec.withdrawn_at),
            "may_contact_after_acknowledged_optout": len(rec.may_contact_after_optout),
            "redis_fallbacks_counted": fallbacks,
            "redis_up_at_end": redis_up,
            "redis_used_again": redis_used_again,
        })
        failures = []
        if lost:
            failures.append("acknowledged writes missing")
        if rows != summary["audit_entries_for_them"]:
            failures.append("consent rows != audit entries")
        if rec.read_missing:
            failures.append("read missed an acknowledged write")
        if rec.wrong_visitor:
            failures.append("a returning visitor's write was recorded under another id")
        if verify.returncode != 0:
            failures.append("chain does not verify: " + verify.stdout[-500:] + verify.stderr[-500:])
        if outside:
            failures.append(f"5xx outside the PostgreSQL window: {outside[:5]}")
        if inside_bad:
            failures.append(f"non-503 errors in the PostgreSQL window: {inside_bad[:5]}")
        if rec.may_contact_after_optout:
            failures.append(f"may contact after opt-out: {rec.may_contact_after_optout[:5]}")
        if fallbacks <= 0:
            failures.append("Redis loss not visible in metrics")
        if "unavailable" not in json.dumps(summary.get("readyz_during_redis_loss")):
            failures.append("/readyz did not report Redis loss")
        if redis_up != [1.0, 1.0] or not redis_used_again:
            failures.append("Redis not used again after it returned")
        if not rec.acked_writes or not any(op == "read" and st == 200
                                           for op, st in rec.statuses):
            failures.append("no acknowledged writes or successful reads: the mix did not run")
        if summary["requests"] < clients * 10:
            failures.append("too few requests: the run did not really load the service")
        summary["failures"] = failures
        ok = not failures
    finally:
        for inst in instances:
            inst.stop()
        redis.stop()
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        if ok:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)
        else:
            summary["logs"] = str(workdir)
    text = json.dumps(summary, indent=2, default=str)
    print(text)
    if args.json:
        Path(args.json).write_text(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
