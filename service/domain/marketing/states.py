"""Marketing permission states, the bases a purpose may rest on, answer codes, and the one
precedence table that turns a subject's folded permission rows into an answer (Python's
`decide` and the snapshot's SQL CASE are both derived from it).

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


class Basis(StrEnum):
    """What a marketing purpose of the notice rests on (`marketing.purposes[].basis`)."""

    CONSENT = "consent"  # opt-in: only with a grant (double opt-in for e-mail and SMS)
    # soft opt-in: a customer with an active relationship, until they object
    CUSTOMER_RELATIONSHIP = "customer_relationship"
    UNLESS_PROHIBITED = "unless_prohibited"  # anyone known, unless they prohibited it


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
    ALLOWED_CUSTOMER_RELATIONSHIP = 7  # may contact: an active customer who has not objected
    ALLOWED_UNLESS_PROHIBITED = 8  # may contact: known, and nothing prohibits it

    @property
    def reason(self) -> str:
        """The name the API and the exports give it (and a check's counts)."""
        return self.name.lower()

    @property
    def basis(self) -> Basis | None:
        """The basis that allowed the contact; None when it is not allowed."""
        return ALLOWING.get(self)


# The answers that say "may contact", each with the basis that allowed it. ALLOWED (0) is
# the consent's: its code predates the other bases.
ALLOWING: dict[Outcome, Basis] = {
    Outcome.ALLOWED: Basis.CONSENT,
    Outcome.ALLOWED_CUSTOMER_RELATIONSHIP: Basis.CUSTOMER_RELATIONSHIP,
    Outcome.ALLOWED_UNLESS_PROHIBITED: Basis.UNLESS_PROHIBITED,
}


@dataclass(frozen=True)
class When:
    """What must hold for one line of the precedence (all that are given): a prohibition
    covering P on C, a restriction, the exact row's state, the purpose's basis, an active
    customer relationship on the day asked."""

    prohibited: bool = False
    restricted: bool = False
    state: PermissionState | None = None
    basis: Basis | None = None
    customer: bool = False

    def holds(self, prohibited: bool, restricted: bool, state: str | None, basis: str,
              customer: bool) -> bool:
        return ((prohibited or not self.prohibited) and (restricted or not self.restricted)
                and (self.state is None or state == self.state)
                and (self.basis is None or basis == self.basis)
                and (customer or not self.customer))

    def sql(self, prohibited: str, restricted: str, state: str, customer: str,
            basis: str) -> str | None:
        """The same test in SQL, given the SQL expressions of the facts and the purpose's
        basis (a value: one query asks about one purpose); None when it cannot hold."""
        if self.basis is not None and basis != self.basis:
            return None
        parts = ([prohibited] * self.prohibited + [restricted] * self.restricted
                 + [customer] * self.customer)
        if self.state is not None:
            parts.append(f"{state} = '{self.state.value}'")
        return " AND ".join(parts) or "TRUE"


# The precedence: the first line that holds gives the answer; none: OTHERWISE. So a
# prohibition beats a restriction, which beats the state of the (P, C) row (a grant is a
# consent, whatever the purpose's basis; a withdrawal is an objection), which beats what the
# basis allows without a grant. The state lines exclude each other (a row has one state): the
# most frequent first, as the SQL tests them.
PRECEDENCE: tuple[tuple[When, Outcome], ...] = (
    (When(prohibited=True), Outcome.PROHIBITED),
    (When(restricted=True), Outcome.RESTRICTED),
    (When(state=PermissionState.GRANTED), Outcome.ALLOWED),
    (When(state=PermissionState.WITHDRAWN), Outcome.WITHDRAWN),
    (When(basis=Basis.CUSTOMER_RELATIONSHIP, customer=True),
     Outcome.ALLOWED_CUSTOMER_RELATIONSHIP),
    (When(basis=Basis.UNLESS_PROHIBITED), Outcome.ALLOWED_UNLESS_PROHIBITED),
)
OTHERWISE = Outcome.NO_PERMISSION


def _first_holding(prohibited: bool, restricted: bool, state: str | None, basis: str,
                   customer: bool) -> Outcome:
    for when, outcome in PRECEDENCE:
        if when.holds(prohibited, restricted, state, basis, customer):
            return outcome
    return OTHERWISE


# decide is on the hot path of every check (once per recipient): the table is read once
# here into [basis][prohibited][restricted][customer] -> (answer by the states the table
# names, answer for any other state or none). A state the table does not name never makes
# a line hold.
_NAMED_STATES = tuple(when.state for when, _ in PRECEDENCE if when.state is not None)
_Answers = tuple[dict[str | None, Outcome], Outcome]


def _answers(prohibited: bool, restricted: bool, basis: str, customer: bool) -> _Answers:
    return ({state: _first_holding(prohibited, restricted, state, basis, customer)
             for state in _NAMED_STATES},
            _first_holding(prohibited, restricted, None, basis, customer))


def decision_table() -> dict[str, list[list[list[_Answers]]]]:
    """Every answer of PRECEDENCE, by [basis][prohibited][restricted][customer]; built once at
    import for `decide` (tests rebuild it, so that a changed rule shows in the table too)."""
    return {
        basis: [[[_answers(p, r, basis, c) for c in (False, True)] for r in (False, True)]
                for p in (False, True)]
        for basis in Basis
    }


_DECIDED = decision_table()


def decide(prohibited: bool, restricted: bool, state: str | None,
           basis: str = Basis.CONSENT, customer: bool = False) -> Outcome:
    """The answer for a subject's folded rows: whether a prohibition covers P on C, whether
    the subject's processing is restricted, the exact (P, C) row's state (None: no row), the
    purpose's basis and whether the subject is a customer (an active relationship) today."""
    by_state, otherwise = _DECIDED[basis][prohibited][restricted][customer]
    return by_state.get(state, otherwise)


def without_rows(basis: str) -> Outcome:
    """The answer for a subject with no permission row, no restriction, no relationship."""
    return decide(False, False, None, basis, False)


def sql_case(prohibited: str, restricted: str, state: str, customer: str = "FALSE",
             basis: str = Basis.CONSENT) -> str:
    """`decide` as an SQL CASE over the SQL expressions of the facts, for one basis."""
    whens = " ".join(f"WHEN {test} THEN {outcome.value}" for when, outcome in PRECEDENCE
                     if (test := when.sql(prohibited, restricted, state, customer, basis))
                     is not None)
    return f"CASE {whens} ELSE {OTHERWISE.value} END"
