"""Accept is honoured the same way everywhere (issue 14): a wildcard or a tie takes the
caller's default (the body's own format for checks), never the first type on offer; the
suppression export negotiates like the checks, and `?format=` still overrides."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from service import formats
from tests.marketing_helpers import BASE, new_subject, put_permission, sender


def accept(header: str | None) -> MIMEAccept:
    return parse_accept_header(header, MIMEAccept)


@pytest.mark.parametrize(("header", "fallback", "expected"), [
    ("*/*", "csv", "csv"),                          # curl's Accept with a CSV body: CSV
    ("text/*, application/*", "csv", "csv"),        # a tie: the body's format
    ("text/*, application/*", None, "ndjson"),
    ("application/x-ndjson, text/csv", "csv", "csv"),
    ("application/x-ndjson;q=0.9, text/csv;q=0.8", "csv", "ndjson"),  # asked for, by quality
    ("text/csv;q=0, */*", "csv", "ndjson"),         # the default refused outright
])
def test_wildcards_and_ties_take_the_callers_default(header: str, fallback: str | None,
                                                      expected: str) -> None:
    assert formats.negotiate("check-answers", accept(header), fallback).name == expected


def test_a_csv_check_with_curls_accept_answers_in_csv(client: Any, demo: dict) -> None:
    resp = client.post(f"{BASE}/checks?purpose=newsletter&channel=email",
                       data="email\nanna@example.fi\n",
                       headers={**sender(demo), "Content-Type": "text/csv", "Accept": "*/*"})
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    assert resp.get_data(as_text=True).splitlines()[1].startswith("anna@example.fi,")


def test_the_suppression_export_follows_accept_unless_a_format_is_named(
        client: Any, demo: dict) -> None:
    sid = new_subject(client, demo, email="pois@example.fi")
    put_permission(client, demo, sid, "newsletter", "email", "withdrawn")
    url = f"{BASE}/suppressions?purpose=newsletter&channel=email"
    as_csv = client.get(url, headers={**sender(demo), "Accept": "text/csv"})
    assert as_csv.mimetype == "text/csv" and "pois@example.fi" in as_csv.get_data(as_text=True)
    assert client.get(url, headers=sender(demo)).mimetype == "application/x-ndjson"
    named = client.get(url + "&format=ndjson", headers={**sender(demo), "Accept": "text/csv"})
    assert named.mimetype == "application/x-ndjson"
    assert client.get(url + "&format=xml", headers=sender(demo)).status_code == 422
