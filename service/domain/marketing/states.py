"""Marketing permission states and answer codes, and the one precedence table that turns a
subject's folded permission rows into an answer (Python's `decide` and the snapshot's SQL
CASE are both derived from it).

A leaf: no database, no Flask, so that schemas, SQL builders and tests can read it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum


class PermissionState(StrEnum):
    """A change of a permission an admin or the subject asks for (the API's `state`).
    Granted and withdrawn are also the row's state; a prohibition is the row's flag."""

    GRANTED = "granted"
    WITHDRAWN = "withdrawn"
    PROHIBITED = "prohibited"
    LIFTED = "lifted"  # a prohibition lifted by the subject


class OptInStep(StrEnum):
    """The double opt-in's two steps: changes set_permission also takes (not in the API)."""

    PENDING = "pending"  # asked for by a signup form; a row state until the link is followed
    CONFIRMED = "confirmed"  # the mailed link followed: the row becomes granted


NO_STATE = "none"  # a row's state before any grant or withdrawal (made for a prohibition)
PROHIBITION_LIFTED = "prohibition_lifted"  # the event change of a lift
OPT_OUTS = (PermissionState.WITHDRAWN, PermissionState.PROHIBITED)  # what an opt-out sets
WITHDRAWABLE = (PermissionState.GRANTED, OptInStep.PENDING)  # row states a withdrawal ends


class Outcome(IntEnum):
    """The answer about one recipient. The values are stored (check answers) and cached
    (Redis, snapshots): never renumber, only add."""

    ALLOWED = 0
    NO_PERMISSION = 1
    WITHDRAWN = 2
    PROHIBITED = 3
    UNKNOWN = 4  # not a subject of the site
    RESTRICTED = 5  # processing restricted (GDPR art. 18)
    INVALID = 6  # not an email, phone or customer number

    @property
    def reason(self) -> str:
        """The name the API and the exports give it."""
        return self.name.lower()


@dataclass(frozen=True)
class When:
    """What must hold of a subject's folded rows for one line of the precedence: a
    prohibition covering P on C, a restriction, the exact row's state (all that are given)."""

    prohibited: bool = False
    restricted: bool = False
    state: PermissionState | None = None

    def holds(self, prohibited: bool, restricted: bool, state: str | None) -> bool:
        return ((prohibited or not self.prohibited) and (restricted or not self.restricted)
                and (self.state is None or state == self.state))

    def sql(self, prohibited: str, restricted: str, state: str) -> str:
        """The same test in SQL, given the SQL expressions of the three facts."""
        parts = [prohibited] * self.prohibited + [restricted] * self.restricted
        if self.state is not None:
            parts.append(f"{state} = '{self.state.value}'")
        return " AND ".join(parts)


# The precedence: the first line that holds gives the answer; none: OTHERWISE. So a
# prohibition beats a restriction, which beats the state of the (P, C) row. The state lines
# exclude each other (a row has one state): the most frequent first, as the SQL tests them.
PRECEDENCE: tuple[tuple[When, Outcome], ...] = (
    (When(prohibited=True), Outcome.PROHIBITED),
    (When(restricted=True), Outcome.RESTRICTED),
    (When(state=PermissionState.GRANTED), Outcome.ALLOWED),
    (When(state=PermissionState.WITHDRAWN), Outcome.WITHDRAWN),
)
OTHERWISE = Outcome.NO_PERMISSION


def _first_holding(prohibited: bool, restricted: bool, state: str | None) -> Outcome:
    for when, outcome in PRECEDENCE:
        if when.holds(prohibited, restricted, state):
            return outcome
    return OTHERWISE


# decide is on the hot path of every check (once per recipient): the table is read once
# here into [prohibited][restricted] -> (answer by the states the table names, answer for
# any other state or none). A state the table does not name never makes a line hold.
_NAMED_STATES = tuple(when.state for when, _ in PRECEDENCE if when.state is not None)
_Answers = tuple[dict[str | None, Outcome], Outcome]


def _answers(prohibited: bool, restricted: bool) -> _Answers:
    return ({state: _first_holding(prohibited, restricted, state) for state in _NAMED_STATES},
            _first_holding(prohibited, restricted, None))


_DECIDED: list[list[_Answers]] = [[_answers(p, r) for r in (False, True)] for p in (False, True)]


def decide(prohibited: bool, restricted: bool, state: str | None) -> Outcome:
    """The answer for a subject's folded rows: whether a prohibition covers P on C, whether
    the subject's processing is restricted, the exact (P, C) row's state (None: no row)."""
    by_state, otherwise = _DECIDED[prohibited][restricted]
    return by_state.get(state, otherwise)


def sql_case(prohibited: str, restricted: str, state: str) -> str:
    """`decide` as an SQL CASE over the SQL expressions of the three facts."""
    whens = " ".join(f"WHEN {when.sql(prohibited, restricted, state)} THEN {outcome.value}"
                     for when, outcome in PRECEDENCE)
    return f"CASE {whens} ELSE {OTHERWISE.value} END"
