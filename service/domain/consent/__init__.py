"""Visitors' cookie choices: validating and recording them, reading the current state.
The consent methods and what each may grant are data in `methods`."""

from service.domain.consent.choices import (
    ChoiceContext,
    check_method,
    choice_dict,
    current_choice,
    history,
    parse_visitor_id,
    record_visitor_choice,
)
from service.domain.consent.methods import REQUIRED_CATEGORY, RULES, ConsentMethod, Grant
from service.domain.consent.visitors import cookie_value, visitor_of_cookie

__all__ = [
    "ConsentMethod",
    "Grant",
    "RULES",
    "REQUIRED_CATEGORY",
    "ChoiceContext",
    "check_method",
    "parse_visitor_id",
    "record_visitor_choice",
    "current_choice",
    "history",
    "choice_dict",
    "cookie_value",
    "visitor_of_cookie",
]
