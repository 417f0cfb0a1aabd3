"""Stand-ins for third-party embed hosts (YouTube, Google Maps, Vimeo): one local HTTPS server
that Chromium reaches through `--host-resolver-rules`, so no test ever leaves the machine. It
keeps a log of every request (host, path) and answers with a small player-like page that sets
the vendor's cookie, as the real host would."""

from __future__ import annotations

import datetime
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

# host -> (label shown in the stand-in, cookie the real host sets on load)
HOSTS = {
    "www.youtube.com": ("YouTube", "YSC"),
    "www.youtube-nocookie.com": ("YouTube (privacy-enhanced)", None),
    "www.google.com": ("Google Maps", "NID"),
    "player.vimeo.com": ("Vimeo", "vuid"),
}

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{label}</title>
<style>html,body{{margin:0;height:100%;font:16px system-ui,sans-serif;color:#fff;
background:{bg}}}body{{display:flex;flex-direction:column;align-items:center;
justify-content:center;gap:.75rem}}.play{{width:0;height:0;border-style:solid;
border-width:22px 0 22px 38px;border-color:transparent transparent transparent #fff}}
.map{{position:absolute;inset:0;background:repeating-linear-gradient(45deg,#cfe3c1 0 30px,
#e8f0dc 30px 60px)}}.pin{{position:relative;background:#c5221f;padding:.4rem .8rem;
border-radius:1rem}}</style></head>
<body data-fake-vendor="{host}">{body}<p class="pin">{label}: local stand-in</p></body></html>"""


@dataclass
class FakeVendors:
    """The running server: its port and what it was asked for."""

    port: int
    requests: list[tuple[str, str]] = field(default_factory=list)

    def hosts(self) -> set[str]:
        return {host for host, _ in self.requests}

    def resolver_rules(self) -> str:
        return ",".join(f"MAP {host} 127.0.0.1:{self.port}" for host in HOSTS)


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for the stand-in hosts (the browser context
    ignores HTTPS errors; nothing trusts it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lupa-test-vendors")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in HOSTS]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "vendors.pem", folder / "vendors.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def _handler(log: list[tuple[str, str]]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            host = (self.headers.get("Host") or "").split(":")[0]
            log.append((host, self.path))
            label, cookie = HOSTS.get(host, (host, None))
            body = '<div class="map"></div>' if "maps" in self.path else '<div class="play"></div>'
            page = PAGE.format(label=label, host=host, body=body,
                               bg="#e8f0dc" if "maps" in self.path else "#0f0f0f")
            data = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            if cookie:
                self.send_header("Set-Cookie",
                                 f"{cookie}=stand-in; Path=/; Max-Age=600; Secure; SameSite=None")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    return Handler


@contextmanager
def serve(folder: Path) -> Iterator[FakeVendors]:
    """Runs the stand-in hosts on a free loopback port for the duration of the block."""
    cert_file, key_file = _certificate(folder)
    vendors = FakeVendors(port=0)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(vendors.requests))
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert_file, key_file)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    vendors.port = server.server_port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield vendors
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
