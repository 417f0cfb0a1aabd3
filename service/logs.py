"""Structured JSON logging with request ids and no personal data."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, g, request

_EMAIL = re.compile(r"[^\s@\"']+@[^\s@\"']+\.[A-Za-z]{2,}")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV6 = re.compile(
    r"(?<![0-9A-Fa-f:])(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}"
    r"|(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,5})?"
    r"|::(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6}))(?![0-9A-Fa-f:])"
)
_PHONE = re.compile(r"(?<![\w])\+?\d[\d \-]{7,}\d(?![\w])")


def scrub(text: str) -> str:
    """Mask anything that looks like an email, IP address or phone number."""
    text = _EMAIL.sub("[email]", text)
    text = _IPV6.sub("[ip]", text)
    text = _IPV4.sub("[ip]", text)
    return _PHONE.sub("[phone]", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname,
            "logger": record.name,
            "msg": scrub(record.getMessage()),
        }
        for key in ("request_id", "method", "path", "status", "ms", "site"):
            if hasattr(record, key):
                value = getattr(record, key)
                out[key] = scrub(value) if isinstance(value, str) else value
        if record.exc_info:
            out["exc"] = scrub(self.formatException(record.exc_info))
        return json.dumps(out, ensure_ascii=False)


def configure_logging(level: str) -> None:
    """Install the JSON handler on the `lupa` logger once."""
    logger = logging.getLogger("lupa")
    if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(level)


def init_app(app: Flask) -> None:
    configure_logging(app.config["LUPA_LOG_LEVEL"])
    access = logging.getLogger("lupa.access")

    @app.before_request
    def _start() -> None:
        incoming = request.headers.get("X-Request-Id", "")
        valid = re.fullmatch(r"[A-Za-z0-9\-]{8,64}", incoming)
        g.request_id = incoming if valid else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def _finish(resp: Response) -> Response:
        resp.headers["X-Request-Id"] = g.get("request_id", "")
        # Only the route pattern is logged: paths can carry visitor ids.
        rule = request.url_rule.rule if request.url_rule else "<unmatched>"
        access.info(
            "request",
            extra={
                "request_id": g.get("request_id"),
                "method": request.method,
                "path": rule,
                "status": resp.status_code,
                "ms": round((time.perf_counter() - g.get("started", 0.0)) * 1000, 2),
            },
        )
        return resp
