"""Visitors' cookie choices: validating and recording them, reading the current state."""

from service.domain.consent.choices import (
    GPC_REFUSED,
    METHODS,
    REQUIRED_CATEGORY,
    ChoiceContext,
    choice_dict,
    current_choice,
    history,
    parse_visitor_id,
    record_visitor_choice,
)

__all__ = [
    "METHODS",
    "REQUIRED_CATEGORY",
    "GPC_REFUSED",
    "ChoiceContext",
    "parse_visitor_id",
    "record_visitor_choice",
    "current_choice",
    "history",
    "choice_dict",
]
