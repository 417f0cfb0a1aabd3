"""Pre-send checks: answers and reasons, JSON and streamed NDJSON/CSV, every answer stored,
one audit entry per check with a digest, and bad input."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.marketing_helpers import (
    BASE,
    admin,
    audit_actions,
    check,
    count,
    new_subject,
    put_permission,
    random_population,
    reasons,
    sender,
)


@pytest.fixture()
def population(client: Any, demo: dict) -> dict[str, str]:
    """granted / withdrawn / prohibited / no permission / restricted subjects."""
    ids = {}
    for name in ("granted", "withdrawn", "prohibited", "nothing"):
        ids[name] = new_subject(client, demo, email=f"{name}@example.fi",
                                phone=f"+35840{len(ids) + 1:07d}",
                                customer_number=f"C-{len(ids) + 1}")
    put_permission(client, demo, ids["granted"], "newsletter", "email", "granted")
    put_permission(client, demo, ids["granted"], "newsletter", "sms", "granted")
    put_permission(client, demo, ids["withdrawn"], "newsletter", "email", "granted")
    put_permission(client, demo, ids["withdrawn"], "newsletter", "email", "withdrawn")
    put_permission(client, demo, ids["prohibited"], "newsletter", "email", "granted")
    put_permission(client, demo, ids["prohibited"], "*", "*", "prohibited")
    return ids


def test_json_check_gives_each_reason(client: Any, demo: dict, population: dict) -> None:
    body = check(client, demo, ["Granted@Example.fi", "withdrawn@example.fi",
                                "prohibited@example.fi", "nothing@example.fi",
                                "stranger@example.fi", "not an email@", "C-1", "+358400000001"])
    assert reasons(body) == [None, "withdrawn", "prohibited", "no_permission", "unknown",
                             "invalid", None, None]
    assert [r["recipient"] for r in body["results"]][0] == "Granted@Example.fi"
    assert body["total"] == 8 and body["allowed"] == 3
    assert body["counts"] == {"allowed": 3, "withdrawn": 1, "prohibited": 1,
                              "no_permission": 1, "unknown": 1, "invalid": 1}


def test_id_type_selects_how_recipients_are_read(client: Any, demo: dict,
                                                 population: dict) -> None:
    body = check(client, demo, ["040 0000001", "0400000002"], channel="sms", id_type="phone")
    assert reasons(body) == [None, "no_permission"]


def test_restricted_subject_is_not_contacted(client: Any, demo: dict, app: Flask,
                                             population: dict) -> None:
    from service.extensions import db

    with app.app_context():
        db.session.execute(sa.text("UPDATE subjects SET restricted_at = CURRENT_TIMESTAMP "
                                   "WHERE public_id = :p"), {"p": population["granted"]})
        db.session.commit()
    assert reasons(check(client, demo, ["granted@example.fi"])) == ["restricted"]


def test_every_answer_is_kept_and_one_audit_entry_per_check(client: Any, demo: dict,
                                                            app: Flask,
                                                            population: dict) -> None:
    before = audit_actions(app)
    body = check(client, demo, ["granted@example.fi", "prohibited@example.fi",
                                "unknown@example.fi"])
    check(client, demo, ["granted@example.fi"], "offers")
    assert audit_actions(app)[len(before):] == ["marketing.checked", "marketing.checked"]
    assert count(app, "marketing_check_answers") == 4
    from service.extensions import db

    with app.app_context():
        payload = json.loads(db.session.execute(sa.text(
            "SELECT payload FROM audit_entries WHERE action = 'marketing.checked' "
            "ORDER BY seq LIMIT 1")).scalar_one())
    assert payload["check_id"] == body["check_id"] and payload["digest"] == body["digest"]
    assert payload["total"] == 3 and payload["allowed"] == 1
    answers = client.get(f"{BASE}/subjects/{population['granted']}/answers",
                         headers={"Authorization": f"Bearer {demo['keys']['auditor']}"})
    assert answers.status_code == 200
    got = [(a["purpose"], a["may_contact"], a["reason"]) for a in answers.get_json()["answers"]]
    assert got == [("newsletter", True, None), ("offers", False, "no_permission")]
    assert client.get(f"{BASE}/subjects/{population['granted']}/answers",
                      headers=sender(demo)).status_code == 403


def test_digest_covers_every_answer_in_order(client: Any, demo: dict, app: Flask,
                                             population: dict) -> None:
    body = check(client, demo, ["granted@example.fi", "nobody@example.fi"])
    from service.extensions import db

    with app.app_context():
        rows = db.session.execute(sa.text(
            "SELECT position, lookup_hash, outcome FROM marketing_check_answers a "
            "JOIN marketing_checks c ON c.id = a.check_id WHERE c.public_id = :p "
            "ORDER BY position"), {"p": body["check_id"]}).all()
    digest = hashlib.sha256()
    for pos, h, outcome in rows:
        digest.update(b"%d:%s:%d\n" % (pos, bytes(h).hex().encode(), outcome))
    assert digest.hexdigest() == body["digest"]


def test_ndjson_streams_answers_and_a_summary(client: Any, demo: dict, app: Flask,
                                              population: dict) -> None:
    lines = ['"granted@example.fi"', '{"recipient": "withdrawn@example.fi"}',
             "prohibited@example.fi", "", "{broken", '{"recipient": 5}', "x" * 5000,
             "nobody@example.fi"]
    resp = client.post(f"{BASE}/checks?purpose=newsletter&channel=email",
                       data="\n".join(lines) + "\n", headers={
                           **sender(demo), "Content-Type": "application/x-ndjson"})
    assert resp.status_code == 200
    assert resp.mimetype == "application/x-ndjson"
    out = [json.loads(line) for line in resp.get_data(as_text=True).splitlines()]
    summary = out.pop()["summary"]
    assert [r["reason"] for r in out] == [None, "withdrawn", "prohibited", "invalid",
                                          "invalid", "invalid", "unknown"]
    assert summary["total"] == 7 and summary["allowed"] == 1
    assert summary["status"] == "complete"
    assert resp.headers["X-Lupa-Check-Id"] == summary["check_id"]
    assert count(app, "marketing_check_answers") == 7
    assert audit_actions(app)[-1] == "marketing.checked"


def test_large_ndjson_check_beyond_the_json_body_limit(client: Any, demo: dict, app: Flask,
                                                       population: dict) -> None:
    n = 12000  # more than one batch and more than the 64 KiB default body limit
    body = "".join(f'"r{i}@example.fi"\n' for i in range(n)) + '"granted@example.fi"\n'
    resp = client.post(f"{BASE}/checks?purpose=newsletter&channel=email", data=body,
                       headers={**sender(demo), "Content-Type": "application/x-ndjson"})
    lines = resp.get_data(as_text=True).splitlines()
    assert len(lines) == n + 2
    assert json.loads(lines[-2])["may_contact"] is True
    assert json.loads(lines[-1])["summary"]["counts"] == {"allowed": 1, "unknown": n}
    assert count(app, "marketing_check_answers") == n + 1


def test_csv_in_csv_out(client: Any, demo: dict, population: dict) -> None:
    resp = client.post(f"{BASE}/checks?purpose=newsletter&channel=email",
                       data="email,name\ngranted@example.fi,Anna\nprohibited@example.fi,Bo\n",
                       headers={**sender(demo), "Content-Type": "text/csv"})
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.get_data(as_text=True) == ("recipient,may_contact,reason,basis\n"
                                           "granted@example.fi,true,,consent\n"
                                           "prohibited@example.fi,false,prohibited,\n")


def test_csv_answers_neither_run_nor_break_rows_in_a_spreadsheet(client: Any,
                                                                  demo: dict) -> None:
    """Recipients are echoed as the sender sent them: one that a spreadsheet would run gets a
    leading quote (OWASP), one with a CR inside is quoted so no row starts at the CR."""
    body = '"=HYPERLINK(\\"http://x.invalid\\")"\n"@SUM(1)"\n"a\\r=1+1"\n"+358401234567"\n'
    resp = client.post(f"{BASE}/checks?purpose=newsletter&channel=email", data=body,
                       headers={**sender(demo), "Content-Type": "application/x-ndjson",
                                "Accept": "text/csv"})
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.get_data(as_text=True) == (
        "recipient,may_contact,reason,basis\n"
        "\"'=HYPERLINK(\"\"http://x.invalid\"\")\",false,invalid,\n"
        "'@SUM(1),false,invalid,\n"
        '"a\r=1+1","false","invalid",""\n'
        "+358401234567,false,unknown,\n")  # a valid phone, of no one here


@pytest.mark.parametrize("kwargs,status", [
    ({"json": {"purpose": "newsletter", "channel": "email"}}, 422),
    ({"json": {"purpose": "newsletter", "channel": "email", "recipients": []}}, 422),
    ({"json": {"purpose": "newsletter", "channel": "email", "recipients": [1]}}, 422),
    ({"json": {"purpose": "nope", "channel": "email", "recipients": ["a@b.fi"]}}, 422),
    ({"json": {"purpose": "newsletter", "channel": "*", "recipients": ["a@b.fi"]}}, 422),
    ({"json": {"purpose": "newsletter", "channel": "email", "recipients": ["a@b.fi"],
               "id_type": "ssn"}}, 422),
    ({"json": ["a@b.fi"]}, 422),
    ({"data": "{not json", "content_type": "application/json"}, 422),
    ({"data": "a@b.fi", "content_type": "text/plain"}, 415),
])
def test_bad_check_input_is_4xx_and_records_nothing(client: Any, demo: dict, app: Flask,
                                                    kwargs: dict, status: int) -> None:
    before = count(app, "marketing_checks"), count(app, "audit_entries")
    resp = client.post(f"{BASE}/checks", headers=sender(demo), **kwargs)
    assert resp.status_code == status, resp.get_json()
    assert resp.headers["Content-Type"] == "application/problem+json"
    assert (count(app, "marketing_checks"), count(app, "audit_entries")) == before


def test_streamed_check_needs_purpose_and_channel_in_the_query(client: Any, demo: dict,
                                                               app: Flask) -> None:
    resp = client.post(f"{BASE}/checks?purpose=newsletter", data='"a@b.fi"\n',
                       headers={**sender(demo), "Content-Type": "application/x-ndjson"})
    assert resp.status_code == 422
    assert count(app, "marketing_checks") == 0


def test_only_senders_of_the_site_may_check(client: Any, demo: dict) -> None:
    body = {"purpose": "newsletter", "channel": "email", "recipients": ["a@b.fi"]}
    assert client.post(f"{BASE}/checks", json=body, headers=admin(demo)).status_code == 403
    assert client.post(f"{BASE}/checks", json=body).status_code == 401
    other = {"Authorization": f"Bearer {demo['other_keys']['sender']}"}
    assert client.post(f"{BASE}/checks", json=body, headers=other).status_code == 403


@pytest.mark.parametrize("key_len", [0, 1, 32, 63, 64, 65, 200])
def test_prefixed_hmac_is_hmac_sha256(key_len: int) -> None:
    """The checks' fast keyed hash gives exactly what lookup_hash (hmac.digest) gives, for
    every key length (keys longer than a SHA-256 block are hashed first)."""
    import hmac
    import os

    from service.domain.marketing import crypto

    key = os.urandom(key_len)
    fast = crypto.PrefixedHmac(key, b"email:")
    for message in (b"", b"a@b.fi", "ääkkönen@esimerkki.fi".encode(), os.urandom(300)):
        assert fast.digest(message) == hmac.digest(key, b"email:" + message, hashlib.sha256)
    assert fast.digest(b"x@y.fi") == crypto.lookup_hash(key, "email", "x@y.fi")


def _stored(app: Flask, check_id: int) -> list[tuple[int, int]]:
    from service.extensions import db

    with app.app_context():
        return [tuple(r) for r in db.session.execute(sa.text(  # type: ignore[misc]
            "SELECT position, outcome FROM marketing_check_answers WHERE check_id = :c "
            "ORDER BY position"), {"c": check_id}).all()]


def _run(app: Flask) -> Any:
    from service.domain import sites
    from service.domain.checks import pipeline as checks
    from service.extensions import db

    run = checks.CheckRun(sites.get_site("demo"), "newsletter", "email", "auto", "test")
    db.session.commit()
    return run


RECIPIENTS = ["granted@example.fi", "withdrawn@example.fi", "prohibited@example.fi",
              "nothing@example.fi", "nobody@example.fi", "bad@", "granted@example.fi"] * 2


def test_many_small_batches_come_out_stored_and_in_order(client: Any, demo: dict, app: Flask,
                                                         population: dict,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 3 through the pipeline (PostgreSQL: lookups and stores on two threads,
    several batches in flight): every batch comes out in order, already stored."""
    from service.domain.checks import pipeline as checks

    monkeypatch.setattr(checks, "BATCH", 3)
    with app.app_context():
        run = _run(app)
        seen = []
        for batch, codes in run.run_batches(checks.batched(RECIPIENTS)):
            assert len(_stored(app, run.check_id)) >= len(seen) + len(batch)
            seen += codes
        summary = run.finish()
    assert [checks.marketing.OUTCOMES[c] for c in seen[:7]] == [
        "allowed", "withdrawn", "prohibited", "no_permission", "unknown", "invalid", "allowed"]
    assert seen[7:] == seen[:7]
    assert _stored(app, run.check_id) == list(enumerate(seen, start=1))
    assert summary["total"] == 14 and summary["allowed"] == 4


def test_no_batch_is_stored_after_a_failed_one(client: Any, demo: dict, app: Flask,
                                               population: dict,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from service.domain.checks import pipeline as checks

    real_store = checks.CheckRun._store

    def failing_store(self: Any, start: int, *args: Any) -> None:
        if start == 3:
            raise RuntimeError("disk full")
        real_store(self, start, *args)

    monkeypatch.setattr(checks.CheckRun, "_store", failing_store)
    monkeypatch.setattr(checks, "BATCH", 3)
    with app.app_context():
        run = _run(app)
        batches = run.run_batches(checks.batched(RECIPIENTS))
        assert len(next(batches)[1]) == 3
        with pytest.raises(RuntimeError, match="disk full"):
            next(batches)
        summary = run.finish("aborted")
    assert [pos for pos, _ in _stored(app, run.check_id)] == [1, 2, 3]
    assert summary["total"] == 3 and summary["status"] == "aborted"


def test_a_client_that_goes_away_leaves_a_check_that_matches_what_was_stored(
        client: Any, demo: dict, app: Flask, population: dict,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches already stored but never sent still count: total and digest describe
    exactly the stored answers."""
    from service.domain.checks import pipeline as checks

    monkeypatch.setattr(checks, "BATCH", 3)
    with app.app_context():
        run = _run(app)
        batches = run.run_batches(checks.batched(RECIPIENTS))
        next(batches)
        batches.close()
        summary = run.finish("aborted")
    stored = _stored(app, run.check_id)
    assert summary["total"] == len(stored) >= 3
    assert [pos for pos, _ in stored] == list(range(1, len(stored) + 1))
    from service.extensions import db

    with app.app_context():
        rows = db.session.execute(sa.text(
            "SELECT position, lookup_hash, outcome FROM marketing_check_answers "
            "WHERE check_id = :c ORDER BY position"), {"c": run.check_id}).all()
    digest = hashlib.sha256()
    for pos, h, outcome in rows:
        digest.update(b"%d:%s:%d\n" % (pos, bytes(h).hex().encode() if h else b"-", outcome))
    assert digest.hexdigest() == summary["digest"]


def test_database_lookup_agrees_with_outcome_of(app: Flask, demo: dict) -> None:
    """What a check's database lookup answers (on PostgreSQL: outcome_of's fold in SQL, one
    row per subject) equals marketing.outcome_of over the same rows, for 300 subjects with
    random mixes of exact and `*` rows, states, prohibitions and restriction."""
    from service.domain import marketing
    from service.domain.checks import lookup as check_lookup
    from service.domain.marketing import crypto

    site_id, expected = random_population(app, 300)
    with app.app_context():
        stranger = crypto.lookup_hash(crypto.lookup_key(site_id), "email", "stranger@example.fi")
        got = check_lookup.lookup_db(site_id, "newsletter", "email", [*expected, stranger])
    assert got.pop(stranger) == (None, marketing.UNKNOWN)
    assert got == expected
    assert len({code for _, code in expected.values()}) == 5  # every outcome was exercised


def test_a_failure_mid_stream_is_told_in_the_stream(client: Any, demo: dict, app: Flask,
                                                    population: dict,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The status line went out with the first batch: a later failure is an error line,
    then a summary of exactly what was stored, and the check is recorded as aborted."""
    from service.domain.checks import pipeline as checks

    real_store = checks.CheckRun._store

    def failing_store(self: Any, start: int, *args: Any) -> None:
        if start >= 3:
            raise RuntimeError("disk full")
        real_store(self, start, *args)

    monkeypatch.setattr(checks.CheckRun, "_store", failing_store)
    monkeypatch.setattr(checks, "BATCH", 3)
    resp = client.post(f"{BASE}/checks?purpose=newsletter&channel=email",
                       data="".join(f'"{r}"\n' for r in RECIPIENTS),
                       headers={**sender(demo), "Content-Type": "application/x-ndjson"})
    assert resp.status_code == 200
    out = [json.loads(line) for line in resp.get_data(as_text=True).splitlines()]
    assert len(out) == 5 and all("recipient" in r for r in out[:3])
    assert out[3]["error"]["title"] == "Internal error"
    assert "disk full" not in json.dumps(out[3])
    summary = out[4]["summary"]
    assert summary["status"] == "aborted" and summary["total"] == 3
    assert count(app, "marketing_check_answers") == 3
    assert audit_actions(app)[-1] == "marketing.checked"


def test_a_body_cut_short_is_told_in_the_stream(client: Any, demo: dict, app: Flask,
                                                population: dict,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from werkzeug.exceptions import ClientDisconnected

    from service.domain.checks import pipeline as checks
    from service.formats import recipients

    def cut_short(stream: Any) -> Any:
        yield True, b'"granted@example.fi"\n"nobody@example.fi"\n'
        yield from ((False, b'"bad@"'), (False, b'"x@y.fi"'))
        raise ClientDisconnected()

    monkeypatch.setattr(recipients, "runs", cut_short)
    monkeypatch.setattr(checks, "BATCH", 3)
    resp = client.post(f"{BASE}/checks?purpose=newsletter&channel=email", data='"a@b.fi"\n',
                       headers={**sender(demo), "Content-Type": "application/x-ndjson"})
    out = [json.loads(line) for line in resp.get_data(as_text=True).splitlines()]
    assert [r.get("reason", "-") for r in out[:3]] == [None, "unknown", "invalid"]
    assert out[3]["error"]["title"] == "The request body could not be read"
    assert out[4]["summary"]["status"] == "aborted" and out[4]["summary"]["total"] == 3
    assert count(app, "marketing_check_answers") == 3


def test_a_lone_surrogate_is_an_invalid_recipient_not_a_failure(client: Any, demo: dict,
                                                                population: dict) -> None:
    """JSON lets a sender escape half a UTF-16 pair; such a recipient cannot be encoded,
    so it is answered "invalid" (and echoed back escaped), and the rest is answered."""
    body = '{"recipient": "\\ud800@example.fi"}\n"granted@example.fi"\n"\\ud800x"\n'
    resp = client.post(f"{BASE}/checks?purpose=newsletter&channel=email", data=body,
                       headers={**sender(demo), "Content-Type": "application/x-ndjson"})
    out = [json.loads(line) for line in resp.get_data(as_text=True).splitlines()]
    assert [r.get("reason", "-") for r in out[:3]] == ["invalid", None, "invalid"]
    assert out[0]["recipient"] == "\ud800@example.fi"
    assert out[3]["summary"]["status"] == "complete" and out[3]["summary"]["total"] == 3


def test_a_pipeline_stage_never_leaves_a_job_unanswered(app: Flask,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A job that fails on a lost connection (so that even the rollback fails) still
    answers its future, later jobs fail at once, and a stage that is gone fails new jobs
    instead of leaving the request thread waiting for ever."""
    from service.domain.checks import stage as check_stage
    from service.extensions import db

    def job(x: int) -> int:
        if x == 1:
            raise RuntimeError("connection lost")
        return x

    def rollback() -> None:
        raise RuntimeError("the connection is closed")

    monkeypatch.setattr(db.session, "rollback", rollback)
    stage = check_stage.Stage(app, job)
    first, second, third = stage.submit(0), stage.submit(1), stage.submit(2)
    assert first.result(timeout=5) == 0
    with pytest.raises(RuntimeError, match="connection lost"):
        second.result(timeout=5)
    with pytest.raises(RuntimeError, match="an earlier batch failed"):
        third.result(timeout=5)
    stage.close()
    with pytest.raises(RuntimeError, match="pipeline stopped"):
        stage.submit(3).result(timeout=5)


class Chunks:
    """A request body that arrives in pieces of random sizes."""

    def __init__(self, data: bytes, rng: Any) -> None:
        self.data, self.rng, self.at = data, rng, 0

    def read(self, n: int) -> bytes:
        size = min(n, self.rng.choice([1, 7, 100, 4000, 5000, 65536]))
        out = self.data[self.at:self.at + size]
        self.at += len(out)
        return out


def test_plain_ndjson_runs_read_at_once_give_what_line_by_line_gives(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path (a run of plain JSON strings decoded and split at once) gives exactly
    the line-by-line answers, for bodies mixing plain strings with escapes, objects, blank
    and whitespace lines, CRLF, broken UTF-8, over-long lines and a last line without its
    end, arriving in pieces of every size."""
    import random
    import re

    from service.formats import lines as line_reading
    from service.formats import recipients as marketing_checks

    rng = random.Random(20261202)
    kinds = [b'"plain@example.fi"', b'"caf\xc3\xa9@example.fi"', b'"broken\xe2\x82"',
             b'"esc\\u0040aped"', b'{"recipient": "obj@example.fi"}', b"", b"   ",
             b'"crlf@example.fi"\r', b"bare@example.fi", b'""', b'"' + b"x" * 5000 + b'"',
             b'"a"b"', b"[1]"]
    fast_runs = 0
    for _ in range(60):
        lines = [rng.choice(kinds[:2]) if rng.random() < 0.7 else rng.choice(kinds)
                 for _ in range(rng.randint(0, 400))]
        body = b"\n".join(lines) + (b"\n" if rng.random() < 0.5 else b"")
        seed = rng.random()
        fast = list(marketing_checks.ndjson_recipients(Chunks(body, random.Random(seed))))
        fast_runs += sum(1 for run, payload in line_reading.runs(
            Chunks(body, random.Random(seed))) if run
            and marketing_checks._PLAIN_STRINGS.fullmatch(payload))
        with monkeypatch.context() as m:
            m.setattr(marketing_checks, "_PLAIN_STRINGS", re.compile(rb"(?!)"))
            slow = list(marketing_checks.ndjson_recipients(Chunks(body, random.Random(seed))))
        assert fast == slow
    assert fast_runs >= 10  # the fast path was taken, many times


@pytest.mark.parametrize("basis", ["consent", "customer_relationship", "unless_prohibited"])
def test_database_lookup_agrees_with_outcome_of_by_basis(app: Flask, demo: dict,
                                                         basis: str) -> None:
    """The same for a purpose of each basis, with kind rows (which cover research by phone
    or not) and customer relationships judged on today (on PostgreSQL the fold with the
    kinds' rows and the customers' query)."""
    from service.domain import marketing
    from service.domain.checks import lookup as check_lookup
    from tests.marketing_helpers import random_population_by_basis

    site_id, expected = random_population_by_basis(app, 300, basis)
    question = check_lookup.Question.now("research", "phone", marketing.Basis(basis))
    with app.app_context():
        got = check_lookup.lookup_db(site_id, "research", "phone", list(expected), question)
    assert got == expected
    codes = {code for _, code in expected.values()}
    allowing = {"consent": marketing.Outcome.ALLOWED,
                "customer_relationship": marketing.Outcome.ALLOWED_CUSTOMER_RELATIONSHIP,
                "unless_prohibited": marketing.Outcome.ALLOWED_UNLESS_PROHIBITED}[basis]
    assert {marketing.PROHIBITED, marketing.RESTRICTED, marketing.WITHDRAWN, allowing} <= codes
