"""docs/audit-format.md is enough to verify a log: the verifier written from it alone
(independent_verifier.py, nothing of `service/`) passes untouched exports, fails every tampered
one, and agrees with `lupa audit verify` (file and database) on the verdict, on anchoring and on
the kinds of problem found. Issue 13, item 8."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.domain.audit import independent_verifier as outsider
from tests.domain.audit.test_offline_verify import (
    FILE_CASES,
    Lines,
    bundle,  # noqa: F401 (a fixture)
    by_seq,
    export,
    keep_checkpoints,
    kinds,
    real_public_key,
    rewrite_and_resign_with_own_key,
    run_verify,
)
from tests.domain.audit.test_tamper import (
    CASES,
    chain,  # noqa: F401 (a fixture)
    record,
    rehash_from,
    sql,
)


@pytest.fixture()
def lines(request: pytest.FixtureRequest) -> Lines:
    """The export of test_offline_verify's `bundle`: 17 demo entries, checkpoints 5, 10, 15."""
    exported: Lines = request.getfixturevalue("bundle")
    return exported


@pytest.fixture()
def chain_id(request: pytest.FixtureRequest) -> int:
    """test_tamper's `chain`: the same 17 entries in the database; demo's site id."""
    sid: int = request.getfixturevalue("chain")
    return sid


def text_lines(lines: Lines) -> list[str]:
    return [json.dumps(obj, ensure_ascii=False) for obj in lines]


def both(runner: Any, tmp_path: Path, lines: Lines, trusted: bool = True
         ) -> tuple[outsider.Report, int, dict[str, Any]]:
    keys = [real_public_key()] if trusted else None
    ours = outsider.verify_bundle(text_lines(lines), keys)
    code, theirs = run_verify(runner, tmp_path, lines,
                              *(["--public-key", real_public_key()] if trusted else []))
    return ours, code, theirs


def test_untouched_export_passes_both(runner: Any, lines: Lines, tmp_path: Path) -> None:
    ours, code, theirs = both(runner, tmp_path, lines)
    assert ours.ok and ours.anchored and ours.entries == 17
    assert code == 0 and theirs["ok"] and theirs["anchored"] and theirs["entries"] == 17
    # with only the keys the file brings: consistent, but nothing anchors it (both say so)
    ours, code, theirs = both(runner, tmp_path, lines, trusted=False)
    assert ours.ok and not ours.anchored
    assert code == 1 and theirs["ok"] and not theirs["anchored"]


@pytest.mark.parametrize("name", list(FILE_CASES))
def test_tampered_export_fails_both_with_the_same_kinds(runner: Any, lines: Lines,
                                                        tmp_path: Path, name: str) -> None:
    tamper, expected = FILE_CASES[name]
    tamper(lines)
    ours, code, theirs = both(runner, tmp_path, lines)
    assert not ours.ok and code == 1 and not theirs["ok"]
    assert expected <= ours.kinds
    assert ours.kinds == kinds(theirs), (ours.problems, theirs["problems"])


def test_truncation_with_the_head_rewound_needs_a_kept_checkpoint(
    runner: Any, lines: Lines, tmp_path: Path, client: Any, demo: dict
) -> None:
    kept_path = keep_checkpoints(client, demo, tmp_path)  # signs 17 and keeps 5, 10, 15, 17
    kept, keys = outsider.read_checkpoint_file(kept_path.read_text())
    FILE_CASES["drop_newest"][0](lines)
    lines[:] = [o for o in lines if not (o["type"] == "checkpoint" and o["seq"] > 12)]
    head = lines[-1]
    head["seq"], head["hash"] = 12, by_seq(lines, 12)["hash"]
    ours, code, theirs = both(runner, tmp_path, lines)
    assert ours.ok and code == 0  # consistent, and 5 and 10 still match
    ours = outsider.verify_bundle(text_lines(lines), keys, kept)
    code, theirs = run_verify(runner, tmp_path, lines, "--checkpoint", str(kept_path))
    assert not ours.ok and code == 1
    assert ours.kinds == kinds(theirs) == {"truncated"}


def test_forgery_with_own_key_is_consistent_but_only_anchored_by_an_outside_key(
    runner: Any, client: Any, demo: dict, tmp_path: Path
) -> None:
    record(client, 12)
    lines = export(runner, tmp_path)
    rewrite_and_resign_with_own_key(lines)
    ours, code, theirs = both(runner, tmp_path, lines, trusted=False)
    assert ours.ok and not ours.anchored and code == 1 and not theirs["anchored"]
    ours, code, theirs = both(runner, tmp_path, lines)
    assert not ours.ok and code == 1
    assert ours.kinds == kinds(theirs) == {"checkpoint_key"}


@pytest.mark.parametrize("name", list(CASES))
def test_tampered_database_fails_both_through_its_export(
    app: Flask, runner: Any, tmp_path: Path, chain_id: int, name: str
) -> None:
    tamper, expected = CASES[name]
    tamper(app, chain_id)
    database = runner.invoke(args=["audit", "verify", "--site", "demo", "--json"])
    theirs = json.loads(database.stdout)
    ours = outsider.verify_bundle(text_lines(export(runner, tmp_path)), [real_public_key()])
    assert database.exit_code == 1 and not theirs["ok"]
    assert not ours.ok and expected <= ours.kinds
    assert expected <= kinds(theirs)


@pytest.mark.usefixtures("chain_id")
def test_untouched_database_passes_both(runner: Any, tmp_path: Path) -> None:
    database = runner.invoke(args=["audit", "verify", "--site", "demo", "--json"])
    assert database.exit_code == 0, database.output
    ours = outsider.verify_bundle(text_lines(export(runner, tmp_path)), [real_public_key()])
    assert ours.ok and ours.anchored and ours.entries == json.loads(database.stdout)["entries"]


def test_reduced_payloads_pass_with_their_retention_entry_and_fail_without(
    app: Flask, client: Any, runner: Any, demo: dict, tmp_path: Path
) -> None:
    from datetime import UTC, datetime, timedelta

    record(client, 3)
    ancient = (datetime.now(UTC) - timedelta(days=80 * 31)).replace(tzinfo=None)
    sql(app, "UPDATE audit_entries SET created_at=:t WHERE seq <= 3", t=ancient)
    rehash_from(app, "demo", 1)
    rehash_from(app, "other", 1)
    sql(app, "DELETE FROM audit_checkpoints")
    assert runner.invoke(args=["retention", "purge", "--site", "demo"]).exit_code == 0
    assert runner.invoke(args=["audit", "checkpoint", "--site", "demo"]).exit_code == 0
    lines = export(runner, tmp_path)
    assert [e["seq"] for e in lines if e["type"] == "entry" and e["payload"] is None] == [1, 2, 3]
    ours, code, theirs = both(runner, tmp_path, lines)
    assert ours.ok and ours.anchored and code == 0, theirs
    by_seq(lines, 5)["payload"] = None  # outside the stated range 1..3
    ours, code, theirs = both(runner, tmp_path, lines)
    assert code == 1 and ours.problems == [("payload_missing", 5)]
    assert ours.kinds == kinds(theirs)
    assert [(p["kind"], p["seq"]) for p in theirs["problems"]] == [("payload_missing", 5)]


def test_canonical_form_of_unusual_text_agrees_with_the_service() -> None:
    """Section 2 on what real chains rarely hold: quotes, backslashes, control characters,
    non-ASCII, U+2028, a format-1 payload inside the hashed text."""
    from service.domain.audit.chain import compute_entry_hash

    site, ts = 'sï"te\\', "2026-01-01T00:00:00.000001Z"
    for v, payload in ((1, '{"k":"ö\\u0001\u2028\u007f"}'), (2, '{"€":"\x00"}')):
        e = {"v": v, "seq": 123456789012, "ts": ts, "actor": 'key:"k"\b\f',
             "action": "a.b\t", "subject": "visitor:ä😀\n\r\x1f", "payload": payload,
             "prev_hash": "a" * 64, "payload_hash": None}
        assert outsider.entry_hash(site, e) == compute_entry_hash(
            site, e["seq"], ts, e["actor"], e["action"], e["subject"], payload, "a" * 64, v)
    assert outsider.jcs({"b": None, "a": 1, "é": "\x1f"}) == '{"a":1,"b":null,"é":"\\u001f"}'


def test_the_independent_verifier_uses_nothing_of_the_service() -> None:
    import ast

    tree = ast.parse(Path(outsider.__file__).read_text("utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    assert imported <= {"__future__", "base64", "hashlib", "json", "dataclasses", "typing",
                        "cryptography"}


@pytest.mark.parametrize("seed", range(120))
def test_random_damage_is_named_alike(seed: int) -> None:
    """test_verify_fast's random chains (a site named 'si"te%é', formats 1 and 2, reduced
    payloads and retention entries, checkpoints scattered through the file, stray lines),
    damaged at random: the outsider names the same kinds as the service's export verifier."""
    import random

    from service.domain.audit.export import verify_export
    from tests.domain.audit.test_verify_fast import bundle_lines, make_chain, mutate

    rnd = random.Random(seed)
    rows = make_chain(60)
    lines = bundle_lines(mutate(rows, rnd) if seed else rows, rnd, standard=seed == 0)
    theirs = verify_export(iter(lines))
    ours = outsider.verify_bundle(lines)
    assert (ours.kinds, ours.anchored) == (theirs.kinds, theirs.anchored), (
        ours.problems, [(p.kind, p.seq) for p in theirs.problems])
    if seed == 0:  # intact but for entry 56, reduced after the last retention entry (55)
        assert ours.problems == [("payload_missing", 56)]
