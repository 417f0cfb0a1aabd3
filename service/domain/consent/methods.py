"""How a visitor's choice was made, and the one table of what each way may grant.

Adding a method: a member of ConsentMethod, a row of RULES, and their tests (the API
schema, the OpenAPI document, the validation of a choice and the promise report read these;
tests/test_consent_methods.py also checks that the widget sends every method).
A leaf: no database, no Flask."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

REQUIRED_CATEGORY = "necessary"  # every notice has it, and every choice grants it


class ConsentMethod(StrEnum):
    """Stored with each consent event and sent by the widget."""

    ACCEPT_ALL = "accept_all"
    REJECT_ALL = "reject_all"
    CUSTOM = "custom"
    GPC = "gpc"  # the browser's Global Privacy Control signal, applied by the widget
    WITHDRAW = "withdraw"  # a refusal of everything after an earlier grant


class Grant(StrEnum):
    """What a method says about one category of a choice."""

    MUST = "must"  # the method grants it: a choice refusing it contradicts the method
    MAY = "may"  # the visitor decides
    NEVER = "never"  # the method refuses it: a choice granting it contradicts the method


@dataclass(frozen=True)
class MethodRule:
    """What a method grants of each optional category (all but REQUIRED_CATEGORY)."""

    optional: Grant
    except_for: Mapping[str, Grant] = field(default_factory=dict)  # by category key


RULES: Mapping[ConsentMethod, MethodRule] = {
    ConsentMethod.ACCEPT_ALL: MethodRule(Grant.MUST),
    ConsentMethod.REJECT_ALL: MethodRule(Grant.NEVER),
    ConsentMethod.CUSTOM: MethodRule(Grant.MAY),
    # GPC is an opt-out of sale and sharing: marketing stays refused, the rest is chosen.
    ConsentMethod.GPC: MethodRule(Grant.MAY, {"marketing": Grant.NEVER}),
    ConsentMethod.WITHDRAW: MethodRule(Grant.NEVER),
}


# Global Privacy Control (`Sec-GPC: 1`) is an opt-out of sale and sharing: it covers every
# category of these types (docs/notice-format.md: the type, not the key, drives the widget).
GPC_COVERED_TYPES = frozenset({"marketing"})
# The rule the service applies to a choice sent with the signal, named in its audit entry: a
# grant of a covered category is stored as refused, and the method becomes `gpc` (the widget
# does the same before sending; there is no override: the widget locks those categories).
GPC_RULE = "gpc_refuses_marketing"


def under_gpc(method: ConsentMethod, choices: Mapping[str, bool],
              types: Mapping[str, str]) -> tuple[ConsentMethod, dict[str, bool], list[str]]:
    """A resolved choice sent with the GPC signal: the method and choices to store, and the
    categories the signal refused (by type, `types`: category key -> type)."""
    refused = sorted(k for k, granted in choices.items()
                     if granted and types.get(k) in GPC_COVERED_TYPES)
    if not refused:
        return method, dict(choices), []
    return ConsentMethod.GPC, {**choices, **dict.fromkeys(refused, False)}, refused


def parse(method: str) -> ConsentMethod | None:
    """The method of that name, or None."""
    try:
        return ConsentMethod(method)
    except ValueError:
        return None


def rule_for(method: ConsentMethod, category: str) -> Grant:
    """What `method` says about `category`."""
    if category == REQUIRED_CATEGORY:
        return Grant.MUST
    rule = RULES[method]
    return rule.except_for.get(category, rule.optional)


def may_grant(method: str, category: str) -> bool:
    """Whether a choice made by `method` may grant `category` (an unknown method grants
    nothing: a stored event with one was not made through the API)."""
    known = parse(method)
    return known is not None and rule_for(known, category) is not Grant.NEVER


def contradictions(method: ConsentMethod, choices: Mapping[str, bool]) -> dict[str, Grant]:
    """The categories of a resolved choice that its method contradicts, with what the
    method says of each (MUST: refused though the method grants it; NEVER: the reverse)."""
    out: dict[str, Grant] = {}
    for category, granted in choices.items():
        says = rule_for(method, category)
        if (says is Grant.MUST and not granted) or (says is Grant.NEVER and granted):
            out[category] = says
    return out
