"""No raw IP address, email or phone number in application logs or in any stored audit row."""

from __future__ import annotations

import io
import logging
from typing import Any

import sqlalchemy as sa
from flask import Flask

from service.logs import JsonFormatter, scrub


def test_scrub_masks_personal_data() -> None:
    text = scrub("from 203.0.113.9 and 2001:db8::1 mail anna.virtanen@example.fi "
                 "tel +358 40 1234567")
    assert "203.0.113.9" not in text and "2001:db8::1" not in text
    assert "anna.virtanen@example.fi" not in text and "1234567" not in text


def test_request_logs_carry_no_ip_or_visitor_path(app: Flask, client: Any, demo: dict) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("lupa")
    logger.addHandler(handler)
    try:
        vid = "0b6f3c1e-8a44-4c1e-9a55-2f3f7f2a9d10"
        client.post("/api/v1/sites/demo/consents",
                    json={"visitor_id": vid, "notice_version": 1, "choices": {},
                          "method": "reject_all"},
                    environ_base={"REMOTE_ADDR": "198.51.100.23"})
        client.get(f"/api/v1/sites/demo/consents/{vid}",
                   environ_base={"REMOTE_ADDR": "198.51.100.23"})
        client.post("/api/v1/sites/demo/consents", data=b"anna@example.fi",
                    content_type="application/json")
    finally:
        logger.removeHandler(handler)
    out = stream.getvalue()
    assert '"path": "/api/v1/sites/<site>/consents/<visitor_id>"' in out
    assert "198.51.100.23" not in out and vid not in out and "anna@example.fi" not in out


def test_audit_rows_hold_no_raw_ip(app: Flask, client: Any, demo: dict) -> None:
    from service.extensions import db

    client.post("/api/v1/sites/demo/consents",
                json={"notice_version": 1, "choices": {}, "method": "reject_all"},
                environ_base={"REMOTE_ADDR": "198.51.100.23"})
    with app.app_context():
        rows = db.session.execute(sa.text("SELECT actor, action, subject, payload "
                                          "FROM audit_entries")).all()
    dump = repr(rows)
    assert "198.51.100" not in dump


def test_audit_append_refuses_clear_text_email(app: Flask, demo: dict) -> None:
    import pytest

    from service.domain import audit, sites
    from service.domain.audit import PersonalDataInAudit

    with app.app_context(), pytest.raises(PersonalDataInAudit):
        audit.append(sites.get_site("demo"), "test", "x.y", {"to": "anna@example.fi"})
