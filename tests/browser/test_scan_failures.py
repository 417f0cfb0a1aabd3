"""A scan that cannot observe the site says so: unreachable pages, TLS errors, pages that do not
load in time or never settle, a missing banner and a scan out of time are each recorded as a
failed scan (exit 3, status failed in the database and in its audit entry), never as clean."""

from __future__ import annotations

import datetime
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.wrappers import Request, Response

from tests.browser.scan_site import page, serve

pytestmark = pytest.mark.browser


def scan(runner: Any, *args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(args=["scan", "--site", "demo", "--json", *args])
    return result.exit_code, json.loads(result.stdout)


def stored(app: Any, scan_id: int) -> tuple[Any, dict[str, Any]]:
    """The scan's row and the payload of its audit entry."""
    from sqlalchemy import select

    from service.extensions import db
    from service.models import AuditEntry, SiteScan

    with app.app_context():
        row = db.session.get(SiteScan, scan_id)
        entry = db.session.execute(select(AuditEntry).where(
            AuditEntry.seq == row.audit_seq, AuditEntry.action == "scan.recorded")).scalar_one()
        return row, json.loads(entry.payload)


def assert_failed(app: Any, code: int, out: dict[str, Any], kind: str) -> dict[str, Any]:
    assert (code, out["status"], out["error"]["kind"]) == (3, "failed", kind), out
    row, payload = stored(app, out["scan"])
    assert (row.status, payload["status"], payload["error"]) == ("failed", "failed", kind)
    assert payload["record_sha256"] == row.record_sha256
    return dict(out["error"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_page_fails_the_scan(app, runner, demo):
    code, out = scan(runner, f"http://127.0.0.1:{free_port()}/", "--scenario", "none")
    error = assert_failed(app, code, out, "unreachable")
    assert "ERR_CONNECTION_REFUSED" in error["detail"]


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[str]:
    """An HTTPS server whose certificate no browser trusts (self-signed)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    (tmp_path / "c.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "k.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))

    class Hello(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"<p>hello</p>")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "c.pem", tmp_path / "k.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://localhost:{server.server_port}/"
    server.shutdown()


def test_a_tls_error_fails_the_scan(app, runner, demo, tls_server):
    code, out = scan(runner, tls_server, "--scenario", "none")
    error = assert_failed(app, code, out, "tls")
    assert "ERR_CERT_" in error["detail"]


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/"
    sock.close()


def test_a_page_that_does_not_load_in_time_fails_the_scan(app, runner, demo, silent_server):
    code, out = scan(runner, silent_server, "--scenario", "none", "--page-timeout", "2")
    assert_failed(app, code, out, "timeout")


def hang(request: Request) -> Response:
    time.sleep(20)
    return Response("late")


def test_a_page_that_never_settles_fails_the_scan(app, runner, demo):
    pages = {"/busy": page("<script>addEventListener('load', () => fetch('/hang'));</script>")}
    with serve(app, pages, {"/hang": hang}) as base:
        code, out = scan(runner, f"{base}/busy", "--scenario", "none", "--page-timeout", "4")
    error = assert_failed(app, code, out, "never_settled")
    assert error["page"] == f"{base}/busy"


def test_a_page_without_the_banner_fails_a_scenario_that_must_click(app, runner, demo):
    pages = {"/no-widget": "<!doctype html><title>x</title><p>No banner here.</p>"}
    with serve(app, pages) as base:
        code, out = scan(runner, f"{base}/no-widget", "--scenario", "none",
                         "--scenario", "reject", "--page-timeout", "10")
    error = assert_failed(app, code, out, "banner_missing")
    assert error["scenario"] == "reject"
    # What could be observed was judged: nothing the no-interaction visit saw is wrong, but
    # the declared cookies were not all seen, and no stale verdict is given on a failed scan.
    assert [f for f in out["findings"] if f["rule"] == "stale"] == []


def test_a_scan_out_of_total_time_fails(app, runner, demo, silent_server):
    code, out = scan(runner, silent_server, "--scenario", "none", "--page-timeout", "60",
                     "--timeout", "5")
    assert_failed(app, code, out, "total_time")


def test_every_repeats_the_scan_and_records_each(app, runner, demo):
    result = runner.invoke(args=["scan", "--site", "demo", f"http://127.0.0.1:{free_port()}/",
                                 "--scenario", "none", "--every", "1s", "--count", "2"])
    assert result.exit_code == 3
    from service.domain import scan, sites

    with app.app_context():
        rows = scan.list_scans(sites.get_site("demo"))
        assert [r.status for r in rows] == ["failed", "failed"]
        assert rows[0].finished_at > rows[1].finished_at
