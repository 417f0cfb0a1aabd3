"""Data-subject requests recorded by hand and completed later: the due date rule (one month of
receipt, never later than the promise report's 30 days), the console inbox and its actions,
and `lupa request create|list|complete`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from service.domain import rights, sites
from tests.conftest import bearer
from tests.console.helpers import entries, key_id, post, sign_in

SITE = "/api/v1/sites/demo"


def new_subject(client: Any, demo: dict, email: str = "anna@example.fi") -> str:
    resp = client.post(f"{SITE}/subjects", json={"email": email},
                       headers=bearer(demo["keys"]["admin"]))
    assert resp.status_code == 201, resp.get_json()
    return str(resp.get_json()["id"])


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


@pytest.mark.parametrize(("received", "due"), [
    ("2026-02-10T09:00", "2026-03-10T09:00"),  # the same date next month (28 days)
    ("2026-01-31T09:00", "2026-02-28T09:00"),  # no 31 February: the month's last day
    ("2026-03-15T09:00", "2026-04-14T09:00"),  # 31-day month: the report's 30 days come first
    ("2026-12-20T09:00", "2027-01-19T09:00"),  # over the year end, 30 days
    ("2026-04-05T09:00", "2026-05-05T09:00"),  # 30-day month: both the same
])
def test_due_date_is_one_month_of_receipt(received: str, due: str) -> None:
    assert rights.due_at(at(received)) == at(due)


def inbox_row(html: str, request_id: str) -> str:
    return html.split(f'id="request-{request_id}"')[1].split("</tr>")[0]


def record(client: Any, **form: Any) -> Any:
    base = {"kind": "access", "identifier_kind": "email", "identifier": "anna@example.fi",
            "channel": "letter", "received_at": ""}
    return post(client, "/requests", **{**base, **form})


def test_record_a_letter_then_see_it_in_the_inbox(app: Flask, client: Any, demo: dict) -> None:
    new_subject(client, demo)
    sign_in(client, demo["keys"]["admin"])
    received = (datetime.now(UTC) - timedelta(days=10)).date()
    resp = record(client, received_at=received.isoformat(), identifier=" Anna@Example.FI ",
                  note="Letter of 1 March, asks for a copy")
    assert resp.status_code == 303
    [req] = rights_rows(app)
    html = client.get("/console/demo/requests?lang=en").get_data(as_text=True)
    row = inbox_row(html, req["id"])
    assert f"<td>{received.isoformat()}</td>" in row
    due = rights.due_at(datetime(received.year, received.month, received.day, tzinfo=UTC))
    assert f"<td>{due.date().isoformat()}</td>" in row
    assert f"<td>{(due - datetime.now(UTC)).days}</td>" in row  # whole days left
    assert "letter" in row and "open" in row and "Letter of 1 March" in row
    [entry] = entries(app, "demo", "rights.received")
    assert entry.actor == f"key:{key_id(demo['keys']['admin'])}"
    assert "anna" not in entry.payload and "Letter" not in entry.payload  # no personal data


def rights_rows(app: Flask, slug: str = "demo") -> list[dict[str, Any]]:
    with app.app_context():
        return rights.inbox(sites.get_site(slug))


def test_a_request_about_nobody_held_is_refused(app: Flask, client: Any, demo: dict) -> None:
    sign_in(client, demo["keys"]["admin"])
    resp = record(client, identifier="nobody@example.fi")
    assert resp.status_code == 404
    assert "holds nobody" in resp.get_data(as_text=True)
    assert record(client, identifier="not an address").status_code == 422
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    new_subject(client, demo)
    assert record(client, received_at=tomorrow).status_code == 422
    assert record(client, kind="deletion").status_code == 422
    assert rights_rows(app) == []
    assert entries(app, "demo", "rights.received") == []


def test_completing_an_access_request_downloads_the_export(app: Flask, client: Any,
                                                           demo: dict) -> None:
    sid = new_subject(client, demo)
    sign_in(client, demo["keys"]["admin"])
    record(client, kind="restriction", note="asked by phone first")
    post(client, f"/requests/{rights_rows(app)[0]['id']}/complete")
    record(client)
    [req] = [r for r in rights_rows(app) if r["kind"] == "access"]
    resp = post(client, f"/requests/{req['id']}/complete")
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    export = json.loads(resp.get_data(as_text=True))
    assert export["format"] == "lupa.subject-export" and export["subject"]["id"] == sid
    assert export["identifiers"] == {"email": "anna@example.fi"}
    # what is held includes the notes kept with the person's requests
    assert [r["note"] for r in export["requests"][:1]] == ["asked by phone first"]
    [done] = [r for r in rights_rows(app) if r["kind"] == "access"]
    assert done["status"] == "completed" and done["via"] == "letter"
    [entry] = entries(app, "demo", "rights.access")
    assert entry.actor == f"key:{key_id(demo['keys']['admin'])}"
    assert post(client, f"/requests/{req['id']}/complete").status_code == 409


def test_erasure_needs_the_confirmation(app: Flask, client: Any, demo: dict) -> None:
    new_subject(client, demo)
    sign_in(client, demo["keys"]["admin"])
    record(client, kind="erasure", note="Letter from Anna Virtanen, Kotikatu 1")
    [req] = rights_rows(app)
    assert req["note"] == "Letter from Anna Virtanen, Kotikatu 1"
    assert post(client, f"/requests/{req['id']}/complete").status_code == 422
    assert rights_rows(app)[0]["status"] == "received"
    assert post(client, f"/requests/{req['id']}/complete", confirm="yes").status_code == 303
    [done] = rights_rows(app)
    assert done["status"] == "completed"
    assert done["note"] is None  # a note may name the person: erased with the rest
    [entry] = entries(app, "demo", "rights.erasure")
    assert json.loads(entry.payload)["key_destroyed"] is True
    # the person is gone: a new request by the same address finds nobody
    assert record(client).status_code == 404


def test_rectification_takes_the_corrected_values(app: Flask, client: Any, demo: dict) -> None:
    sid = new_subject(client, demo)
    sign_in(client, demo["keys"]["admin"])
    record(client, kind="rectification")
    [req] = rights_rows(app)
    assert post(client, f"/requests/{req['id']}/complete").status_code == 422
    resp = post(client, f"/requests/{req['id']}/complete", email="anna.k@example.fi")
    assert resp.status_code == 303
    subject = client.get(f"{SITE}/subjects/{sid}", headers=bearer(demo["keys"]["admin"]))
    assert "anna.k@example.fi" in subject.get_data(as_text=True)


def test_restriction_completes(app: Flask, client: Any, demo: dict) -> None:
    new_subject(client, demo)
    sign_in(client, demo["keys"]["admin"])
    record(client, kind="restriction", channel="phone")
    [req] = rights_rows(app)
    assert post(client, f"/requests/{req['id']}/complete").status_code == 303
    [entry] = entries(app, "demo", "rights.restriction")
    assert json.loads(entry.payload)["restricted"] is True


def test_another_sites_request_cannot_be_completed(app: Flask, client: Any,
                                                   demo: dict) -> None:
    new_subject(client, demo)
    sign_in(client, demo["other_keys"]["admin"], "other")
    sign_in(client, demo["keys"]["admin"])
    record(client)
    [req] = rights_rows(app)
    assert post(client, f"/requests/{req['id']}/complete", "other").status_code == 404
    assert rights_rows(app)[0]["status"] == "received"


def test_cli_create_list_complete(app: Flask, client: Any, runner: Any, demo: dict,
                                  tmp_path: Any) -> None:
    new_subject(client, demo)
    res = runner.invoke(args=["request", "create", "--site", "demo", "--kind", "access",
                              "--email", "anna@example.fi", "--via", "letter",
                              "--received", "2026-01-31", "--note", "by post"])
    assert res.exit_code == 0, res.output
    request_id = res.stdout.strip().splitlines()[-1]
    res = runner.invoke(args=["request", "list", "--site", "demo", "--open"])
    assert res.exit_code == 0
    line = [x for x in res.stdout.splitlines() if x.startswith(request_id)][0]
    assert "2026-01-31" in line and "2026-02-28" in line and "access" in line
    out = tmp_path / "export.json"
    res = runner.invoke(args=["request", "complete", "--site", "demo", request_id,
                              "--output", str(out)])
    assert res.exit_code == 0, res.output
    assert json.loads(out.read_text())["format"] == "lupa.subject-export"
    res = runner.invoke(args=["request", "list", "--site", "demo", "--json"])
    [row] = json.loads(res.stdout)
    assert row["status"] == "completed" and row["late"] is True  # completed long after Feb 28
    assert entries(app, "demo", "rights.access")[0].actor.startswith("cli:")


def test_cli_refuses_unclear_input(runner: Any, client: Any, demo: dict) -> None:
    new_subject(client, demo)
    res = runner.invoke(args=["request", "create", "--site", "demo", "--kind", "access"])
    assert res.exit_code == 2 and "--email" in res.output
    res = runner.invoke(args=["request", "create", "--site", "demo", "--kind", "access",
                              "--email", "nobody@example.fi"])
    assert res.exit_code == 1 and "holds nobody" in res.output
    res = runner.invoke(args=["request", "create", "--site", "demo", "--kind", "erasure",
                              "--email", "anna@example.fi"])
    request_id = res.stdout.strip().splitlines()[-1]
    res = runner.invoke(args=["request", "complete", "--site", "demo", request_id], input="n\n")
    assert res.exit_code == 1
    res = runner.invoke(args=["request", "list", "--site", "demo", "--open", "--json"])
    assert [r["status"] for r in json.loads(res.stdout)] == ["received"]
    res = runner.invoke(args=["request", "complete", "--site", "other", request_id, "--yes"])
    assert res.exit_code == 1 and "no request" in res.output
