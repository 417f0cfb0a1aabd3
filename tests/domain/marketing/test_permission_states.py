"""Marketing permission states, the answer codes and their precedence: pinned by values
written from the rules (docs/marketing.md: prohibited > restricted > withdrawn > no
permission > allowed), and every combination answered alike by `decide`, by the SQL CASE
made from the same table, and by the lookups and the snapshot that fold a subject's rows
on the database."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import PG_URL


@pytest.fixture(autouse=True)
def _table_from_the_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """`decide` reads a table built at import; rebuilt here from PRECEDENCE, so that these
    tests judge the rules as they are now (a mutation tool changes them after the import)."""
    from service.domain.marketing import states

    monkeypatch.setattr(states, "_DECIDED", states.decision_table())

# Stored in check answers and cached: these numbers never change.
CODES = {"allowed": 0, "no_permission": 1, "withdrawn": 2, "prohibited": 3, "unknown": 4,
         "restricted": 5, "invalid": 6, "allowed_customer_relationship": 7,
         "allowed_unless_prohibited": 8}

# (a prohibition covers P on C, the subject's processing is restricted, the state of the
# exact (P, C) row; None: no row) -> the answer. "none" and "pending" are row states too;
# "prohibited" and "lifted" are changes, never a row's state, and grant nothing.
PRECEDENCE = [
    (False, False, None, "no_permission"),
    (False, False, "none", "no_permission"),
    (False, False, "pending", "no_permission"),
    (False, False, "granted", "allowed"),
    (False, False, "withdrawn", "withdrawn"),
    (False, False, "prohibited", "no_permission"),
    (False, False, "lifted", "no_permission"),
    (False, True, None, "restricted"),
    (False, True, "none", "restricted"),
    (False, True, "pending", "restricted"),
    (False, True, "granted", "restricted"),
    (False, True, "withdrawn", "restricted"),
    (False, True, "prohibited", "restricted"),
    (False, True, "lifted", "restricted"),
    (True, False, None, "prohibited"),
    (True, False, "none", "prohibited"),
    (True, False, "pending", "prohibited"),
    (True, False, "granted", "prohibited"),
    (True, False, "withdrawn", "prohibited"),
    (True, False, "prohibited", "prohibited"),
    (True, False, "lifted", "prohibited"),
    (True, True, None, "prohibited"),
    (True, True, "none", "prohibited"),
    (True, True, "pending", "prohibited"),
    (True, True, "granted", "prohibited"),
    (True, True, "withdrawn", "prohibited"),
    (True, True, "prohibited", "prohibited"),
    (True, True, "lifted", "prohibited"),
]


def test_the_answer_codes_keep_their_numbers() -> None:
    from service.domain import marketing
    from service.domain.marketing import Outcome

    assert {o.reason: o.value for o in Outcome} == CODES
    assert marketing.OUTCOMES == ("allowed", "no_permission", "withdrawn", "prohibited",
                                  "unknown", "restricted", "invalid",
                                  "allowed_customer_relationship", "allowed_unless_prohibited")
    assert [marketing.ALLOWED, marketing.NO_PERMISSION, marketing.WITHDRAWN,
            marketing.PROHIBITED, marketing.UNKNOWN, marketing.RESTRICTED,
            marketing.INVALID] == [0, 1, 2, 3, 4, 5, 6]


def test_the_states_a_permission_can_be_set_to() -> None:
    from service.domain import marketing

    assert [s.value for s in marketing.PermissionState] == [
        "granted", "withdrawn", "prohibited", "lifted"]
    assert list(marketing.STATES) == ["granted", "withdrawn", "prohibited", "lifted"]
    assert [s.value for s in marketing.OptInStep] == ["pending", "confirmed"]


@pytest.mark.parametrize(("prohibited", "restricted", "state", "answer"), PRECEDENCE)
def test_decide_follows_the_precedence(prohibited: bool, restricted: bool, state: str | None,
                                       answer: str) -> None:
    from service.domain.marketing import decide

    assert decide(prohibited, restricted, state) == CODES[answer]


def test_the_sql_case_answers_every_combination_alike(app: Flask) -> None:
    """The CASE the snapshot's query is made with, run on the database (SQLite, or
    PostgreSQL with LUPA_TEST_DATABASE_URL) for every combination at once."""
    from service.domain.marketing import sql_case
    from service.extensions import db

    rows = " UNION ALL ".join(
        f"SELECT {i} AS i, CAST(:p{i} AS BOOLEAN) AS p, CAST(:r{i} AS BOOLEAN) AS r, "
        f"CAST(:s{i} AS VARCHAR(16)) AS s" for i in range(len(PRECEDENCE)))
    params: dict[str, Any] = {}
    for i, (prohibited, restricted, state, _) in enumerate(PRECEDENCE):
        params |= {f"p{i}": prohibited, f"r{i}": restricted, f"s{i}": state}
    query = f"SELECT t.i, {sql_case('t.p', 't.r', 't.s')} FROM ({rows}) AS t ORDER BY t.i"
    with app.app_context():
        got = [code for _, code in db.session.execute(sa.text(query), params)]
    assert got == [CODES[answer] for *_, answer in PRECEDENCE]


# A prohibition in any row that matches P on C counts (`*` matches every purpose or channel).
PROHIBITING = [("newsletter", "email"), ("*", "email"), ("newsletter", "*"), ("*", "*")]


def _population(app: Flask) -> tuple[int, list[bytes]]:
    """One subject of the demo site per line of PRECEDENCE (newsletter by email); the
    prohibition in turn on the exact row and on each `*` pattern, and a granted row for
    another purpose that must not count -> site id, each subject's keyed hash."""
    import uuid

    from service.domain import sites
    from service.domain.marketing import crypto
    from service.extensions import db
    from service.models import MarketingPermission, Subject, SubjectIdentifier
    from service.models.types import utcnow

    hashes = []
    with app.app_context():
        site = sites.get_site("demo")
        key = crypto.lookup_key(site.id)
        for i, (prohibited, restricted, state, _) in enumerate(PRECEDENCE):
            subject = Subject(public_id=str(uuid.uuid4()), site_id=site.id,
                              restricted_at=utcnow() if restricted else None)
            db.session.add(subject)
            db.session.flush()
            hashes.append(crypto.lookup_hash(key, "email", f"state{i}@example.fi"))
            db.session.add(SubjectIdentifier(site_id=site.id, subject_id=subject.id,
                                             kind="email", lookup_hash=hashes[-1],
                                             ciphertext=b"-"))
            rows = {("offers", "email"): ("granted", False)}
            if state is not None:
                rows[("newsletter", "email")] = (state, False)
            if prohibited:
                pattern = PROHIBITING[i % len(PROHIBITING)]
                rows[pattern] = (rows.get(pattern, ("none", False))[0], True)
            for (purpose, channel), (row_state, row_prohibited) in rows.items():
                db.session.add(MarketingPermission(
                    site_id=site.id, subject_id=subject.id, purpose=purpose, channel=channel,
                    state=row_state, prohibited=row_prohibited, updated_at=utcnow()))
        db.session.commit()
        return site.id, hashes


def test_the_lookups_fold_and_answer_every_combination(app: Flask, demo: dict) -> None:
    """The database lookup of a check (on PostgreSQL the fold in SQL, then decide; on
    SQLite outcome_of) gives each line's answer."""
    from service.domain.checks import lookup

    site_id, hashes = _population(app)
    with app.app_context():
        got = lookup.lookup_db(site_id, "newsletter", "email", hashes)
    assert [got[h][1] for h in hashes] == [CODES[answer] for *_, answer in PRECEDENCE]


@pytest.mark.skipif(not PG_URL, reason="the snapshot is read on PostgreSQL")
def test_the_snapshot_folds_and_answers_every_combination(app: Flask, demo: dict) -> None:
    """The snapshot's one query (the fold and the CASE in SQL) gives each line's answer."""
    from service.domain.checks import snapshot
    from service.extensions import db

    site_id, hashes = _population(app)
    with app.app_context():
        loading = snapshot.Loading(app, site_id, "newsletter", "email")
        db.session.commit()
        try:
            built = loading.result()
        finally:
            loading.close()
    assert built is not None
    got = built.answers(built.generation, list(hashes))
    assert got is not None
    assert [code for _, code in got] == [CODES[answer] for *_, answer in PRECEDENCE]


# --- bases (docs/marketing.md "Bases"): consent needs a grant; a customer relationship
# allows an active customer who has not objected; "unless prohibited" anyone known who has
# not. A prohibition, a restriction and a withdrawal (an objection) stop every basis; a grant
# is a consent whatever the basis. (prohibited, restricted, state, basis, customer) -> answer.
BASES = [
    (False, False, None, "consent", True, "no_permission"),
    (False, False, "granted", "consent", False, "allowed"),
    (False, False, None, "customer_relationship", False, "no_permission"),
    (False, False, None, "customer_relationship", True, "allowed_customer_relationship"),
    (False, False, "none", "customer_relationship", True, "allowed_customer_relationship"),
    (False, False, "pending", "customer_relationship", True, "allowed_customer_relationship"),
    (False, False, "granted", "customer_relationship", False, "allowed"),
    (False, False, "granted", "customer_relationship", True, "allowed"),
    (False, False, "withdrawn", "customer_relationship", True, "withdrawn"),
    (True, False, None, "customer_relationship", True, "prohibited"),
    (False, True, None, "customer_relationship", True, "restricted"),
    (True, True, "granted", "customer_relationship", True, "prohibited"),
    (False, False, None, "unless_prohibited", False, "allowed_unless_prohibited"),
    (False, False, "none", "unless_prohibited", True, "allowed_unless_prohibited"),
    (False, False, "granted", "unless_prohibited", False, "allowed"),
    (False, False, "withdrawn", "unless_prohibited", False, "withdrawn"),
    (True, False, None, "unless_prohibited", False, "prohibited"),
    (True, False, "granted", "unless_prohibited", False, "prohibited"),
    (False, True, None, "unless_prohibited", False, "restricted"),
]


@pytest.mark.parametrize(("prohibited", "restricted", "state", "basis", "customer", "answer"),
                         BASES)
def test_decide_answers_by_the_purposes_basis(prohibited: bool, restricted: bool,
                                              state: str | None, basis: str, customer: bool,
                                              answer: str) -> None:
    from service.domain.marketing import Outcome, decide

    got = decide(prohibited, restricted, state, basis, customer)
    assert got == CODES[answer]
    assert got.basis == {"allowed": "consent",
                         "allowed_customer_relationship": "customer_relationship",
                         "allowed_unless_prohibited": "unless_prohibited"}.get(answer)
    assert Outcome(CODES[answer]).reason == answer


def test_the_sql_case_answers_every_basis_alike(app: Flask) -> None:
    """The CASE made for each basis, on the database, gives the table's answers."""
    from service.domain.marketing import sql_case
    from service.extensions import db

    for basis in ("consent", "customer_relationship", "unless_prohibited"):
        lines = [line for line in BASES if line[3] == basis]
        rows = " UNION ALL ".join(
            f"SELECT {i} AS i, CAST(:p{i} AS BOOLEAN) AS p, CAST(:r{i} AS BOOLEAN) AS r, "
            f"CAST(:s{i} AS VARCHAR(16)) AS s, CAST(:c{i} AS BOOLEAN) AS c"
            for i in range(len(lines)))
        params: dict[str, Any] = {}
        for i, (prohibited, restricted, state, _, customer, _) in enumerate(lines):
            params |= {f"p{i}": prohibited, f"r{i}": restricted, f"s{i}": state,
                       f"c{i}": customer}
        case = sql_case("t.p", "t.r", "t.s", "t.c", basis)
        with app.app_context():
            got = [code for _, code in db.session.execute(
                sa.text(f"SELECT t.i, {case} FROM ({rows}) AS t ORDER BY t.i"), params)]
        assert got == [CODES[line[-1]] for line in lines], basis


def test_the_schema_offers_the_domains_bases_and_kinds() -> None:
    """The notice schema's lists (it cannot import the domain) are the domain's enums."""
    from service.domain.marketing import Basis, ProhibitionKind
    from service.schemas import notice

    assert notice.MARKETING_BASES == tuple(b.value for b in Basis) == (
        "consent", "customer_relationship", "unless_prohibited")
    assert notice.PROHIBITION_KINDS == tuple(k.value for k in ProhibitionKind) == (
        "direct_marketing", "distance_selling", "market_research", "address_disclosure",
        "list_publication")


@pytest.mark.parametrize(("basis", "answer"), [
    ("consent", "no_permission"),                # no row: nobody agreed
    ("customer_relationship", "no_permission"),  # no relationship: not a customer
    ("unless_prohibited", "allowed_unless_prohibited"),
])
def test_a_subject_with_no_rows_is_answered_by_the_basis_alone(basis: str,
                                                               answer: str) -> None:
    from service.domain.marketing.states import Outcome, without_rows

    assert without_rows(basis) == Outcome[answer.upper()]
