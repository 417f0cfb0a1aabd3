"""Visitor consent rules, one behaviour per test, through the public consent API.

Expected values come from the notice and docs (README "Visitor consent", docs/audit.md
`consent_before_tracking`): `accept_all` grants every category, `reject_all` and `withdraw`
refuse every optional one, `custom` chooses, `gpc` may not grant marketing; `necessary` can
never be refused and is always recorded as granted; a choice is validated against the notice
version shown (its own categories), stored append-only and audited as `consent.recorded` with
the notice version, the resolved choices, the method and the GPC signal. With the signal
(`Sec-GPC: 1`) every category of type marketing is stored as refused, as method gpc.
The demo notice's categories: necessary, preferences, analytics, marketing.
"""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import as_visitor, bearer, demo_notice, new_visitor

CONSENTS = "/api/v1/sites/demo/consents"
OPTIONAL = ("preferences", "analytics", "marketing")


def post(client: Any, method: str, choices: dict[str, Any], version: int = 1,
         gpc: bool = False, visitor_id: str | None = None) -> Any:
    """A choice from the browser of `visitor_id` (its signed cookie; None: a first visit)."""
    headers = {"Sec-GPC": "1"} if gpc else {}
    as_visitor(client, visitor_id)
    return client.post(CONSENTS, json={"notice_version": version, "choices": choices,
                                       "method": method}, headers=headers)


def rows(app: Flask, table: str, columns: str) -> list[Any]:
    from service.extensions import db

    with app.app_context():
        return list(db.session.execute(sa.text(f"SELECT {columns} FROM {table} ORDER BY id")))


def consent_entries(app: Flask) -> list[tuple[str, str, str | None, dict[str, Any]]]:
    return [(actor, action, subject, json.loads(payload)) for actor, action, subject, payload
            in rows(app, "audit_entries", "actor, action, subject, payload")
            if action == "consent.recorded"]


def all_of(value: bool) -> dict[str, bool]:
    return {k: value for k in OPTIONAL}


# -- which categories each method may grant ----------------------------------------------------

@pytest.mark.parametrize("method,choices,status", [
    ("accept_all", all_of(True), 201),
    ("accept_all", {}, 422),
    ("accept_all", {**all_of(True), "marketing": False}, 422),
    ("accept_all", {**all_of(True), "preferences": False}, 422),
    ("reject_all", all_of(False), 201),
    ("reject_all", {}, 201),
    ("reject_all", {"marketing": True}, 422),
    ("reject_all", {"preferences": True}, 422),
    ("withdraw", all_of(False), 201),
    ("withdraw", {}, 201),
    ("withdraw", {"marketing": True}, 422),
    ("withdraw", {"analytics": True}, 422),
    ("custom", all_of(True), 201),
    ("custom", {"marketing": True}, 201),
    ("custom", {}, 201),
    ("gpc", {"analytics": True, "preferences": True}, 201),
    ("gpc", {"marketing": True}, 422),
    ("gpc", {}, 201),
])
def test_what_each_method_may_grant(app: Flask, client: Any, demo: dict, method: str,
                                    choices: dict[str, bool], status: int) -> None:
    resp = post(client, method, choices)
    assert resp.status_code == status, resp.get_json()
    stored = rows(app, "consent_events", "method")
    if status == 201:
        expected = {"necessary": True, **all_of(False), **choices}
        assert resp.get_json()["choices"] == expected
        assert resp.get_json()["method"] == method
        assert [m for (m,) in stored] == [method]
    else:
        assert stored == [] and consent_entries(app) == []


@pytest.mark.parametrize("method", ["reject_all", "withdraw"])
def test_refusing_methods_name_themselves_in_the_error(client: Any, demo: dict,
                                                       method: str) -> None:
    body = post(client, method, {"analytics": True}).get_json()
    assert body["errors"] == {"method": ["inconsistent"]}
    assert body["detail"] == f"{method} must refuse every optional category."


def test_accept_all_error(client: Any, demo: dict) -> None:
    body = post(client, "accept_all", {"analytics": True}).get_json()
    assert body["errors"] == {"method": ["inconsistent"]}
    assert body["detail"] == "accept_all must grant every category."


def test_gpc_may_not_grant_marketing(client: Any, demo: dict) -> None:
    for gpc in (True, False):
        body = post(client, "gpc", {"marketing": True}, gpc=gpc).get_json()
        assert body["status"] == 422
        assert body["errors"] == {"choices": {"marketing": ["refused under gpc"]}}
        assert body["detail"] == "A gpc choice cannot grant marketing."


@pytest.mark.parametrize("method", ["accept_all", "reject_all", "custom", "gpc", "withdraw"])
def test_necessary_cannot_be_refused_by_any_method(client: Any, demo: dict,
                                                   method: str) -> None:
    body = post(client, method, {"necessary": False}).get_json()
    assert body["status"] == 422
    assert body["errors"] == {"choices": {"necessary": ["cannot be false"]}}
    assert body["detail"] == "The necessary category cannot be refused."


def test_necessary_is_always_recorded_as_granted(client: Any, demo: dict) -> None:
    assert post(client, "custom", {}).get_json()["choices"]["necessary"] is True
    assert post(client, "reject_all", {"necessary": True}).get_json()["choices"] == {
        "necessary": True, **all_of(False)}


def test_unknown_method_is_refused_by_the_api_and_by_the_domain(app: Flask, client: Any,
                                                                demo: dict) -> None:
    assert post(client, "maybe", {}).status_code == 422
    from service.domain import consent, sites
    from service.errors import InvalidInput

    with app.app_context():
        with pytest.raises(InvalidInput) as info:
            consent.record_visitor_choice(sites.get_site("demo"), 1, {}, "maybe", None,
                                          consent.ChoiceContext())
    assert info.value.detail == "Unknown method."
    assert info.value.errors == {"method": [
        "must be one of accept_all, reject_all, custom, gpc, withdraw"]}
    assert rows(app, "consent_events", "id") == []


def test_unknown_categories_are_each_named(client: Any, demo: dict, app: Flask) -> None:
    body = post(client, "custom", {"tracking": True, "ads": False, "analytics": True}).get_json()
    assert body["status"] == 422
    assert body["errors"] == {"choices": {"ads": ["unknown category"],
                                          "tracking": ["unknown category"]}}
    assert body["detail"] == "Unknown categories for this notice version."
    assert rows(app, "consent_events", "id") == []


# -- the notice version shown ------------------------------------------------------------------

def publish_with_extra_category(client: Any, demo: dict) -> None:
    notice = copy.deepcopy(demo_notice())
    extra = copy.deepcopy(notice["cookie_categories"][-1])
    extra["key"] = "social"
    notice["cookie_categories"].append(extra)
    resp = client.post("/api/v1/sites/demo/notices", json=notice,
                       headers=bearer(demo["keys"]["admin"]))
    assert resp.status_code in (200, 201), resp.get_json()


def test_a_choice_on_another_notice_version_uses_that_versions_categories(
        app: Flask, client: Any, demo: dict) -> None:
    publish_with_extra_category(client, demo)
    vid = new_visitor()
    resp = post(client, "custom", {"social": True}, version=2, visitor_id=vid)
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["notice_version"] == 2
    assert resp.get_json()["choices"] == {"necessary": True, **all_of(False), "social": True}
    back = client.get(f"{CONSENTS}/{vid}").get_json()
    assert (back["notice_version"], back["choices"]["social"]) == (2, True)
    assert consent_entries(app)[-1][3]["notice_version"] == 2
    # accept_all on version 2 must grant its new category too
    assert post(client, "accept_all", all_of(True), version=2).status_code == 422
    # version 1 still takes choices, with its own categories only
    old = post(client, "custom", {"analytics": True}, version=1, visitor_id=vid)
    assert old.status_code == 201 and old.get_json()["notice_version"] == 1
    assert "social" not in old.get_json()["choices"]
    assert post(client, "custom", {"social": True}, version=1).status_code == 422


def test_unknown_notice_version(client: Any, demo: dict) -> None:
    body = post(client, "custom", {}, version=2).get_json()
    assert body["status"] == 422
    assert body["errors"] == {"notice_version": ["unknown version"]}
    assert body["detail"] == "Notice version 2 was never published for this site."


# -- what is stored and audited ----------------------------------------------------------------

@pytest.mark.parametrize("gpc", [False, True])
def test_audit_entry_carries_version_choices_method_and_gpc(app: Flask, client: Any,
                                                            demo: dict, gpc: bool) -> None:
    vid = new_visitor()
    resp = post(client, "custom", {"analytics": True}, gpc=gpc, visitor_id=vid)
    assert resp.status_code == 201
    [(event_id,)] = rows(app, "consent_events", "id")
    assert consent_entries(app) == [("visitor", "consent.recorded", f"visitor:{vid}", {
        "event": event_id, "notice_version": 1,
        "choices": {"necessary": True, "preferences": False, "analytics": True,
                    "marketing": False},
        "method": "custom", "gpc": gpc,
        # with the signal: the rule applied and what it refused (nothing: no marketing grant)
        **({"gpc_rule": "gpc_refuses_marketing", "gpc_refused": []} if gpc else {})})]


def test_a_gpc_choice_is_recorded_with_method_gpc_and_the_signal(app: Flask, client: Any,
                                                                 demo: dict) -> None:
    resp = post(client, "gpc", {"analytics": True}, gpc=True)
    assert resp.status_code == 201
    assert resp.get_json()["method"] == "gpc"
    assert rows(app, "consent_events", "method, choices")[0][0] == "gpc"
    payload = consent_entries(app)[0][3]
    assert (payload["method"], payload["gpc"], payload["choices"]["marketing"]) == (
        "gpc", True, False)


@pytest.mark.parametrize("method,choices", [
    ("accept_all", all_of(True)),
    ("custom", {"analytics": True, "marketing": True}),
    ("custom", {"marketing": True}),
])
def test_with_the_gpc_signal_marketing_is_stored_refused_as_method_gpc(
        app: Flask, client: Any, demo: dict, method: str, choices: dict[str, bool]) -> None:
    """docs/notice-format.md: GPC refuses every category of type marketing. A choice sent
    with `Sec-GPC: 1` is judged by its own method, then stored with marketing refused and
    method gpc (accept_all would be untrue); its audit entry names the rule and the refusal."""
    resp = post(client, method, choices, gpc=True)
    assert resp.status_code == 201, resp.get_json()
    expected = {"necessary": True, **all_of(False),
                **{k: v for k, v in choices.items() if k != "marketing"}, "marketing": False}
    assert (resp.get_json()["method"], resp.get_json()["choices"]) == ("gpc", expected)
    assert rows(app, "consent_events", "method, choices")[0][0] == "gpc"
    payload = consent_entries(app)[0][3]
    assert (payload["method"], payload["choices"], payload["gpc"]) == ("gpc", expected, True)
    assert (payload["gpc_rule"], payload["gpc_refused"]) == ("gpc_refuses_marketing",
                                                              ["marketing"])


def test_the_gpc_rule_follows_the_category_type_not_its_key(app: Flask, client: Any,
                                                             demo: dict) -> None:
    """Version 2 adds `social`, of type marketing: the signal refuses it too."""
    publish_with_extra_category(client, demo)
    resp = post(client, "accept_all", {**all_of(True), "social": True}, version=2, gpc=True)
    assert resp.status_code == 201, resp.get_json()
    got = resp.get_json()["choices"]
    assert (got["social"], got["marketing"], got["analytics"]) == (False, False, True)
    assert consent_entries(app)[-1][3]["gpc_refused"] == ["marketing", "social"]


def test_without_the_signal_an_accept_is_stored_as_given(app: Flask, client: Any,
                                                         demo: dict) -> None:
    resp = post(client, "accept_all", all_of(True))
    assert (resp.get_json()["method"], resp.get_json()["choices"]["marketing"]) == (
        "accept_all", True)
    payload = consent_entries(app)[0][3]
    assert payload["gpc"] is False and "gpc_rule" not in payload


def test_a_choice_its_method_forbids_is_refused_with_or_without_the_signal(
        client: Any, demo: dict) -> None:
    """The signal never turns an inconsistent choice into a valid one."""
    for gpc in (False, True):
        resp = post(client, "accept_all", {**all_of(True), "marketing": False}, gpc=gpc)
        assert resp.status_code == 422


def test_a_first_visit_gets_a_fresh_random_visitor_id(client: Any, demo: dict) -> None:
    fresh = post(client, "custom", {}).get_json()["visitor_id"]
    assert uuid.UUID(fresh).version == 4 and fresh == str(uuid.UUID(fresh))
    other = post(client, "custom", {}).get_json()["visitor_id"]
    assert other != fresh  # no cookie: another new visitor
    bad = client.post(CONSENTS, json={"notice_version": 1, "choices": {}, "method": "custom",
                                      "visitor_id": "not-a-uuid"}).get_json()
    assert (bad["errors"], bad["detail"]) == ({"visitor_id": ["not a UUID"]},
                                              "visitor_id must be a UUID.")


def test_latest_choice_is_current_and_history_keeps_all(client: Any, demo: dict) -> None:
    vid = new_visitor()
    post(client, "accept_all", all_of(True), visitor_id=vid)
    post(client, "withdraw", {}, visitor_id=vid)
    post(client, "custom", {"marketing": True}, visitor_id=new_visitor())  # someone else
    current = client.get(f"{CONSENTS}/{vid}").get_json()
    assert (current["method"], current["choices"]["marketing"]) == ("withdraw", False)
    assert current["recorded_at"].endswith("Z")
    history = client.get(f"{CONSENTS}/{vid}/history").get_json()
    assert history["visitor_id"] == vid
    assert [h["method"] for h in history["events"]] == ["accept_all", "withdraw"]
    other = client.get(f"/api/v1/sites/other/consents/{vid}")
    assert other.status_code == 404  # choices belong to their site
    assert other.get_json()["detail"] == "No choice recorded for this visitor."
    assert client.get(f"/api/v1/sites/other/consents/{vid}/history").get_json()["events"] == []
