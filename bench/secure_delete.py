"""What SQLite's `secure_delete=ON` (set on every connection, service/database.py) costs on
Lupa's write paths, against the same runs with it OFF, alternating, on one scratch file.

  consents     POST /api/v1/sites/demo/consents, a new visitor each (inserts only)
  permissions  PUT  …/subjects/{id}/permissions/newsletter/email, granted <-> withdrawn on 200
               subjects (every write rewrites a row: the old cell is freed, and zeroed when ON)
  erasures     POST …/subjects/{id}/requests kind=erasure (deletes, then the WAL checkpoint)

  python bench/secure_delete.py     # 2,000 consents, 1,000 permission writes, 50 erasures, 5x
  python bench/secure_delete.py --writes 500 --permission-writes 200 --rounds 3

Runs through the Flask test client (no HTTP server), rate limits off, no Redis; each round
measures OFF then ON (or ON then OFF, alternating) on the same database file.
"""

from __future__ import annotations

import argparse
import base64
import secrets
import statistics
import sys
import tempfile
import time
import tomllib
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_app(url: str, instance: Path) -> Any:
    import os

    from service.app import create_app

    os.environ["LUPA_INSTANCE_PATH"] = str(instance)
    return create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(32),
        "LUPA_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "LUPA_ENCRYPTION_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "LUPA_PUBLIC_URL": "http://localhost", "LUPA_RATELIMIT_ENABLED": False,
        "LUPA_LOG_LEVEL": "WARNING",  # no access log line per request
    })


def setup(app: Any) -> str:
    """Migrate, create the demo site with its notice, return an admin key."""
    from flask_migrate import upgrade

    from service.domain import notices, sites
    from service.domain.sites import keys
    from service.extensions import db

    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        site = sites.create_site("demo", "Demo Oy", ["https://shop.example"], "bench")
        notice = tomllib.loads((ROOT / "service/demo/notice.toml").read_text("utf-8"))
        notices.publish_notice(site, notice, "bench")
        key = keys.create_key(site, "admin", "bench")[1]
        db.session.commit()
    return key


def set_secure_delete(app: Any, on: bool) -> None:
    """New connections get `on`; pooled ones are closed so that every write sees it."""
    from sqlalchemy import event

    from service.extensions import db

    with app.app_context():
        engine = db.engine
        engine.dispose()
        if not getattr(app, "_bench_hooked", False):
            @event.listens_for(engine, "connect")
            def _after(dbapi_conn: Any, _record: Any) -> None:  # runs after Lupa's own hook
                dbapi_conn.execute(f"PRAGMA secure_delete={'ON' if app._bench_on else 'OFF'}")
            app._bench_hooked = True
        app._bench_on = on
        with engine.connect() as conn:
            got = conn.exec_driver_sql("PRAGMA secure_delete").scalar()
        assert got == int(on), (got, on)


def consents(client: Any, headers: dict[str, str], n: int) -> None:
    for _ in range(n):
        resp = client.post("/api/v1/sites/demo/consents", json={
            "visitor_id": str(uuid.uuid4()), "notice_version": 1,
            "choices": {"analytics": True}, "method": "custom"})
        assert resp.status_code == 201, resp.get_json()


def make_subjects(client: Any, headers: dict[str, str], n: int) -> list[str]:
    out = []
    for _ in range(n):
        resp = client.post("/api/v1/sites/demo/subjects", headers=headers,
                           json={"email": f"b-{uuid.uuid4().hex[:12]}@example.fi"})
        assert resp.status_code == 201, resp.get_json()
        out.append(str(resp.get_json()["id"]))
    return out


def permissions(client: Any, headers: dict[str, str], n: int, ids: list[str]) -> None:
    for i in range(n):
        state = "granted" if (i // len(ids)) % 2 == 0 else "withdrawn"
        resp = client.put(
            f"/api/v1/sites/demo/subjects/{ids[i % len(ids)]}/permissions/newsletter/email",
            headers=headers, json={"state": state, "evidence": {
                "source": "web_form", "notice_version": 1,
                "confirmed_at": "2026-01-01T00:00:00Z"}})
        assert resp.status_code == 200, resp.get_json()


def erasures(client: Any, headers: dict[str, str], ids: list[str]) -> None:
    for sid in ids:
        resp = client.post(f"/api/v1/sites/demo/subjects/{sid}/requests", headers=headers,
                           json={"kind": "erasure"})
        assert resp.status_code == 201, resp.get_json()


def written() -> int:
    """Bytes this process has passed to write() so far (Linux: /proc/self/io `wchar`)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    return 0


def timed(fn: Any, *args: Any) -> tuple[float, float, int]:
    """Wall time, CPU time of this process, and bytes written: on a loaded machine the wall
    time wanders, the CPU time less, and the bytes written not at all."""
    wall, cpu, out = time.perf_counter(), time.process_time(), written()
    fn(*args)
    return time.perf_counter() - wall, time.process_time() - cpu, written() - out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument("--permission-writes", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--erasures", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(f"sqlite:///{tmp}/bench.db", Path(tmp) / "instance")
        headers = {"Authorization": f"Bearer {setup(app)}"}
        client = app.test_client()
        ids = make_subjects(client, headers, 200)
        times: dict[tuple[str, bool], list[tuple[float, float, int]]] = {}
        for rnd in range(args.rounds):
            for on in ((False, True) if rnd % 2 == 0 else (True, False)):
                set_secure_delete(app, on)
                times.setdefault(("consents", on), []).append(
                    timed(consents, client, headers, args.writes))
                times.setdefault(("permissions", on), []).append(
                    timed(permissions, client, headers, args.permission_writes, ids))
                doomed = make_subjects(client, headers, args.erasures)
                times.setdefault(("erasures", on), []).append(
                    timed(erasures, client, headers, doomed))
        print(f"{'path':<12} {'n':>5} | {'wall OFF':>8} {'wall ON':>8} {'ON/OFF':>6} | "
              f"{'cpu OFF':>8} {'cpu ON':>8} {'ON/OFF':>6} | {'MB OFF':>7} {'MB ON':>7} "
              f"{'ON/OFF':>6}   (medians of {args.rounds} rounds)")
        for path, n in (("consents", args.writes), ("permissions", args.permission_writes),
                        ("erasures", args.erasures)):
            cols = []
            for i, scale in ((0, 1.0), (1, 1.0), (2, 1e-6)):
                off = statistics.median(t[i] for t in times[(path, False)]) * scale
                on_ = statistics.median(t[i] for t in times[(path, True)]) * scale
                cols.append(f"{off:>8.2f} {on_:>8.2f} {on_ / off:>6.3f}")
            print(f"{path:<12} {n:>5} | " + " | ".join(cols))
        print("wall seconds per round, OFF | ON:")
        for path in ("consents", "permissions", "erasures"):
            print(f"  {path:<12} " + " ".join(f"{t[0]:.2f}" for t in times[(path, False)])
                  + " | " + " ".join(f"{t[0]:.2f}" for t in times[(path, True)]))

if __name__ == "__main__":
    main()
