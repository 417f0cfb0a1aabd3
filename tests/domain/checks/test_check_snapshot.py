"""The snapshot a large check reads of the site's whole answer set (PostgreSQL): the same
answers as the database lookup, used only while no permission of the site has changed, and
only for lists that are large next to the site."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from tests.conftest import PG_URL
from tests.marketing_helpers import BASE, new_subject, put_permission, random_population, sender

pytestmark = pytest.mark.skipif(not PG_URL, reason="the snapshot is read on PostgreSQL")


def _loaded(app: Flask, site_id: int) -> Any:
    from service.domain.checks import snapshot as check_snapshot
    from service.extensions import db

    with app.app_context():
        loading = check_snapshot.Loading(app, site_id, "newsletter", "email")
        db.session.commit()
        try:
            return loading.result()
        finally:
            loading.close()  # drops what it built: the caller keeps its own reference


def test_snapshot_agrees_with_outcome_of(app: Flask, demo: dict) -> None:
    """Every identifier's answer from the snapshot (outcome_of's fold and precedence in SQL,
    keys truncated and searched by bucket) equals marketing.outcome_of over the same rows;
    a stranger is unknown and an invalid recipient invalid."""
    from service.domain import marketing
    from service.domain.marketing import crypto

    site_id, expected = random_population(app, 300)
    snapshot = _loaded(app, site_id)
    assert snapshot is not None and len(snapshot) == 300
    with app.app_context():
        key = crypto.lookup_key(site_id)
    stranger = crypto.lookup_hash(key, "email", "stranger@example.fi")
    hashes = [*expected, stranger, None]
    got = snapshot.answers(snapshot.generation, hashes)
    assert got[-2:] == [(None, marketing.UNKNOWN), (None, marketing.INVALID)]
    assert dict(zip(hashes[:-2], got[:-2], strict=True)) == expected
    assert len({code for _, code in expected.values()}) == 5  # every outcome was exercised
    assert snapshot.answers(snapshot.generation + 1, hashes) is None  # out of date
    assert snapshot.stale and snapshot.answers(snapshot.generation, hashes) is None


def test_a_subject_created_between_the_two_reads_has_no_permission(
        app: Flask, demo: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    """The two reads are two transactions: a subject created between them (no permission
    row yet: any would move the generation on) has keys but no outcome slot; it is answered
    "no permission", and the others as before."""
    import uuid

    from service.domain import marketing
    from service.domain.checks import snapshot as check_snapshot
    from service.domain.marketing import crypto
    from service.extensions import db
    from service.models import Subject, SubjectIdentifier

    site_id, expected = random_population(app, 30)
    with app.app_context():
        key = crypto.lookup_key(site_id)
    late = crypto.lookup_hash(key, "email", "late@example.fi")
    created = threading.Event()
    late_id: list[int] = []
    real_outcomes, real_keys = check_snapshot._load_outcomes, check_snapshot._load_keys

    def outcomes_then_a_new_subject(*args: Any) -> Any:
        out = real_outcomes(*args)
        with app.app_context():
            subject = Subject(public_id=str(uuid.uuid4()), site_id=site_id)
            db.session.add(subject)
            db.session.flush()
            db.session.add(SubjectIdentifier(site_id=site_id, subject_id=subject.id,
                                             kind="email", lookup_hash=late, ciphertext=b"-"))
            db.session.commit()
            late_id.append(subject.id)
        created.set()
        return out

    def keys_after_it(*args: Any) -> Any:
        assert created.wait(timeout=30)
        return real_keys(*args)

    monkeypatch.setattr(check_snapshot, "_load_outcomes", outcomes_then_a_new_subject)
    monkeypatch.setattr(check_snapshot, "_load_keys", keys_after_it)
    snapshot = _loaded(app, site_id)
    assert snapshot is not None
    hashes = [*expected, late]
    assert snapshot.answers(snapshot.generation, hashes) == [
        *expected.values(), (late_id[0], marketing.NO_PERMISSION)]


def test_a_key_straddling_two_keys_is_not_a_match() -> None:
    """The keys sit end to end in one byte string: a recipient's 16 bytes that equal the end
    of one key and the start of the next are found by `find`, but are no key."""
    from array import array

    from service.domain import marketing
    from service.domain.checks import snapshot as check_snapshot

    first = b"\x00\x01" + b"A" * 6 + b"\x00\x01" + b"B" * 6
    second = b"\x00\x01" + b"C" * 14
    snapshot = check_snapshot.Snapshot(7, bytearray(first + second), array("q", [
        10 * 16 + marketing.ALLOWED, 11 * 16 + marketing.WITHDRAWN]))  # id * 16 + code
    straddling = first[8:] + second[:8] + b"\xff" * 16
    assert snapshot.answers(7, [second + b"\x00" * 16, straddling, first + b"\x00" * 16]) == [
        (11, marketing.WITHDRAWN), (None, marketing.UNKNOWN), (10, marketing.ALLOWED)]


def test_no_snapshot_when_subject_ids_are_spread_out(app: Flask, demo: dict,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from service.domain.checks import snapshot as check_snapshot

    site_id, _ = random_population(app, 20)
    monkeypatch.setattr(check_snapshot, "MAX_SPREAD", 0)
    assert _loaded(app, site_id) is None


@pytest.fixture()
def people(client: Any, demo: dict) -> dict[str, str]:
    ids = {name: new_subject(client, demo, email=f"{name}@example.fi")
           for name in ("granted", "withdrawn", "prohibited", "nothing")}
    put_permission(client, demo, ids["granted"], "newsletter", "email", "granted")
    put_permission(client, demo, ids["withdrawn"], "newsletter", "email", "granted")
    put_permission(client, demo, ids["withdrawn"], "newsletter", "email", "withdrawn")
    put_permission(client, demo, ids["prohibited"], "*", "*", "prohibited")
    return ids


class Spy:
    """Counts the snapshot's answers: how many batches it answered, how many it refused."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from service.domain.checks import snapshot as check_snapshot

        self.answered = self.refused = 0
        self.first_answer = threading.Event()
        real = check_snapshot.Snapshot.answers

        def answers(snapshot: Any, generation: int, hashes: list[Any]) -> Any:
            out = real(snapshot, generation, hashes)
            if out is None:
                self.refused += 1
            else:
                self.answered += 1
                self.first_answer.set()
            return out

        monkeypatch.setattr(check_snapshot.Snapshot, "answers", answers)


def _run(expected: int | None, estimate: Any = None) -> Any:
    from service.domain import sites
    from service.domain.checks import pipeline as checks
    from service.extensions import db

    run = checks.CheckRun(sites.get_site("demo"), "newsletter", "email", "auto", "test",
                          expected=expected, estimate=estimate)
    db.session.commit()
    return run


def test_a_large_check_answers_from_the_snapshot(app: Flask, people: dict,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The sender says many are coming: every batch is answered from the snapshot, with the
    same answers as batch-by-batch lookups, all stored in order."""
    from service.domain.checks import pipeline as checks
    from service.domain.marketing import OUTCOMES

    monkeypatch.setattr(checks, "BATCH", 3)
    monkeypatch.setattr(checks, "SNAPSHOT_MIN", 1)
    spy = Spy(monkeypatch)
    recipients = ["granted@example.fi", "withdrawn@example.fi", "prohibited@example.fi",
                  "nothing@example.fi", "nobody@example.fi", "bad@"] * 3
    with app.app_context():
        run = _run(expected=len(recipients))
        codes = [c for _, batch in run.run_batches(checks.batched(recipients)) for c in batch]
        summary = run.finish()
    assert spy.answered == 6 and spy.refused == 0
    assert [OUTCOMES[c] for c in codes] == ["allowed", "withdrawn", "prohibited",
                                            "no_permission", "unknown", "invalid"] * 3
    assert summary["total"] == 18 and summary["allowed"] == 3


def test_a_body_of_known_length_says_how_many_are_coming(
        client: Any, demo: dict, app: Flask, people: dict,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An NDJSON body sent with its length (not chunked) and no `expected`: once a batch has
    come, the recipients per byte read so far tell how many are coming; the check reads the
    snapshot and answers from it."""
    from service.api import checks as marketing_checks
    from service.domain.checks import pipeline as checks

    monkeypatch.setattr(checks, "BATCH", 3)
    monkeypatch.setattr(checks, "SNAPSHOT_MIN", 1)
    spy = Spy(monkeypatch)
    estimates: list[tuple[int, int]] = []
    real = marketing_checks._estimate

    def recording(body: Any, length: int | None) -> Any:
        estimate = real(body, length)
        assert estimate is not None and length is not None
        return lambda received: estimates.append((received, estimate(received))) or \
            estimates[-1][1]

    monkeypatch.setattr(marketing_checks, "_estimate", recording)
    lines = ['"granted@example.fi"', '"withdrawn@example.fi"', '"prohibited@example.fi"',
             '"nothing@example.fi"', '"nobody@example.fi"', '"bad@"'] * 3
    resp = client.post(f"{BASE}/checks?purpose=newsletter&channel=email",
                       data="\n".join(lines) + "\n",
                       headers={**sender(demo), "Content-Type": "application/x-ndjson"})
    out = [json.loads(line) for line in resp.get_data(as_text=True).splitlines()]
    assert [r["reason"] for r in out[:6]] == [None, "withdrawn", "prohibited",
                                              "no_permission", "unknown", "invalid"]
    assert out[-1]["summary"]["total"] == 18
    assert estimates == [(3, 3)]  # the whole (small) body was read with the first batch
    assert spy.answered >= 1


def test_the_estimate_is_recipients_per_byte_read_times_the_length() -> None:
    import io

    from service.api import checks as marketing_checks

    body = marketing_checks._Counted(io.BytesIO(b"x" * 1000))
    estimate = marketing_checks._estimate(body, 1000)
    assert body.read(250) == b"x" * 250
    assert estimate(10) == 40
    assert marketing_checks._estimate(body, None) is None  # chunked: no length


@pytest.mark.parametrize("expected,received,size,limit,cached,decision", [
    (None, 4, 4, 1000, 0, "yes"),     # what came so far (4) is all of the site
    (1000, 4, 40, 1000, 0, "yes"),    # the sender says 1000 are coming
    (1000, 2, 40, 1000, 0, "later"),  # ... but not even a full batch came yet
    (1000, 4, 4, 1000, 4, "no"),      # Redis holds the site's answers already
    (1000, 4, 4, 3, 0, "no"),         # the site is larger than LUPA_CHECK_SNAPSHOT_MAX
    (1000, 4, 4, 0, 0, "no"),         # snapshots are off
    (None, 4, 40, 1000, 0, "later"),  # 4 of 40: not yet a quarter of the site
    ("body", 4, 40, 1000, 0, "yes"),  # the body's length says 1000 are coming
    ("body", 2, 40, 1000, 0, "later"),  # ... but not even a full batch came yet
])
def test_when_a_check_reads_a_snapshot(app: Flask, people: dict,
                                       monkeypatch: pytest.MonkeyPatch, expected: Any,
                                       received: int, size: int, limit: int, cached: int,
                                       decision: str) -> None:
    """When a check reads a snapshot ("body": no `expected`, but a body of known length)."""
    from service.domain.checks import pipeline as checks
    from service.domain.checks import snapshot as check_snapshot
    from service.domain.marketing import permission_cache

    monkeypatch.setattr(checks, "SNAPSHOT_MIN", 1)
    monkeypatch.setattr(checks, "BATCH", 3)
    monkeypatch.setattr(check_snapshot, "site_size", lambda site_id: size)
    monkeypatch.setattr(permission_cache, "cached", lambda *args: cached)
    monkeypatch.setitem(app.config, "LUPA_CHECK_SNAPSHOT_MAX", limit)
    with app.app_context():
        run = _run(None, lambda received: 1000) if expected == "body" else _run(expected)
        assert run._snapshot_wanted(received) == decision


def test_a_permission_change_mid_check_retires_the_snapshot(
        client: Any, demo: dict, app: Flask, people: dict,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A withdrawal acknowledged while a large check runs: the batches read after it are
    not answered from the snapshot read before it (the site's generation moved on)."""
    from service.domain.checks import pipeline as checks
    from service.domain.marketing import OUTCOMES

    monkeypatch.setattr(checks, "BATCH", 3)
    monkeypatch.setattr(checks, "SNAPSHOT_MIN", 1)
    spy = Spy(monkeypatch)

    def recipients() -> Iterator[str]:
        yield from ["granted@example.fi"] * 3
        # the first batch is answered from the snapshot: now the subject withdraws
        assert spy.first_answer.wait(timeout=30)
        put_permission(client, demo, people["granted"], "newsletter", "email", "withdrawn")
        yield from ["granted@example.fi"] * 3

    with app.app_context():
        run = _run(expected=100)
        batches = [[OUTCOMES[c] for c in codes]
                   for _, codes in run.run_batches(checks.batched(recipients()))]
        run.finish()
    assert batches == [["allowed"] * 3, ["withdrawn"] * 3]
    assert spy.answered == 1 and spy.refused == 1


@pytest.mark.parametrize("basis", ["consent", "customer_relationship", "unless_prohibited"])
def test_snapshot_agrees_with_outcome_of_by_basis(app: Flask, demo: dict, basis: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The snapshot's one query for a purpose of each basis (kind rows, customers today,
    the default for subjects with no row) equals outcome_of; it is stale on another day."""
    from datetime import timedelta

    from service.domain import marketing
    from service.domain.checks import lookup as check_lookup
    from service.domain.checks import snapshot as check_snapshot
    from service.extensions import db
    from tests.marketing_helpers import random_population_by_basis

    site_id, expected = random_population_by_basis(app, 300, basis)
    question = check_lookup.Question.now("research", "phone", marketing.Basis(basis))
    with app.app_context():
        loading = check_snapshot.Loading(app, site_id, "research", "phone", question)
        db.session.commit()
        try:
            built = loading.result()
        finally:
            loading.close()
    assert built is not None
    hashes: list[bytes | None] = list(expected)
    got = built.answers(built.generation, hashes)
    assert got is not None and dict(zip(expected, got, strict=True)) == expected
    if question.day is not None:  # the next day a relationship may have ended: stale
        from service.domain.marketing import relationships

        with monkeypatch.context() as m:
            m.setattr(relationships, "today", lambda: question.day + timedelta(days=1))
            assert built.answers(built.generation, hashes) is None
