"""The consent methods and what each may grant: the table, pinned by values written from the
rules (not computed by the code), through the API and the promise report, and the widget
and the OpenAPI document offering exactly these methods."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import new_visitor

CONSENTS = "/api/v1/sites/demo/consents"
WIDGET_SRC = Path(__file__).resolve().parents[3] / "widget" / "src"

# The demo notice's categories, in this order.
CATEGORIES = ("necessary", "preferences", "analytics", "marketing")
# What each method says of each category: "must" (a choice refusing it is refused), "may"
# (the visitor decides), "never" (a choice granting it is refused).
RULES = {
    "accept_all": ("must", "must", "must", "must"),
    "reject_all": ("must", "never", "never", "never"),
    "custom": ("must", "may", "may", "may"),
    "gpc": ("must", "may", "may", "never"),  # GPC: marketing stays refused
    "withdraw": ("must", "never", "never", "never"),
}


def test_the_methods_are_these() -> None:
    from service.domain.consent import ConsentMethod

    assert [m.value for m in ConsentMethod] == list(RULES)


@pytest.mark.parametrize("method", list(RULES))
def test_what_each_method_says_of_each_category(method: str) -> None:
    from service.domain.consent import ConsentMethod, methods

    says = [methods.rule_for(ConsentMethod(method), c).value for c in CATEGORIES]
    assert says == list(RULES[method])
    # A category the table does not name follows the method's rule for optional ones.
    assert methods.rule_for(ConsentMethod(method), "functional").value == RULES[method][1]


@pytest.mark.parametrize("method", list(RULES))
def test_each_category_granted_or_refused_through_the_api(client: Any, demo: dict,
                                                          method: str) -> None:
    """For each category, a choice granting it and one refusing it (the others as the
    method wants them): 201 when the table allows it, 422 otherwise."""
    rules = dict(zip(CATEGORIES, RULES[method], strict=True))
    for category in CATEGORIES:
        for granted in (True, False):
            choices = {c: rule == "must" for c, rule in rules.items()}
            choices[category] = granted
            allowed = {"must": granted, "may": True, "never": not granted}[rules[category]]
            resp = client.post(CONSENTS, json={"visitor_id": new_visitor(), "notice_version": 1,
                                               "method": method, "choices": choices})
            assert resp.status_code == (201 if allowed else 422), (category, granted,
                                                                   resp.get_json())
            if allowed:
                assert resp.get_json()["choices"] == choices
                assert resp.get_json()["method"] == method


def test_a_contradiction_says_what_is_wrong(client: Any, demo: dict) -> None:
    def errors(method: str, **choices: bool) -> Any:
        resp = client.post(CONSENTS, json={"notice_version": 1, "method": method,
                                           "choices": choices})
        assert resp.status_code == 422
        return resp.get_json()["errors"]

    assert errors("accept_all", analytics=False) == {"method": ["inconsistent"]}
    assert errors("withdraw", preferences=True) == {"method": ["inconsistent"]}
    assert errors("gpc", marketing=True) == {"choices": {"marketing": ["refused under gpc"]}}
    assert "necessary" in errors("custom", necessary=False)["choices"]


def test_a_gpc_header_refuses_marketing_on_top_of_the_method(client: Any, demo: dict) -> None:
    """What a choice may grant is its method's; the Sec-GPC header then refuses marketing
    (the server's GPC rule, docs/notice-format.md), and the choice is stored as method gpc."""
    resp = client.post(CONSENTS, headers={"Sec-GPC": "1"}, json={
        "notice_version": 1, "method": "custom", "choices": {"marketing": True}})
    assert resp.status_code == 201
    assert (resp.get_json()["method"], resp.get_json()["choices"]["marketing"]) == ("gpc", False)


@pytest.mark.parametrize("method", [*RULES, "maybe"])
def test_what_the_promise_report_counts_as_a_grant_by_choice(method: str) -> None:
    """The report's consent promise: a stored choice grants only what its method may (an
    unknown method, never written through the API, may grant nothing)."""
    from service.domain.consent import methods

    expected = [rule != "never" for rule in RULES.get(method, ("never",) * 4)]
    assert [methods.may_grant(method, c) for c in CATEGORIES] == expected


def test_the_api_document_offers_exactly_the_methods(client: Any) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    method = doc["components"]["schemas"]["ConsentIn"]["properties"]["method"]
    assert method["enum"] == list(RULES)


def _widget_methods() -> set[str]:
    """The methods the widget sends: record('<method>', ...) and method = '<method>'."""
    source = "\n".join(p.read_text("utf-8") for p in sorted(WIDGET_SRC.glob("*.js")))
    return (set(re.findall(r"\brecord\(\s*'([a-z_]+)'", source))
            | set(re.findall(r"\bmethod\s*=\s*'([a-z_]+)'", source)))


def test_the_widget_sends_every_method_and_no_other() -> None:
    """A method added to the service without the widget (or the reverse) fails here."""
    from service.domain.consent import ConsentMethod

    sent, known = _widget_methods(), {m.value for m in ConsentMethod}
    assert not known - sent, f"the widget (widget/src) never sends {sorted(known - sent)}"
    assert not sent - known, f"the widget sends {sorted(sent - known)}, unknown to the service"
