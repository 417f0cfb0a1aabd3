"""SMS codes through the HTTP gateway backend (LUPA_SMS_URL), tested against a real HTTP
server started here: the JSON it gets, the bearer token, and a failing gateway logged
without the number; a malformed LUPA_SMS_URL stops the app at start."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import fresh_app, make_app
from tests.domain.marketing.test_identity import code_form, confirm_path, post, signup
from tests.marketing_helpers import check, reasons


class Gateway:
    """A stand-alone SMS gateway: records each POST, answers with `status`."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.status = 202
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.received.append({"path": self.path, "headers": dict(self.headers),
                                         "body": json.loads(body)})
                self.send_response(gateway.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def gateway() -> Iterator[Gateway]:
    gw = Gateway()
    yield gw
    gw.close()


@pytest.fixture()
def sms_app(database_url: str, tmp_path: Path, gateway: Gateway) -> Iterator[Flask]:
    yield from fresh_app(database_url, tmp_path, LUPA_SMS_URL=gateway.url,
                         LUPA_SMS_TOKEN="gw-secret", LUPA_SMS_FROM="Kirkas")


@pytest.fixture()
def sclient(sms_app: Flask) -> Any:
    return sms_app.test_client()


@pytest.fixture()
def sdemo(sms_app: Flask) -> dict[str, Any]:
    from tests.conftest import demo as demo_fixture

    return demo_fixture.__wrapped__(sms_app)  # type: ignore[attr-defined, no-any-return]


def test_the_code_goes_to_the_gateway_and_proves_the_number(
        sclient: Any, sdemo: dict, gateway: Gateway) -> None:
    _, out = signup(sclient, "gw@example.fi", phone="040 222 3333", channels=["sms"])
    page, printed = post(sclient, confirm_path(out), lang="en")
    assert printed == ""  # nothing on the console: the gateway got it
    [sent] = gateway.received
    assert sent["path"] == "/v1/sms"
    assert sent["headers"]["Authorization"] == "Bearer gw-secret"
    assert sent["headers"]["Content-Type"] == "application/json"
    assert sent["body"]["to"] == "+358402223333" and sent["body"]["from"] == "Kirkas"
    match = re.fullmatch(r"(\d{6}) is your confirmation code \(Demo Oy\)\. Do not share it\.",
                         sent["body"]["text"])
    assert match
    resp = sclient.post(code_form(page.get_data(as_text=True)),
                        data={"code": match.group(1), "lang": "en"})
    assert resp.status_code == 200
    assert reasons(check(sclient, sdemo, ["+358402223333"], "newsletter", "sms")) == [None]


def test_a_failing_gateway_is_logged_without_the_number(
        sclient: Any, sdemo: dict, gateway: Gateway, caplog: pytest.LogCaptureFixture) -> None:
    gateway.status = 500
    _, out = signup(sclient, "gw@example.fi", phone="040 222 3333", channels=["sms"])
    with caplog.at_level("WARNING"):
        page, _ = post(sclient, confirm_path(out), lang="en")
    assert page.status_code == 200 and len(gateway.received) == 1
    failures = [r.getMessage() for r in caplog.records if r.name == "lupa.outbox"]
    assert failures == ["message not sent: SmsFailed"]
    assert "2223333" not in caplog.text


def test_the_http_backend_raises_on_an_unreachable_gateway(gateway: Gateway) -> None:
    from service.domain.marketing import sms

    url = gateway.url
    gateway.close()
    backend = sms.backend({"LUPA_SMS_URL": url, "LUPA_SMS_TIMEOUT": 2})
    with pytest.raises(sms.SmsFailed) as caught:
        backend.send("+358402223333", "123456")
    assert "2223333" not in str(caught.value)
    assert isinstance(sms.backend({}), sms.ConsoleSms)


@pytest.mark.parametrize("url", ["gateway.example/sms", "ftp://gateway.example/sms"])
def test_a_malformed_sms_url_fails_at_start(database_url: str, tmp_path: Path,
                                            url: str) -> None:
    from service.config import ConfigError

    with pytest.raises(ConfigError, match="LUPA_SMS_URL"):
        make_app(database_url, tmp_path / "instance", LUPA_SMS_URL=url)
