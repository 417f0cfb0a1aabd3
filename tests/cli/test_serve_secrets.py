"""`lupa serve` refuses to start without LUPA_SECRET_KEY, LUPA_SIGNING_KEY, LUPA_ENCRYPTION_KEY
and LUPA_PUBLIC_URL, or with weak, placeholder, all-zero, reused or malformed values, naming
the variable, exiting non-zero and starting nothing (issue 13, items 3 and 4); with good values
it starts gunicorn. gunicorn's exec is replaced by a recorder in the in-process tests; the
subprocess tests stop every server they start."""

from __future__ import annotations

import base64
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import ROOT, make_app, wipe
from tests.marketing_helpers import new_subject

GOOD = {
    "LUPA_SECRET_KEY": secrets.token_urlsafe(32),
    "LUPA_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    "LUPA_ENCRYPTION_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    "LUPA_PUBLIC_URL": "https://consent.example.fi",
    "LUPA_METRICS_TOKEN": secrets.token_urlsafe(32),
}
MAIL = {"LUPA_SMTP_HOST": "smtp.example.fi"}  # `lupa serve` needs a mail server too
B64 = base64.b64encode


def _compose_values() -> dict[str, str]:
    text = (ROOT / "docker-compose.example.yml").read_text("utf-8")
    return {name: m.group(1).strip().strip("'\"") for name in GOOD
            if (m := re.search(rf"^\s+{name}:\s*(.+?)\s*(#.*)?$", text, re.M))}


@pytest.fixture()
def execs(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """What `lupa serve` would exec (gunicorn never starts inside the test process)."""
    calls: list[list[str]] = []
    monkeypatch.setattr(os, "execvp", lambda file, args: calls.append(list(args)))
    return calls


def serve(app: Flask, **env: str | None) -> Any:
    merged: dict[str, str | None] = {**GOOD, **MAIL, **env}
    return app.test_cli_runner().invoke(args=["serve", "--bind", "127.0.0.1:1"], env=merged)


BAD = [
    ("LUPA_SECRET_KEY", None, "required"),
    ("LUPA_SECRET_KEY", "a", "too weak"),
    ("LUPA_SECRET_KEY", "changeme", "placeholder"),
    ("LUPA_SECRET_KEY", "secret", "placeholder"),
    ("LUPA_SECRET_KEY", "CHANGE-ME-long-random-string", "placeholder"),
    ("LUPA_SECRET_KEY", "x" * 80, "repeats"),
    ("LUPA_SECRET_KEY", "0" * 64, "repeats"),
    ("LUPA_SECRET_KEY", "abc123" * 12, "repeats"),
    ("LUPA_SECRET_KEY", secrets.token_hex(16), "too weak"),  # 128 bits
    ("LUPA_SIGNING_KEY", None, "required"),
    ("LUPA_SIGNING_KEY", B64(bytes(32)).decode(), "all zeros"),
    ("LUPA_SIGNING_KEY", B64(b"\x07" * 32).decode(), "repeats"),
    ("LUPA_SIGNING_KEY", B64(secrets.token_bytes(16)).decode(), "32 bytes"),
    ("LUPA_SIGNING_KEY", "CHANGE-ME-base64-of-32-random-bytes", "placeholder"),
    ("LUPA_SIGNING_KEY", "not base64!", "base64"),
    ("LUPA_ENCRYPTION_KEY", None, "required"),
    ("LUPA_ENCRYPTION_KEY", B64(bytes(32)).decode(), "all zeros"),
    ("LUPA_ENCRYPTION_KEY", GOOD["LUPA_SIGNING_KEY"], "different"),
    ("LUPA_PUBLIC_URL", None, "required"),
    ("LUPA_PUBLIC_URL", "consent.example.fi", "absolute"),
    ("LUPA_PUBLIC_URL", "http://consent.example.fi", "https"),
    ("LUPA_PUBLIC_URL", "https://consent.example.fi/lupa", "no path"),
    ("LUPA_PUBLIC_URL", "https://consent.example.fi/?next=x", "no path"),
    ("LUPA_PUBLIC_URL", "https://user:pw@consent.example.fi", "user"),
    ("LUPA_PUBLIC_URL", "ftp://consent.example.fi", "absolute"),
    ("LUPA_PUBLIC_URL", "https://lupa.example.com", "placeholder"),
    # /metrics lists every site: a token unless metrics are turned off
    ("LUPA_METRICS_TOKEN", None, "LUPA_METRICS_ENABLED=0"),
    ("LUPA_METRICS_TOKEN", "CHANGE-ME-metrics-token", "placeholder"),
    ("LUPA_METRICS_TOKEN", "metrics", "too weak"),
    ("LUPA_METRICS_TOKEN", GOOD["LUPA_SECRET_KEY"], "different"),
]


@pytest.mark.parametrize(("name", "value", "why"), BAD,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(BAD)])
def test_serve_refuses_a_missing_weak_or_placeholder_value(
        app: Flask, execs: list, name: str, value: str | None, why: str) -> None:
    result = serve(app, **{name: value})
    assert result.exit_code == 2, result.output
    assert execs == []
    line = next(x for x in result.output.splitlines() if name in x)
    assert "refusing to start" in line and why in line
    if value and len(value) >= 16 and name != "LUPA_PUBLIC_URL":
        assert value not in result.output  # a secret is never echoed


def test_serve_refuses_every_value_of_the_compose_example(app: Flask, execs: list) -> None:
    compose = _compose_values()
    assert set(compose) == set(GOOD)
    result = serve(app, **compose)
    assert result.exit_code == 2 and execs == []
    for name in GOOD:
        assert any(name in line for line in result.output.splitlines()), (name, result.output)


@pytest.mark.parametrize("off", ["0", "false", "off"])
def test_serve_needs_no_metrics_token_with_metrics_turned_off(app: Flask, execs: list,
                                                              off: str) -> None:
    result = serve(app, LUPA_METRICS_TOKEN=None, LUPA_METRICS_ENABLED=off)
    assert result.exit_code == 0, result.output
    assert len(execs) == 1


@pytest.mark.parametrize("url", ["https://consent.example.fi", "https://consent.example.fi/",
                                 "http://localhost:8000", "http://127.0.0.1:8123",
                                 "https://lupa.kirkas.fi:8443"])
def test_serve_starts_gunicorn_with_good_values(app: Flask, execs: list, url: str) -> None:
    result = serve(app, LUPA_PUBLIC_URL=url)
    assert result.exit_code == 0, result.output
    assert len(execs) == 1 and "gunicorn" in execs[0] and execs[0][-1] == "service.wsgi:app"


def test_serve_needs_a_mail_server_or_the_console_chosen_outright(
        app: Flask, execs: list) -> None:
    """Without SMTP, links to people's records would land in the log: refused unless the
    console is chosen by name (a trial)."""
    result = serve(app, LUPA_SMTP_HOST=None)
    assert result.exit_code == 2 and execs == []
    line = next(x for x in result.output.splitlines() if "LUPA_SMTP_HOST" in x)
    assert "refusing to start" in line and "LUPA_MAIL_BACKEND=console" in line
    assert serve(app, LUPA_SMTP_HOST=None, LUPA_MAIL_BACKEND="smtp").exit_code == 2
    result = serve(app, LUPA_SMTP_HOST=None, LUPA_MAIL_BACKEND="console")
    assert result.exit_code == 0, result.output
    assert len(execs) == 1


def test_serve_refuses_a_key_that_does_not_open_the_stored_identifiers(
        database_url: str, tmp_path: Path, execs: list) -> None:
    from tests.conftest import demo as demo_fixture

    before = make_app(database_url, tmp_path / "a")
    wipe(before)
    demo = demo_fixture.__wrapped__(before)  # type: ignore[attr-defined]
    new_subject(before.test_client(), demo, email="vanha@example.fi")
    after = make_app(database_url, tmp_path / "b",
                     LUPA_ENCRYPTION_KEY=base64.b64encode(secrets.token_bytes(32)).decode())
    result = serve(after)
    assert result.exit_code == 2 and execs == []
    assert "LUPA_ENCRYPTION_KEY" in result.output and "lupa encryption rewrap" in result.output


# --- as operators run it: the `lupa` console script in its own process ---------------------

def _env(tmp_path: Path, **values: str) -> dict[str, str]:
    (tmp_path / "prom").mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LUPA_")}
    env.update(PYTHONPATH=str(ROOT), LUPA_INSTANCE_PATH=str(tmp_path / "instance"),
               LUPA_DATABASE_URL=f"sqlite:///{tmp_path / 'lupa.db'}",
               PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prom"), **values)
    return env


LUPA = [sys.executable, "-c", "from service.cli.entry import main; main()"]


def test_lupa_serve_with_the_compose_placeholders_refuses_to_start(tmp_path: Path) -> None:
    port = _free_port()
    done = subprocess.run([*LUPA, "serve", "--bind", f"127.0.0.1:{port}"], cwd=ROOT,
                          env=_env(tmp_path, **_compose_values()), capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "refusing to start" in done.stderr and "LUPA_SECRET_KEY" in done.stderr
    assert "Traceback" not in done.stderr
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()


def test_gunicorn_on_the_wsgi_entry_refuses_weak_secrets_too(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", "import service.wsgi"], cwd=ROOT,
                          env=_env(tmp_path, **{**GOOD, "LUPA_SECRET_KEY": "changeme"}),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "LUPA_SECRET_KEY" in done.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def started(tmp_path: Path) -> Iterator[list[subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:  # never leave a server running
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def test_lupa_serve_with_good_values_answers(tmp_path: Path, started: list) -> None:
    env = _env(tmp_path, **GOOD, **MAIL, LUPA_WORKERS="1", LUPA_THREADS="1")
    subprocess.run([*LUPA, "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=120)
    port = _free_port()
    proc = subprocess.Popen([*LUPA, "serve", "--bind", f"127.0.0.1:{port}"], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    started.append(proc)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                assert r.status == 200
            break
        except OSError:
            time.sleep(0.3)
    else:
        pytest.fail(f"lupa serve did not answer (exit {proc.poll()})")
    # /metrics, even from this machine, wants the token
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5)
    assert refused.value.code == 401
    request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", headers={
        "Authorization": f"Bearer {GOOD['LUPA_METRICS_TOKEN']}"})
    with urllib.request.urlopen(request, timeout=5) as r:
        assert r.status == 200 and b"lupa_database_up" in r.read()

