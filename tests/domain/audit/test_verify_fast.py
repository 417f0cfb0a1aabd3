"""The fast verification loop (chain_fast.feed_rows) must report exactly what the reference
`ChainVerifier.feed` reports, entry for entry, on intact and on damaged chains."""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from service.domain.audit.chain import (
    GENESIS_HASH,
    ChainVerifier,
    checkpoint_message,
    entry_hash,
    entry_hash_v2,
    payload_digest,
)
from service.domain.audit.chain_fast import feed_rows
from service.domain.audit.signing import Signer, public_keys_from_b64
from tests.domain.audit.test_tamper import (
    CASES,
    chain,  # noqa: F401 (a fixture)
    record,
    sql,
    verify,
)

SITE = 'si"te%\u00e9'
SEED = base64.b64encode(b"\x03" * 32).decode()


def make_chain(n: int) -> list[list[Any]]:
    rows: list[list[Any]] = []
    prev = GENESIS_HASH
    for seq in range(1, n + 1):
        ts = f"2026-01-01T00:00:{seq % 60:02d}.{seq:06d}Z"
        payload = '{"n":' + str(seq) + ',"t":"\\u00e9\\"x"}'
        subject = None if seq % 3 else f"v:{seq}"
        actor, action = ("visitor", "consent.recorded") if seq % 2 else ('a"dmin', "notice.%")
        if seq % 11 == 0:  # retention's account of the payloads reduced before it
            actor, action = "system", "retention.reduced"
            payload = '{"first_seq":1,"last_seq":' + str(seq - 1) + "}"
        if seq % 5 == 0:  # format 1
            h = entry_hash(SITE, seq, ts, actor, action, subject, payload, prev)
            rows.append([seq, ts, actor, action, subject, payload, prev, h, 1, None])
        else:
            digest = payload_digest(payload)
            h = entry_hash_v2(SITE, seq, ts, actor, action, subject, digest, prev)
            rows.append([seq, ts, actor, action, subject, payload if seq % 7 else None, prev, h,
                         2, digest])
        prev = h
    return rows


def mutate(rows: list[list[Any]], rnd: random.Random) -> list[list[Any]]:
    rows = [list(r) for r in rows]
    for _ in range(rnd.randint(1, 3)):
        i = rnd.randrange(len(rows))
        op = rnd.choice(["field", "drop", "swap", "dup", "type", "prev", "hash", "v", "ph"])
        if op == "field":
            f = rnd.choice([1, 2, 3, 4, 5])
            rows[i][f] = (rows[i][f] or "") + "x"
        elif op == "drop":
            del rows[i]
        elif op == "swap" and i + 1 < len(rows):
            rows[i], rows[i + 1] = rows[i + 1], rows[i]
        elif op == "dup":
            rows.insert(i, list(rows[i]))
        elif op == "type":
            rows[i][rnd.choice([1, 2, 4, 5])] = 42
        elif op == "prev":
            rows[i][6] = 'bad"' + rows[i][6][4:]
        elif op == "hash":
            rows[i][7] = rows[i][7][::-1]
        elif op == "v":
            rows[i][8] = rnd.choice([3, 1, 2])
        elif op == "ph":
            rows[i][9] = "0" * 64
    return rows


def run(rows: list[list[Any]], fast: bool) -> dict[str, Any]:
    signer = Signer.from_seed_b64(SEED)
    cps = [{"site": SITE, "seq": s, "hash": h, "ts": "t", "key_id": signer.key_id,
            "signature": signer.sign(checkpoint_message(SITE, s, h, "t"))}
           for s, h in ((10, make_chain(10)[-1][7]), (25, "f" * 64))]
    v = ChainVerifier(SITE, cps[:1], public_keys_from_b64([signer.public_b64]),
                      remember_hashes=True)
    pos = 0

    def rest() -> Any:
        nonlocal pos
        while pos < len(rows):
            pos += 1
            yield tuple(rows[pos - 1])

    faults = 0
    while pos < len(rows):
        try:
            if fast:
                feed_rows(v, rest())
            else:
                for row in rest():
                    v.feed(*row)
        except (TypeError, AttributeError, ValueError):
            faults += 1  # verify_export reports it as malformed and reads on
    v.add_checkpoint(cps[1])
    out = v.finish((rows[-1][0], rows[-1][7]) if rows else None).as_dict()
    out["faults"], out["remembered"] = faults, bytes(v.remembered_hashes)
    return out


def test_intact_chain_fast_equals_reference() -> None:
    rows = make_chain(60)
    assert run(rows, True) == run(rows, False)
    assert run(rows, True)["ok"] is False  # the checkpoint at 25 is wrong on purpose


@pytest.mark.parametrize("seed", range(150))
def test_damaged_chain_fast_equals_reference(seed: int) -> None:
    rows = mutate(make_chain(40), random.Random(seed))
    assert run(rows, True) == run(rows, False)


def test_stored_timestamp_in_another_shape_takes_the_orm_conversion(
        app: Flask, client: Any, demo: dict) -> None:
    record(client, 3)
    with app.app_context():
        from service.extensions import db
        dialect = db.engine.dialect.name
    if dialect == "sqlite":
        # Same instant, other text (a T separator): SQL cannot format it, the ORM can.
        sql(app, "UPDATE audit_entries SET created_at = replace(created_at, ' ', 'T') "
                 "WHERE seq = 2")
    result = verify(app)
    assert result.ok, result.as_dict()
    sql(app, "UPDATE audit_entries SET created_at = '2026-01-01 00:00:00' WHERE seq = 1")
    assert "hash" in verify(app).kinds


@pytest.fixture()
def split(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Force the two-process path (normally from 200,000 entries) and record its outcomes."""
    from service.domain.audit import verify_split

    outcomes: list[bool] = []
    real = verify_split.feed_split

    def spy(*args: Any) -> bool:
        outcomes.append(real(*args))
        return outcomes[-1]

    monkeypatch.setattr(verify_split, "worth_splitting", lambda head_seq: head_seq > 1)
    monkeypatch.setattr(verify_split, "feed_split", spy)
    return outcomes


@pytest.mark.usefixtures("chain")
def test_split_verification_of_an_intact_chain(app: Flask, split: list[bool]) -> None:
    result = verify(app)
    assert split == [True] and result.ok and result.entries == 17, result.as_dict()
    assert result.checkpoints_checked >= 1


@pytest.mark.parametrize("name", list(CASES))
def test_split_verification_detects_every_tampering(app: Flask, split: list[bool], name: str,
                                                     request: pytest.FixtureRequest) -> None:
    tamper, kinds = CASES[name]
    tamper(app, request.getfixturevalue("chain"))
    result = verify(app)
    assert split and not result.ok and kinds <= result.kinds, result.problems


def bundle_lines(rows: list[list[Any]], rnd: random.Random, standard: bool = False) -> list[str]:
    signer = Signer.from_seed_b64(SEED)
    keys = ["seq", "ts", "actor", "action", "subject", "payload", "prev_hash", "hash", "v",
            "payload_hash"]
    out = [json.dumps({"type": "lupa.audit-export", "v": 1, "site": SITE,
                       "public_keys": {signer.key_id: signer.public_b64}}) + "\n"]
    out += [json.dumps({"type": "entry", "site": SITE, **dict(zip(keys, r, strict=True))},
                       ensure_ascii=False) + "\n" for r in rows]
    cps = [{"type": "checkpoint", "site": SITE, "seq": r[0], "hash": r[7], "ts": "t",
            "key_id": signer.key_id,
            "signature": signer.sign(checkpoint_message(SITE, r[0], r[7], "t"))}
           for r in rows[9::10] if isinstance(r[0], int) and isinstance(r[7], str)]
    # Checkpoints up front, as exports have them, or one of them anywhere.
    scatter = not standard and rnd.random() < 0.3
    for i, cp in enumerate(cps):
        where = rnd.randrange(1, len(out) + 1) if scatter and i == len(cps) // 2 else 1 + i
        out.insert(where, json.dumps(cp) + "\n")
    out.append(json.dumps({"type": "head", "seq": rows[-1][0], "hash": rows[-1][7]}) + "\n")
    extra = "" if standard else rnd.choice(["", "", "head", "cr", "blank", "junk"])
    where = rnd.randrange(1, len(out) + 1)
    if extra == "head":
        out.insert(where, out[-1])
    elif extra == "cr":
        out[where - 1] = out[where - 1].replace(",", ",\r", 1)
    elif extra in ("blank", "junk"):
        out.insert(where, "\n" if extra == "blank" else "{nope\n")
    return out


@pytest.mark.parametrize("seed", range(40))
def test_file_read_in_two_halves_equals_one_pass(seed: int, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from service.domain.audit import export_split
    from service.domain.audit.export import verify_export

    rnd = random.Random(seed)
    rows = make_chain(300)
    path = tmp_path / "b.jsonl"
    standard = seed < 2  # an intact export as `lupa audit export` writes it
    path.write_text("".join(bundle_lines(mutate(rows, rnd) if seed >= 2 else rows, rnd,
                                         standard)), "utf-8")
    results, halves = [], []
    real = export_split.feed_halves

    def spy(*args: Any) -> Any:
        outcome = real(*args)
        halves.append(outcome[0])
        return outcome

    monkeypatch.setattr(export_split, "feed_halves", spy)
    # A full test run may have idle helper threads (servers of other tests); the forked
    # reader touches none of their locks, so the split is forced here.
    monkeypatch.setattr(export_split, "fork_safe", lambda: True)
    for min_bytes in (10**12, 0):
        monkeypatch.setattr(export_split, "SPLIT_MIN_BYTES", min_bytes)
        with path.open(encoding="utf-8") as fh:
            results.append(verify_export(fh).as_dict())
    assert results[0] == results[1]
    assert len(halves) == 1  # the second run only
    if standard:
        assert results[0]["ok"] and halves == [True]


def test_no_fork_while_another_thread_runs() -> None:
    import threading

    from service.domain.audit.export_split import fork_safe

    stop = threading.Event()
    worker = threading.Thread(target=stop.wait, daemon=True)
    worker.start()
    try:
        assert not fork_safe()
    finally:
        stop.set()
        worker.join()
