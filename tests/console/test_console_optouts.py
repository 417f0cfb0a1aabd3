"""Console opt-out import: a CSV upload imported as POST …/optouts imports it (all rows or
none), every change audited as the signed-in key, the result summarised in words."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask

from tests.conftest import bearer
from tests.console.helpers import entries, key_id, sign_in, token

CSV = "Email Address,Name\nanna@example.fi,Anna\nBERTIL@example.fi,Bertil\n"


def upload(client: Any, body: str | bytes, **form: Any) -> Any:
    data = body.encode() if isinstance(body, str) else body
    fields = {"purpose": "newsletter", "channel": "email", "state": "withdrawn",
              "id_type": "auto", **form}
    return client.post("/console/demo/optouts", content_type="multipart/form-data", data={
        **fields, "csrf_token": token(client, path="/optouts"),
        "file": (io.BytesIO(data), "unsubscribes.csv")})


def may_contact(client: Any, demo: dict, email: str) -> str:
    resp = client.post("/api/v1/sites/demo/checks", headers=bearer(demo["keys"]["sender"]),
                       json={"purpose": "newsletter", "channel": "email",
                             "recipients": [email]})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    text = resp.get_data(as_text=True)
    return text


def test_an_uploaded_list_becomes_audited_withdrawals(app: Flask, client: Any,
                                                      demo: dict) -> None:
    sign_in(client, demo["keys"]["admin"])
    resp = upload(client, CSV)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "2 riviä, 2 muuttui, 2 uutta" in html  # rows, changed, new people (site's fi)
    audited = entries(app, "demo", "marketing.withdrawn")
    assert len(audited) == 2
    assert {e.actor for e in audited} == {f"key:{key_id(demo['keys']['admin'])}"}
    assert '"withdrawn"' in may_contact(client, demo, "bertil@example.fi")
    html = upload(client, CSV).get_data(as_text=True)  # the same list again changes nothing
    assert "2 riviä, 0 muuttui, 0 uutta" in html


def test_one_invalid_row_imports_nothing(app: Flask, client: Any, demo: dict) -> None:
    sign_in(client, demo["keys"]["admin"])
    resp = upload(client, CSV + "not-an-address\n")
    assert resp.status_code == 422
    assert "line 3" in resp.get_data(as_text=True)
    assert entries(app, "demo", "marketing.withdrawn") == []
    assert '"unknown"' in may_contact(client, demo, "anna@example.fi")


def test_bad_uploads_are_clear_422s(app: Flask, client: Any, demo: dict) -> None:
    sign_in(client, demo["keys"]["admin"])
    assert upload(client, b"\xff\xfe\x00bad").status_code == 422
    assert upload(client, CSV, purpose="unknown-purpose").status_code == 422
    assert upload(client, CSV, state="granted").status_code == 422
    resp = client.post("/console/demo/optouts", data={
        "purpose": "newsletter", "channel": "email", "state": "withdrawn",
        "csrf_token": token(client, path="/optouts")})
    assert resp.status_code == 422  # no file
    assert entries(app, "demo", "marketing.withdrawn") == []


def test_import_needs_sign_in_and_csrf(app: Flask, client: Any, demo: dict) -> None:
    resp = client.post("/console/demo/optouts", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(CSV.encode()), "x.csv"), "state": "withdrawn"})
    assert resp.status_code == 403
    sign_in(client, demo["other_keys"]["admin"], "other")
    resp = client.post("/console/demo/optouts", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(CSV.encode()), "x.csv"), "state": "withdrawn",
                             "csrf_token": token(client, "other")})
    assert resp.status_code == 403
    assert entries(app, "demo", "marketing.withdrawn") == []
