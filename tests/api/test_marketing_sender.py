"""Suppression export and opt-out import."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from flask import Flask

from tests.marketing_helpers import (
    BASE,
    audit_actions,
    check,
    count,
    new_subject,
    put_permission,
    reasons,
    sender,
)


def test_suppressions_list_prohibited_withdrawn_and_restricted(client: Any, demo: dict,
                                                               app: Flask) -> None:
    ok = new_subject(client, demo, email="ok@example.fi")
    put_permission(client, demo, ok, "newsletter", "email", "granted")
    gone = new_subject(client, demo, email="gone@example.fi", customer_number="C-2")
    put_permission(client, demo, gone, "newsletter", "email", "granted")
    put_permission(client, demo, gone, "newsletter", "email", "withdrawn")
    banned = new_subject(client, demo, phone="+358401234567")
    put_permission(client, demo, banned, "*", "*", "prohibited")
    other_purpose = new_subject(client, demo, email="offers-only@example.fi")
    put_permission(client, demo, other_purpose, "offers", "email", "withdrawn")
    resp = client.get(f"{BASE}/suppressions?purpose=newsletter&channel=email",
                      headers=sender(demo))
    assert resp.status_code == 200 and resp.mimetype == "application/x-ndjson"
    items = [json.loads(line) for line in resp.get_data(as_text=True).splitlines()]
    assert items == [
        {"subject": f"subject:{gone}", "reason": "withdrawn", "email": "gone@example.fi",
         "customer_number": "C-2"},
        {"subject": f"subject:{banned}", "reason": "prohibited", "phone": "+358401234567"},
    ]
    assert audit_actions(app)[-1] == "marketing.suppressions_exported"
    as_csv = client.get(f"{BASE}/suppressions?purpose=newsletter&channel=email&format=csv",
                        headers=sender(demo))
    rows = list(csv.DictReader(io.StringIO(as_csv.get_data(as_text=True))))
    assert [(r["email"], r["phone"], r["reason"]) for r in rows] == [
        ("gone@example.fi", "", "withdrawn"), ("", "+358401234567", "prohibited")]


@pytest.mark.parametrize("query", ["purpose=newsletter", "purpose=x&channel=email",
                                   "purpose=newsletter&channel=email&format=xml"])
def test_bad_suppression_query_is_422(client: Any, demo: dict, app: Flask, query: str) -> None:
    before = count(app, "audit_entries")
    resp = client.get(f"{BASE}/suppressions?{query}", headers=sender(demo))
    assert resp.status_code == 422
    assert count(app, "audit_entries") == before


def test_import_optouts_withdraws_known_and_records_unknown(client: Any, demo: dict,
                                                            app: Flask) -> None:
    sid = new_subject(client, demo, email="known@example.fi")
    put_permission(client, demo, sid, "newsletter", "email", "granted")
    put_permission(client, demo, sid, "offers", "email", "granted")
    body = "Email Address,First Name\nKNOWN@example.fi,K\nnew@example.fi,N\n"
    resp = client.post(f"{BASE}/optouts?channel=email", data=body,
                       headers={**sender(demo), "Content-Type": "text/csv"})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == {"rows": 2, "changed": 2, "invalid": 0, "created_subjects": 1}
    got = check(client, demo, ["known@example.fi", "new@example.fi"])
    assert reasons(got) == ["withdrawn", "withdrawn"]
    assert reasons(check(client, demo, ["known@example.fi"], "offers")) == ["withdrawn"]
    # Another channel is untouched.
    put_permission(client, demo, sid, "newsletter", "sms", "granted")
    assert reasons(check(client, demo, ["known@example.fi"], channel="sms")) == [None]


def test_import_as_prohibition_for_one_purpose(client: Any, demo: dict) -> None:
    resp = client.post(f"{BASE}/optouts?purpose=research&channel=phone&state=prohibited"
                       "&id_type=phone", data="040 1234567\n",
                       headers={**sender(demo), "Content-Type": "text/csv"})
    assert resp.status_code == 200
    assert reasons(check(client, demo, ["+358401234567"], "research", "phone")) == \
        ["prohibited"]


@pytest.mark.parametrize("query,body,ctype,status", [
    ("channel=email", "email\ngood@example.fi\nnot-an-email\n", "text/csv", 422),
    ("channel=fax", "good@example.fi\n", "text/csv", 422),
    ("channel=email&state=granted", "good@example.fi\n", "text/csv", 422),
    ("channel=email", "good@example.fi\n", "application/json", 415),
])
def test_bad_import_is_4xx_and_imports_nothing(client: Any, demo: dict, app: Flask,
                                               query: str, body: str, ctype: str,
                                               status: int) -> None:
    before = count(app, "subjects"), count(app, "audit_entries")
    resp = client.post(f"{BASE}/optouts?{query}", data=body,
                       headers={**sender(demo), "Content-Type": ctype})
    assert resp.status_code == status, resp.get_json()
    assert (count(app, "subjects"), count(app, "audit_entries")) == before
