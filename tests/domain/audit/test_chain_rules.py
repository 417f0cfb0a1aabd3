"""The chain verifier's rules, one behaviour per test, for the reference (`ChainVerifier.feed`)
and the fast path (`chain_fast.feed_rows`) alike.

Expected values come from docs/audit.md and DESIGN.md invariant 4, never from the code under
test: entry hashes are recomputed here from their definition (SHA-256 of the canonical JSON
text, sorted keys, no spaces, UTF-8), and every problem list is asserted whole, in order,
with its count.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from service.domain.audit.chain import (
    GENESIS_HASH,
    MAX_REPORTED_PROBLEMS,
    ChainVerifier,
    checkpoint_message,
    compute_entry_hash,
    entry_hash,
    entry_hash_v2,
    payload_digest,
)
from service.domain.audit.chain_fast import feed_rows, templates
from service.domain.audit.signing import Signer, public_keys_from_b64

SITE = "demo"
SEED = base64.b64encode(b"\x05" * 32).decode()
OTHER_SEED = base64.b64encode(b"\x06" * 32).decode()
SIGNER = Signer.from_seed_b64(SEED)
KEYS = public_keys_from_b64([SIGNER.public_b64])

Row = tuple[Any, ...]


# -- the definition, written out independently of the code under test ---------------------

def canonical(obj: dict[str, Any]) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def hash_v1(site: str, seq: int, ts: str, actor: str, action: str, subject: str | None,
            payload: str, prev: str) -> str:
    return sha(canonical({"v": 1, "site": site, "seq": seq, "ts": ts, "actor": actor,
                          "action": action, "subject": subject, "payload": payload,
                          "prev": prev}))


def hash_v2(site: str, seq: int, ts: str, actor: str, action: str, subject: str | None,
            payload: str, prev: str) -> str:
    return sha(canonical({"v": 2, "site": site, "seq": seq, "ts": ts, "actor": actor,
                          "action": action, "subject": subject, "payload_sha256": sha(payload),
                          "prev": prev}))


def build(n: int, site: str = SITE, v: int = 2) -> list[Row]:
    """n intact entries 1..n: (seq, ts, actor, action, subject, payload, prev, hash, v,
    payload_hash)."""
    rows: list[Row] = []
    prev = "0" * 64
    for seq in range(1, n + 1):
        ts = f"2026-03-01T10:00:{seq % 60:02d}.000000Z"
        actor, action = ("visitor", "consent.recorded") if seq % 2 else ("key:k1", "notice.x")
        subject = f"visitor:{seq}" if seq % 3 else None
        payload = '{"n":' + str(seq) + "}"
        if v == 2:
            h = hash_v2(site, seq, ts, actor, action, subject, payload, prev)
            rows.append((seq, ts, actor, action, subject, payload, prev, h, 2, sha(payload)))
        else:
            h = hash_v1(site, seq, ts, actor, action, subject, payload, prev)
            rows.append((seq, ts, actor, action, subject, payload, prev, h, 1, None))
        prev = h
    return rows


def checkpoint(seq: int, hash_: str, site: str | None = SITE, signer: Signer = SIGNER,
               ts: str = "2026-03-01T11:00:00.000000Z") -> dict[str, Any]:
    message = canonical({"v": 1, "type": "lupa.checkpoint", "site": site or SITE, "seq": seq,
                         "hash": hash_, "ts": ts}).encode()
    cp: dict[str, Any] = {"seq": seq, "hash": hash_, "ts": ts, "key_id": signer.key_id,
                          "signature": signer.sign(message)}
    if site is not None:
        cp["site"] = site
    return cp


def reference(v: ChainVerifier, rows: list[Row]) -> None:
    for r in rows:
        v.feed(*r)


def fast(v: ChainVerifier, rows: list[Row]) -> None:
    feed_rows(v, iter(rows))


FEEDERS = pytest.mark.parametrize("feed", [reference, fast], ids=["reference", "fast"])
Feed = Callable[[ChainVerifier, list[Row]], None]


def verify(feed: Feed, rows: list[Row], head: tuple[int, str] | None = None,
           checkpoints: Sequence[dict[str, Any]] = (), late: Sequence[dict[str, Any]] = (),
           remember: bool = True) -> dict[str, Any]:
    v = ChainVerifier(SITE, checkpoints, KEYS, remember_hashes=remember)
    feed(v, rows)
    for cp in late:
        v.add_checkpoint(cp)
    return v.finish(head).as_dict()


def problems(result: dict[str, Any]) -> list[tuple[str, int | None]]:
    return [(p["kind"], p["seq"]) for p in result["problems"]]


def head_of(rows: list[Row]) -> tuple[int, str]:
    return rows[-1][0], rows[-1][7]


# -- the hash definitions ----------------------------------------------------------------

def test_genesis_hash_is_64_zeros() -> None:
    assert GENESIS_HASH == "0" * 64


def test_format_1_and_2_hashes_follow_their_canonical_definition() -> None:
    args = ("s%i\"te", 123456789012, "2026-01-01T00:00:00.000001Z", 'key:"k"', "a.b",
            "visitor:ä\n", '{"x":"é\\u0001"}', "a" * 64)
    assert entry_hash(*args) == hash_v1(*args)
    assert entry_hash_v2(*args[:6], sha(args[6]), args[7]) == hash_v2(*args)
    no_subject = args[:5] + (None,) + args[6:]
    assert entry_hash(*no_subject) == hash_v1(*no_subject)
    assert entry_hash_v2(*no_subject[:6], sha(args[6]), args[7]) == hash_v2(*no_subject)
    assert payload_digest("é") == hashlib.sha256("é".encode()).hexdigest()


def test_compute_entry_hash_per_format() -> None:
    args = ("demo", 3, "t", "visitor", "consent.recorded", "visitor:1")
    payload = '{"a":1}'
    v2 = hash_v2(*args, payload, "b" * 64)
    # format 2: from the payload, else from the stored digest (a reduced payload)
    assert compute_entry_hash(*args, payload, "b" * 64, 2) == v2
    assert compute_entry_hash(*args, None, "b" * 64, 2, sha(payload)) == v2
    # a present payload wins over a stored digest that disagrees with it
    assert compute_entry_hash(*args, payload, "b" * 64, 2, "c" * 64) == v2
    assert compute_entry_hash(*args, None, "b" * 64, 2, None) is None
    # format 1 needs its payload; the default format is 1
    assert compute_entry_hash(*args, payload, "b" * 64) == hash_v1(*args, payload, "b" * 64)
    assert compute_entry_hash(*args, payload, "b" * 64, 1) == hash_v1(*args, payload, "b" * 64)
    assert compute_entry_hash(*args, None, "b" * 64, 1, sha(payload)) is None
    # an unknown format cannot be computed
    assert compute_entry_hash(*args, payload, "b" * 64, 3, sha(payload)) is None
    assert compute_entry_hash(*args, payload, "b" * 64, 0) is None


def test_checkpoint_message_is_the_canonical_text_it_signs() -> None:
    assert checkpoint_message("demo", 7, "ab" * 32, "2026-01-01T00:00:00.000000Z") == (
        b'{"hash":"' + b"ab" * 32 + b'","seq":7,"site":"demo","ts":"2026-01-01T00:00:00.000000Z",'
        b'"type":"lupa.checkpoint","v":1}')


def test_fast_path_templates_give_the_canonical_text() -> None:
    site = 'we%ird"site'
    t2, t1 = templates(site)
    head = '{"action":"a","actor":"b"'
    text2 = t2 % (head + ',"payload_sha256":"', "d" * 64, "e" * 64, 5, "null", '"t"')
    assert text2 == canonical({"v": 2, "site": site, "seq": 5, "ts": "t", "actor": "b",
                               "action": "a", "subject": None, "payload_sha256": "d" * 64,
                               "prev": "e" * 64})
    text1 = t1 % (head + ',"payload":', '"p"', "e" * 64, 5, '"s"', '"t"')
    assert text1 == canonical({"v": 1, "site": site, "seq": 5, "ts": "t", "actor": "b",
                               "action": "a", "subject": "s", "payload": "p", "prev": "e" * 64})


# -- an intact chain ---------------------------------------------------------------------

@FEEDERS
@pytest.mark.parametrize("fmt", [1, 2])
def test_intact_chain_verifies_with_its_head_and_checkpoints(feed: Feed, fmt: int) -> None:
    rows = build(12, v=fmt)
    result = verify(feed, rows, head_of(rows), [checkpoint(5, rows[4][7])],
                    late=[checkpoint(12, rows[11][7]), checkpoint(1, rows[0][7])])
    assert result == {
        "site": SITE, "ok": True, "entries": 12, "last_seq": 12, "last_hash": rows[11][7],
        "checkpoints_checked": 3, "anchored": True, "problem_count": 0, "problems": [],
        "notes": [],
    }


@FEEDERS
def test_empty_chain_is_intact_at_seq_0_with_the_genesis_hash(feed: Feed) -> None:
    result = verify(feed, [], (0, "0" * 64))
    assert (result["ok"], result["entries"], result["last_seq"], result["last_hash"]) == (
        True, 0, 0, "0" * 64)


def with_reduction(rows: list[Row], first: int, last: int, site: str = SITE) -> list[Row]:
    """rows plus the retention.reduced entry that retention appends after reducing first..last
    (docs/audit-format.md: its payload states first_seq and last_seq)."""
    seq, prev = rows[-1][0] + 1, rows[-1][7]
    ts, payload = "2026-03-02T00:00:00.000000Z", json.dumps(
        {"rule": "audit_payload", "months": 72, "cutoff": "2026-03-01T11:00:00.000000Z",
         "reduced": last - first + 1, "first_seq": first, "last_seq": last})
    h = hash_v2(site, seq, ts, "system", "retention.reduced", None, payload, prev)
    return [*rows, (seq, ts, "system", "retention.reduced", None, payload, prev, h, 2,
                    sha(payload))]


def reduce(rows: list[Row], *seqs: int) -> list[Row]:
    """The payloads of `seqs` set to NULL (their digest stays), as retention does."""
    return [r[:5] + (None,) + r[6:] if r[0] in seqs else r for r in rows]


@FEEDERS
def test_format_2_entry_with_reduced_payload_and_its_retention_entry_verifies(feed: Feed
                                                                              ) -> None:
    rows = with_reduction(reduce(build(4), 2, 3), 1, 3)
    result = verify(feed, rows, head_of(rows))
    assert (result["ok"], result["entries"], result["problems"]) == (True, 5, [])


@FEEDERS
def test_payload_removed_without_a_retention_entry_is_payload_missing(feed: Feed) -> None:
    rows = reduce(build(4), 2)
    result = verify(feed, rows, head_of(rows))
    assert problems(result) == [("payload_missing", 2)]
    assert result["problem_count"] == 1


@FEEDERS
def test_retention_entry_covers_only_its_stated_range_and_only_earlier_entries(feed: Feed
                                                                               ) -> None:
    rows = with_reduction(build(6), 2, 9)  # states 2..9, written as seq 7
    rows = with_reduction(rows, 1, 1)  # seq 8
    rows = reduce(rows + build_more(rows, 2), 1, 3, 6, 9)  # 9 and 10 appended
    result = verify(feed, rows, head_of(rows))
    # 1: covered by the entry at 8; 3, 6: by the one at 7; 9: stated by 7 but written after it
    assert problems(result) == [("payload_missing", 9)]


@FEEDERS
def test_a_tampered_or_malformed_retention_entry_covers_nothing(feed: Feed) -> None:
    rows = with_reduction(build(3), 1, 3)
    bad = rows[3][:5] + (rows[3][5].replace('"last_seq": 3', '"last_seq": 9'),) + rows[3][6:]
    result = verify(feed, reduce(rows[:3] + [bad], 2), (4, rows[3][7]))
    assert problems(result) == [("payload_hash", 4), ("hash", 4), ("payload_missing", 2)]
    rows = reduce(with_reduction(build(3), 1, 3), 2)
    payload = '{"first_seq":"1","last_seq":3}'  # not an integer
    seq, ts, prev = 4, rows[3][1], rows[3][6]
    h = hash_v2(SITE, seq, ts, "system", "retention.reduced", None, payload, prev)
    rows[3] = (seq, ts, "system", "retention.reduced", None, payload, prev, h, 2, sha(payload))
    assert problems(verify(feed, rows, head_of(rows))) == [("payload_missing", 2)]


def build_more(rows: list[Row], n: int) -> list[Row]:
    """n more intact entries after rows."""
    out = list(rows)
    for _ in range(n):
        seq, prev = out[-1][0] + 1, out[-1][7]
        ts, payload = "2026-03-03T00:00:00.000000Z", '{"n":' + str(seq) + "}"
        h = hash_v2(SITE, seq, ts, "visitor", "consent.recorded", None, payload, prev)
        out.append((seq, ts, "visitor", "consent.recorded", None, payload, prev, h, 2,
                    sha(payload)))
    return out[len(rows):]


# -- edits, deletions, insertions, reordering: exact problems and counts -------------------

@FEEDERS
def test_edited_payload_is_one_hash_problem_at_its_seq(feed: Feed) -> None:
    rows = build(6)
    rows[2] = rows[2][:5] + ('{"n":999}',) + rows[2][6:8] + (2, None)
    result = verify(feed, rows, head_of(rows))
    assert problems(result) == [("hash", 3)]
    assert result["problem_count"] == 1 and result["ok"] is False
    assert result["problems"][0]["detail"] == "entry content does not match its hash"


@FEEDERS
@pytest.mark.parametrize("field", [1, 2, 3, 4])
def test_each_hashed_field_is_covered(feed: Feed, field: int) -> None:
    rows = build(3)
    row = list(rows[1])
    row[field] = (row[field] or "x") + "!"
    rows[1] = tuple(row)
    assert problems(verify(feed, rows, head_of(rows))) == [("hash", 2)]


@FEEDERS
def test_deleted_entry_is_a_sequence_and_link_problem_at_the_next(feed: Feed) -> None:
    rows = build(5)
    del rows[2]
    result = verify(feed, rows, head_of(rows))
    assert problems(result) == [("sequence", 4), ("link", 4)]
    assert result["problems"][0]["detail"] == "expected seq 3, found 4"
    assert result["problems"][1]["detail"] == "previous-hash link is broken"
    assert (result["problem_count"], result["entries"], result["last_seq"]) == (2, 4, 5)


@FEEDERS
def test_swapped_entries_are_named_exactly(feed: Feed) -> None:
    rows = build(5)
    rows[1], rows[2] = rows[2], rows[1]
    result = verify(feed, rows, head_of(rows))
    # 3 comes where 2 was expected; then 2 comes after 3 (expected 4); 4 links to 3, not 2
    assert problems(result) == [("sequence", 3), ("link", 3), ("sequence", 2), ("link", 2),
                                ("sequence", 4), ("link", 4)]
    assert result["problem_count"] == 6


@FEEDERS
def test_inserted_duplicate_entry(feed: Feed) -> None:
    rows = build(4)
    rows.insert(2, rows[1])
    result = verify(feed, rows, head_of(rows))
    # the copy comes where 3 was expected and links to 1; 3 then links to the copy's hash
    assert problems(result) == [("sequence", 2), ("link", 2)]
    assert result["entries"] == 5


@FEEDERS
def test_problem_list_is_capped_but_counted(feed: Feed) -> None:
    rows = build(MAX_REPORTED_PROBLEMS + 20)
    rows = [r[:7] + ("f" * 64,) + r[8:] for r in rows]  # every hash wrong, links follow it
    result = verify(feed, rows)
    assert MAX_REPORTED_PROBLEMS == 100
    assert len(result["problems"]) == 100
    # entry 1 links to genesis (fine); each later one links to the real hash, not "f"*64
    assert result["problem_count"] == 120 + 119
    assert result["problems"][:3] == [
        {"kind": "hash", "seq": 1, "detail": "entry content does not match its hash"},
        {"kind": "link", "seq": 2, "detail": "previous-hash link is broken"},
        {"kind": "hash", "seq": 2, "detail": "entry content does not match its hash"}]


# -- the head -------------------------------------------------------------------------------

@FEEDERS
def test_head_hash_tampered_alone_is_a_head_mismatch(feed: Feed) -> None:
    rows = build(4)
    result = verify(feed, rows, (4, "e" * 64))
    assert problems(result) == [("head_mismatch", 4)]
    assert result["problems"][0]["detail"] == "chain head says seq 4, entries end at 4"


@FEEDERS
def test_head_seq_tampered_alone_is_a_head_mismatch(feed: Feed) -> None:
    rows = build(4)
    result = verify(feed, rows, (5, rows[-1][7]))
    assert problems(result) == [("head_mismatch", 4)]
    assert result["problems"][0]["detail"] == "chain head says seq 5, entries end at 4"
    assert problems(verify(feed, rows, (3, rows[-1][7]))) == [("head_mismatch", 4)]


@FEEDERS
def test_newest_entry_dropped_against_the_head(feed: Feed) -> None:
    rows = build(5)
    result = verify(feed, rows[:4], head_of(rows))
    assert problems(result) == [("head_mismatch", 4)]
    assert result["last_seq"] == 4 and result["last_hash"] == rows[3][7]


@FEEDERS
def test_without_a_head_nothing_is_said_about_it(feed: Feed) -> None:
    rows = build(3)
    assert verify(feed, rows, None)["ok"] is True


# -- checkpoints given up front ----------------------------------------------------------------

@FEEDERS
def test_truncation_by_exactly_one_entry_past_a_checkpoint(feed: Feed) -> None:
    rows = build(6)
    cp = checkpoint(6, rows[5][7])
    result = verify(feed, rows[:5], checkpoints=[cp])
    assert problems(result) == [("truncated", 6)]
    assert result["problems"][0]["detail"] == "signed checkpoint at seq 6 but chain ends at 5"
    assert result["checkpoints_checked"] == 0
    # the checkpoint at the last entry present is no truncation
    result = verify(feed, rows, checkpoints=[cp])
    assert (result["ok"], result["checkpoints_checked"]) == (True, 1)


@FEEDERS
def test_truncations_are_reported_in_seq_order(feed: Feed) -> None:
    rows = build(9)
    cps = [checkpoint(9, rows[8][7]), checkpoint(7, rows[6][7])]
    assert problems(verify(feed, rows[:6], checkpoints=cps)) == [("truncated", 7),
                                                                  ("truncated", 9)]


@FEEDERS
def test_entry_that_differs_from_its_checkpoint(feed: Feed) -> None:
    rows = build(5)
    result = verify(feed, rows, head_of(rows), [checkpoint(3, "a" * 64)])
    assert problems(result) == [("checkpoint_mismatch", 3)]
    assert result["problems"][0]["detail"] == "entry differs from signed checkpoint"
    assert result["checkpoints_checked"] == 1


@FEEDERS
def test_edited_entry_at_a_checkpoint_keeping_its_stored_hash(feed: Feed) -> None:
    rows = build(5)
    rows[2] = rows[2][:5] + ('{"n":0}',) + rows[2][6:8] + (2, None)
    result = verify(feed, rows, head_of(rows), [checkpoint(3, rows[2][7])])
    assert problems(result) == [("hash", 3), ("checkpoint_mismatch", 3)]


@FEEDERS
def test_recomputed_chain_after_an_edit_is_caught_by_a_later_checkpoint(feed: Feed) -> None:
    rows = build(6)
    kept = checkpoint(5, rows[4][7])
    forged = build(2) + build(6)[2:]  # same entries ...
    prev = forged[1][7]
    out = forged[:2]
    for r in forged[2:]:  # ... with entry 3 edited and every later hash recomputed
        payload = '{"n":0}' if r[0] == 3 else r[5]
        h = hash_v2(SITE, r[0], r[1], r[2], r[3], r[4], payload, prev)
        out.append(r[:5] + (payload, prev, h, 2, sha(payload)))
        prev = h
    result = verify(feed, out, head_of(out), [kept])
    assert problems(result) == [("checkpoint_mismatch", 5)]


@FEEDERS
def test_two_checkpoints_at_one_seq_are_both_checked(feed: Feed) -> None:
    rows = build(3)
    result = verify(feed, rows, checkpoints=[checkpoint(2, rows[1][7]), checkpoint(2, "a" * 64)])
    assert problems(result) == [("checkpoint_mismatch", 2)]
    assert result["checkpoints_checked"] == 2


# -- checkpoints added late (an export lists them after the entries) ---------------------------

@FEEDERS
def test_late_checkpoint_at_the_last_entry(feed: Feed) -> None:
    rows = build(5)
    ok = verify(feed, rows, late=[checkpoint(5, rows[4][7])])
    assert (ok["ok"], ok["checkpoints_checked"], ok["problems"]) == (True, 1, [])
    bad = verify(feed, rows, late=[checkpoint(5, "a" * 64)])
    assert bad["problems"] == [{"kind": "checkpoint_mismatch", "seq": 5,
                                "detail": "entry differs from signed checkpoint"}]
    assert bad["checkpoints_checked"] == 1


@FEEDERS
def test_late_checkpoint_at_the_last_entry_after_a_gap(feed: Feed) -> None:
    rows = build(6)
    del rows[1]  # five entries, the last one is seq 6
    result = verify(feed, rows, late=[checkpoint(6, rows[-1][7])])
    assert problems(result) == [("sequence", 3), ("link", 3)]
    assert result["checkpoints_checked"] == 1


@FEEDERS
def test_late_checkpoint_at_the_first_entry(feed: Feed) -> None:
    rows = build(5)
    assert verify(feed, rows, late=[checkpoint(1, rows[0][7])])["ok"] is True
    assert problems(verify(feed, rows, late=[checkpoint(1, rows[1][7])])) == [
        ("checkpoint_mismatch", 1)]


@FEEDERS
def test_late_checkpoint_past_the_end_is_a_truncation(feed: Feed) -> None:
    rows = build(5)
    result = verify(feed, rows[:4], late=[checkpoint(5, rows[4][7])])
    assert problems(result) == [("truncated", 5)]
    assert result["checkpoints_checked"] == 0


def test_checkpoint_added_before_any_entry_waits_for_its_entry() -> None:
    rows = build(3)
    v = ChainVerifier(SITE, (), KEYS)  # remembers nothing: the checkpoint must wait
    v.add_checkpoint(checkpoint(2, "a" * 64))
    reference(v, rows)
    assert problems(v.finish().as_dict()) == [("checkpoint_mismatch", 2)]


@FEEDERS
def test_late_checkpoint_against_an_edited_entry(feed: Feed) -> None:
    rows = build(4)
    rows[1] = rows[1][:5] + ('{"n":0}',) + rows[1][6:8] + (2, None)
    result = verify(feed, rows, late=[checkpoint(2, rows[1][7])])
    assert problems(result) == [("hash", 2), ("checkpoint_mismatch", 2)]


@FEEDERS
def test_late_checkpoint_with_a_gap_before_it(feed: Feed) -> None:
    rows = build(6)
    del rows[1]  # entries 1, 3, 4, 5, 6: seq 4 is not at position 3
    result = verify(feed, rows, late=[checkpoint(4, rows[2][7])])
    assert problems(result) == [("sequence", 3), ("link", 3)]
    assert result["checkpoints_checked"] == 1
    result = verify(feed, rows, late=[checkpoint(4, rows[1][7])])
    assert problems(result)[-1] == ("checkpoint_mismatch", 4)


@FEEDERS
def test_late_checkpoint_of_a_missing_entry(feed: Feed) -> None:
    rows = build(6)
    del rows[1]
    result = verify(feed, rows, late=[checkpoint(2, build(6)[1][7])])
    assert problems(result) == [("sequence", 3), ("link", 3), ("checkpoint_mismatch", 2)]
    assert result["checkpoints_checked"] == 1
    # not even when the signed hash is that of an entry that is there
    for i in range(len(rows)):
        result = verify(feed, rows, late=[checkpoint(2, rows[i][7])])
        assert problems(result)[-1] == ("checkpoint_mismatch", 2)


@FEEDERS
def test_checkpoint_given_up_front_of_a_missing_entry_is_a_mismatch_too(feed: Feed) -> None:
    """docs/audit-format.md section 9: a signed checkpoint at or below the last seq with no
    entry of its seq is checkpoint_mismatch, whether it came before or after the entries."""
    rows = build(6)
    signed = rows[1][7]
    del rows[1]
    result = verify(feed, rows, head_of(rows), [checkpoint(2, signed)])
    assert problems(result) == [("sequence", 3), ("link", 3), ("checkpoint_mismatch", 2)]
    assert result["checkpoints_checked"] == 1


@FEEDERS
def test_late_checkpoint_whose_hash_is_not_a_lowercase_hex_digest(feed: Feed) -> None:
    rows = build(3)
    for bad in (rows[1][7].upper(), rows[1][7][:63], rows[1][7] + "0"):
        assert problems(verify(feed, rows, late=[checkpoint(2, bad)])) == [
            ("checkpoint_mismatch", 2)]


def test_late_checkpoint_needs_remembered_hashes() -> None:
    rows = build(3)
    v = ChainVerifier(SITE, (), KEYS)
    reference(v, rows)
    with pytest.raises(RuntimeError) as info:
        v.add_checkpoint(checkpoint(2, rows[1][7]))
    assert str(info.value) == "late checkpoints need remember_hashes=True"


# -- checkpoints that are no evidence --------------------------------------------------------

@pytest.mark.parametrize("drop", ["seq", "hash", "ts", "signature"])
def test_checkpoint_missing_a_field_is_malformed(drop: str) -> None:
    cp = checkpoint(2, "a" * 64)
    del cp[drop]
    v = ChainVerifier(SITE, [cp], KEYS)
    result = v.finish().as_dict()
    assert result["problems"] == [{"kind": "malformed", "seq": None,
                                   "detail": "checkpoint lacks seq, hash, ts or signature"}]
    assert v.checkpoints == {}


@pytest.mark.parametrize("field,value", [("seq", "2"), ("seq", True), ("seq", 2.0),
                                         ("hash", None), ("ts", 5), ("signature", b"x")])
def test_checkpoint_with_a_wrong_type_is_malformed(field: str, value: Any) -> None:
    cp = checkpoint(2, "a" * 64)
    cp[field] = value
    assert problems(ChainVerifier(SITE, [cp], KEYS).finish().as_dict()) == [("malformed", None)]


def test_checkpoint_of_another_site() -> None:
    cp = checkpoint(2, "a" * 64, site="other")
    result = ChainVerifier(SITE, [cp], KEYS).finish().as_dict()
    assert result["problems"] == [{"kind": "checkpoint_site", "seq": 2,
                                   "detail": "checkpoint belongs to another site"}]


def test_checkpoint_without_a_site_is_taken_as_this_sites() -> None:
    rows = build(3)
    result = verify(reference, rows, checkpoints=[checkpoint(2, rows[1][7], site=None)])
    assert (result["ok"], result["checkpoints_checked"]) == (True, 1)


def test_checkpoint_signed_by_an_unknown_key() -> None:
    cp = checkpoint(2, "a" * 64, signer=Signer.from_seed_b64(OTHER_SEED))
    result = ChainVerifier(SITE, [cp], KEYS).finish().as_dict()
    assert result["problems"] == [{
        "kind": "checkpoint_key", "seq": 2,
        "detail": f"unknown signing key {Signer.from_seed_b64(OTHER_SEED).key_id!r}"}]
    no_keys = ChainVerifier(SITE, [checkpoint(2, "a" * 64)]).finish().as_dict()
    assert problems(no_keys) == [("checkpoint_key", 2)]


def test_checkpoint_whose_signature_does_not_cover_it() -> None:
    rows = build(3)
    cp = checkpoint(2, rows[1][7])
    cp["hash"] = rows[2][7]  # signed for another hash
    result = verify(reference, rows, checkpoints=[cp])
    assert result["problems"] == [{"kind": "checkpoint_signature", "seq": 2,
                                   "detail": "checkpoint signature does not verify"}]
    assert result["checkpoints_checked"] == 0
    # a signature over another site's message does not verify here either
    other = checkpoint(2, rows[1][7], site=None)
    other["signature"] = SIGNER.sign(checkpoint_message("other", 2, rows[1][7], other["ts"]))
    assert problems(verify(reference, rows, checkpoints=[other])) == [
        ("checkpoint_signature", 2)]


def test_rejected_late_checkpoint_is_not_compared() -> None:
    rows = build(3)
    cp = checkpoint(2, "a" * 64, site="other")
    result = verify(reference, rows, late=[cp])
    assert problems(result) == [("checkpoint_site", 2)]
    assert result["checkpoints_checked"] == 0


# -- formats and payload digests -------------------------------------------------------------

@FEEDERS
def test_stored_payload_hash_that_disagrees_with_a_present_payload(feed: Feed) -> None:
    rows = build(4)
    rows[1] = rows[1][:9] + ("c" * 64,)
    result = verify(feed, rows, head_of(rows))
    assert result["problems"] == [{"kind": "payload_hash", "seq": 2,
                                   "detail": "stored payload hash does not match payload"}]
    assert result["problem_count"] == 1


@FEEDERS
@pytest.mark.parametrize("version", [3, 0])
def test_unknown_hash_version_is_unverifiable(feed: Feed, version: int) -> None:
    rows = build(4)
    rows[2] = rows[2][:8] + (version, rows[2][9])
    result = verify(feed, rows, head_of(rows))
    assert result["problems"] == [{
        "kind": "unverifiable", "seq": 3,
        "detail": f"format {version} entry without what its hash covers"}]
    assert result["problem_count"] == 1 and result["ok"] is False


@FEEDERS
def test_format_1_entry_without_its_payload_is_unverifiable(feed: Feed) -> None:
    rows = build(3, v=1)
    rows[1] = rows[1][:5] + (None,) + rows[1][6:]
    assert problems(verify(feed, rows, head_of(rows))) == [("unverifiable", 2)]


@FEEDERS
def test_format_2_entry_without_payload_or_digest_is_unverifiable(feed: Feed) -> None:
    rows = build(3)
    rows[1] = rows[1][:5] + (None,) + rows[1][6:9] + (None,)
    assert problems(verify(feed, rows, head_of(rows))) == [("unverifiable", 2)]


@FEEDERS
def test_reduced_payload_with_a_wrong_digest_is_a_hash_problem(feed: Feed) -> None:
    rows = build(3)
    rows[1] = rows[1][:5] + (None,) + rows[1][6:9] + ("c" * 64,)
    assert problems(verify(feed, rows, head_of(rows))) == [("hash", 2)]


@FEEDERS
def test_entry_relabelled_as_the_other_format_is_a_hash_problem(feed: Feed) -> None:
    rows = build(3)
    rows[1] = rows[1][:8] + (1, None)
    assert problems(verify(feed, rows, head_of(rows))) == [("hash", 2)]
    rows = build(3, v=1)
    rows[1] = rows[1][:8] + (2, None)
    assert problems(verify(feed, rows, head_of(rows))) == [("hash", 2)]


@FEEDERS
def test_entry_of_another_site_is_a_hash_problem(feed: Feed) -> None:
    rows = build(3)
    rows[1] = build(3, site="other")[1][:6] + rows[1][6:7] + build(3, site="other")[1][7:]
    assert problems(verify(feed, rows)) == [("hash", 2), ("link", 3)]


# -- the fast path: same answers, and clean entries stay on the short path --------------------

def _counting(v: ChainVerifier) -> list[int]:
    calls: list[int] = []
    real = v.feed

    def counted(*row: Any) -> None:
        calls.append(row[0])
        real(*row)

    v.feed = counted  # type: ignore[method-assign]
    return calls


@pytest.mark.parametrize("fmt", [1, 2])
def test_fast_path_takes_clean_entries_without_the_reference(fmt: int) -> None:
    rows = build(8, v=fmt)
    v = ChainVerifier(SITE, (), KEYS, remember_hashes=True)
    calls = _counting(v)
    feed_rows(v, iter(rows))
    assert calls == []
    assert (v.entries, v.expected_seq, v.prev_hash) == (8, 9, rows[7][7])
    # the remembered hashes are the entries' own: a late checkpoint compares against them
    assert bytes(v.remembered_hashes) == b"".join(bytes.fromhex(r[7]) for r in rows)
    assert list(v.remembered_seqs or []) == list(range(1, 9))


def test_fast_path_hands_only_unusual_entries_to_the_reference() -> None:
    rows = build(10)
    rows[3] = rows[3][:5] + (None,) + rows[3][6:]  # reduced payload
    rows[6] = rows[6][:9] + (None,)  # format 2 without a stored digest: still clean
    rows = with_reduction(rows, 4, 4)  # seq 11 accounts for it: its range goes to feed()
    v = ChainVerifier(SITE, [checkpoint(8, rows[7][7])], KEYS, remember_hashes=True)
    calls = _counting(v)
    feed_rows(v, iter(rows))
    assert calls == [4, 8, 11]
    result = v.finish(head_of(rows)).as_dict()
    assert (result["ok"], result["entries"], result["checkpoints_checked"]) == (True, 11, 1)


def test_fast_path_after_a_broken_link_goes_on_from_the_stored_hash() -> None:
    rows = build(6)
    rows[2] = rows[2][:7] + ("f" * 64,) + rows[2][8:]  # hash of 3 wrong; 4 links to the real one
    v = ChainVerifier(SITE, (), KEYS, remember_hashes=True)
    calls = _counting(v)
    feed_rows(v, iter(rows))
    assert calls == [3, 4]
    assert problems(v.finish().as_dict()) == [("hash", 3), ("link", 4)]
    assert v.entries == 6


def test_fast_path_with_an_untrusted_previous_hash_uses_the_reference() -> None:
    rows = build(4)
    bad = 'x"' + rows[1][7][2:]  # a stored hash that is no hex digest
    rows[1] = rows[1][:7] + (bad,) + rows[1][8:]
    rows[2] = rows[2][:6] + (bad,) + rows[2][7:]
    v = ChainVerifier(SITE, (), KEYS, remember_hashes=False)
    calls = _counting(v)
    feed_rows(v, iter(rows))
    assert calls == [2, 3]  # 2: its hash does not match; 3: follows an untrusted hash
    assert problems(v.finish().as_dict()) == [("hash", 2), ("hash", 3)]
    assert v.entries == 4


def test_fast_path_many_distinct_actors() -> None:
    rows: list[Row] = []
    prev = "0" * 64
    for seq in range(1, 4200):
        actor = f"key:{seq}"
        payload = "{}"
        h = hash_v2(SITE, seq, "t", actor, "a.b", None, payload, prev)
        rows.append((seq, "t", actor, "a.b", None, payload, prev, h, 2, sha(payload)))
        prev = h
    v = ChainVerifier(SITE)
    feed_rows(v, iter(rows))
    result = v.finish((4199, prev)).as_dict()
    assert (result["ok"], result["entries"]) == (True, 4199)


def test_fast_path_raises_what_the_reference_raises_and_keeps_count() -> None:
    rows = build(4)
    rows[2] = rows[2][:5] + (42,) + rows[2][6:]  # a payload that is no text
    for feed in (reference, fast):
        v = ChainVerifier(SITE)
        with pytest.raises(AttributeError):
            feed(v, rows)
        assert (v.entries, v.expected_seq, v.prev_hash) == (3, 3, rows[1][7])


def test_fast_path_continues_where_an_earlier_call_stopped() -> None:
    rows = build(6)
    v = ChainVerifier(SITE, (), KEYS, remember_hashes=True)
    feed_rows(v, iter(rows[:3]))
    feed_rows(v, iter(rows[3:]))
    result = v.finish(head_of(rows)).as_dict()
    assert (result["ok"], result["entries"]) == (True, 6)


def test_feed_takes_format_1_by_default() -> None:
    rows = build(3, v=1)
    v = ChainVerifier(SITE)
    for r in rows:
        v.feed(*r[:8])
    assert v.finish(head_of(rows)).ok is True


def test_verify_result_kinds_and_dict() -> None:
    rows = build(3)
    rows[0] = rows[0][:7] + ("f" * 64,) + rows[0][8:]
    v = ChainVerifier(SITE)
    reference(v, rows)
    v.notes.append("a note")
    result = v.finish()
    assert result.kinds == {"hash", "link"}
    assert result.as_dict()["notes"][0] == "a note"
    assert result.problems[0].as_dict() == {"kind": "hash", "seq": 1,
                                            "detail": "entry content does not match its hash"}


@FEEDERS
def test_late_checkpoint_with_a_non_hex_hash_is_a_mismatch(feed: Feed) -> None:
    rows = build(3)
    assert problems(verify(feed, rows, late=[checkpoint(2, "X" * 64)])) == [
        ("checkpoint_mismatch", 2)]


@FEEDERS
def test_entry_with_a_negative_seq_is_reported_not_a_crash(feed: Feed) -> None:
    rows = build(3)
    rows[1] = (-2,) + rows[1][1:]
    result = verify(feed, rows)
    assert problems(result) == [("sequence", -2), ("hash", -2), ("sequence", 3)]


# -- the same checkpoint given twice (a bundle's line and the auditor's kept copy) ---------

@FEEDERS
def test_the_same_checkpoint_given_twice_counts_once(feed: Feed) -> None:
    rows = build(6)
    cp = checkpoint(4, rows[3][7])
    before = verify(feed, rows, checkpoints=[cp, dict(cp)])  # both before the entries
    assert before["ok"] is True and before["checkpoints_checked"] == 1
    after = verify(feed, rows, late=[cp, dict(cp)])  # both after them
    assert after["ok"] is True and after["checkpoints_checked"] == 1
    mixed = verify(feed, rows, checkpoints=[cp], late=[dict(cp)])
    assert mixed["checkpoints_checked"] == 1
    # two different checkpoints at one seq (another signing time) are two
    other = checkpoint(4, rows[3][7], ts="2026-03-01T12:00:00.000000Z")
    assert verify(feed, rows, checkpoints=[cp, other])["checkpoints_checked"] == 2
    # a forged copy (another hash) is not the same checkpoint: still a mismatch
    forged = checkpoint(4, "b" * 64)
    assert problems(verify(feed, rows, checkpoints=[cp, forged])) == [
        ("checkpoint_mismatch", 4)]


@FEEDERS
def test_a_kept_copy_anchors_a_checkpoint_whose_key_is_not_trusted(feed: Feed) -> None:
    """With untrusted keys (an export's own), a checkpoint anchors only when it was kept
    outside; the export's own line and the kept copy are one checkpoint that anchors once."""
    rows = build(6)
    cp = checkpoint(4, rows[3][7])
    for own_first in (True, False):
        v = ChainVerifier(SITE, (), KEYS, remember_hashes=True, keys_trusted=False)
        if own_first:
            v.add_checkpoint(cp)
            v.add_checkpoint(dict(cp), external=True)
            feed(v, rows)
        else:
            feed(v, rows)
            v.add_checkpoint(cp)
            v.add_checkpoint(dict(cp), external=True)
        result = v.finish(head_of(rows))
        assert result.ok and result.checkpoints_checked == 1 and v.anchors == 1, own_first
    v = ChainVerifier(SITE, (), KEYS, remember_hashes=True, keys_trusted=False)
    v.add_checkpoint(cp)
    feed(v, rows)
    assert v.finish(head_of(rows)).ok and v.anchors == 0  # the export's own alone: none
