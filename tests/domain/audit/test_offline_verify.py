"""Tamper corpus, export-file side: `lupa audit export --format bundle` writes a file that
`lupa audit verify --file` checks with no database; every alteration of the file is named."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import SIGNING_KEY, bearer
from tests.domain.audit.test_tamper import ATTACKER_SEED, record

Lines = list[dict[str, Any]]


def export(runner: Any, tmp_path: Path, site: str = "demo") -> Lines:
    out = tmp_path / f"{site}.jsonl"
    res = runner.invoke(args=["audit", "export", "--site", site, "--format", "bundle",
                              "-o", str(out)])
    assert res.exit_code == 0, res.output
    return [json.loads(line) for line in out.read_text("utf-8").splitlines()]


def run_verify(runner: Any, tmp_path: Path, lines: Lines, *extra: str) -> tuple[int, Any]:
    path = tmp_path / "under_test.jsonl"
    path.write_text("".join(json.dumps(obj, ensure_ascii=False) + "\n" for obj in lines), "utf-8")
    res = runner.invoke(args=["audit", "verify", "--file", str(path), "--json", *extra])
    return res.exit_code, json.loads(res.stdout) if res.stdout.strip() else res.output


def kinds(result: dict[str, Any]) -> set[str]:
    return {p["kind"] for p in result["problems"]}


def entries(lines: Lines) -> Lines:
    return [obj for obj in lines if obj["type"] == "entry"]


def by_seq(lines: Lines, seq: int) -> dict[str, Any]:
    return next(obj for obj in entries(lines) if obj["seq"] == seq)


def rehash(lines: Lines, start: int) -> None:
    """Recompute hashes and links from `start` and fix the head line, as a forger would."""
    from service.domain.audit.chain import compute_entry_hash, payload_digest

    prev = "0" * 64
    for e in entries(lines):
        if e["seq"] >= start:
            e["prev_hash"] = prev
            if e["v"] == 2 and e["payload"] is not None:
                e["payload_hash"] = payload_digest(e["payload"])
            e["hash"] = compute_entry_hash(e["site"], e["seq"], e["ts"], e["actor"], e["action"],
                                           e["subject"], e["payload"], prev, e["v"],
                                           e["payload_hash"])
        prev = e["hash"]
    head = next(obj for obj in lines if obj["type"] == "head")
    last = entries(lines)[-1]
    head["seq"], head["hash"] = last["seq"], last["hash"]


def real_public_key() -> str:
    from service.domain.audit.signing import Signer

    return Signer.from_seed_b64(SIGNING_KEY).public_b64


@pytest.fixture()
def bundle(app: Flask, client: Any, runner: Any, demo: dict, tmp_path: Path) -> Lines:
    """17 demo entries with checkpoints at 5, 10 and 15, exported."""
    record(client, 12)
    record(client, 3, site="other")
    return export(runner, tmp_path)


@pytest.fixture()
def kept(client: Any, demo: dict, tmp_path: Path) -> Path:
    """The auditor's own copy of GET .../audit/checkpoints after signing the current head."""
    return keep_checkpoints(client, demo, tmp_path)


def keep_checkpoints(client: Any, demo: dict, tmp_path: Path) -> Path:
    headers = bearer(demo["keys"]["auditor"])
    assert client.post("/api/v1/sites/demo/audit/checkpoints", headers=headers).status_code == 201
    body = client.get("/api/v1/sites/demo/audit/checkpoints", headers=headers).get_json()
    path = tmp_path / "kept-checkpoints.json"
    path.write_text(json.dumps(body))
    return path


# --- the cases: each alters the lines in place ------------------------------------------------
def edit_payload(lines: Lines) -> None:
    e = by_seq(lines, 8)
    assert '"analytics":true' in e["payload"]
    e["payload"] = e["payload"].replace('"analytics":true', '"analytics":false')


def edit_timestamp(lines: Lines) -> None:
    by_seq(lines, 9)["ts"] = "2020-01-01T00:00:00.000000Z"


def edit_and_recompute(lines: Lines) -> None:
    edit_payload(lines)
    rehash(lines, 8)


def delete_middle(lines: Lines) -> None:
    lines.remove(by_seq(lines, 9))


def insert_forged(lines: Lines) -> None:
    from service.domain.audit.chain import compute_entry_hash, payload_digest

    before = by_seq(lines, 8)
    forged = {**before, "seq": 9, "payload": '{"forged":true}', "prev_hash": before["hash"],
              "payload_hash": payload_digest('{"forged":true}')}
    forged["hash"] = compute_entry_hash("demo", 9, forged["ts"], forged["actor"],
                                        forged["action"], forged["subject"], forged["payload"],
                                        forged["prev_hash"], 2, forged["payload_hash"])
    lines.insert(lines.index(before) + 1, forged)


def reorder(lines: Lines) -> None:
    a, b = lines.index(by_seq(lines, 11)), lines.index(by_seq(lines, 12))
    lines[a], lines[b] = lines[b], lines[a]


def drop_newest(lines: Lines) -> None:
    for seq in range(13, 18):
        lines.remove(by_seq(lines, seq))


def drop_newest_fix_head_and_checkpoints(lines: Lines) -> None:
    drop_newest(lines)
    lines[:] = [o for o in lines if not (o["type"] == "checkpoint" and o["seq"] > 12)]
    head = next(o for o in lines if o["type"] == "head")
    head["seq"], head["hash"] = 12, by_seq(lines, 12)["hash"]


def drop_head_line(lines: Lines) -> None:
    drop_newest(lines)
    lines[:] = [o for o in lines if o["type"] != "head"]


def forge_checkpoint_signature(lines: Lines) -> None:
    cp = next(o for o in lines if o["type"] == "checkpoint" and o["seq"] == 10)
    cp["signature"] = base64.b64encode(b"\x00" * 64).decode()


def rewrite_and_resign_with_own_key(lines: Lines) -> None:
    """The full forgery: rewrite, recompute, re-sign every checkpoint with a new key, and put
    that key into the header. Consistent in itself; only an outside anchor can tell."""
    from service.domain.audit.chain import checkpoint_message
    from service.domain.audit.signing import Signer

    edit_and_recompute(lines)
    forger = Signer.from_seed_b64(ATTACKER_SEED)
    lines[0]["public_keys"] = {forger.key_id: forger.public_b64}
    for cp in (o for o in lines if o["type"] == "checkpoint"):
        cp["hash"] = by_seq(lines, cp["seq"])["hash"]
        cp["key_id"] = forger.key_id
        cp["signature"] = forger.sign(checkpoint_message("demo", cp["seq"], cp["hash"], cp["ts"]))


def malformed_line(lines: Lines) -> None:
    del by_seq(lines, 10)["prev_hash"]


def wipe_payload(lines: Lines) -> None:
    """The payload emptied (null, its digest kept) with no retention run (issue 13, item 6)."""
    by_seq(lines, 8)["payload"] = None


FILE_CASES: dict[str, tuple[Callable[[Lines], None], set[str]]] = {
    "edit_payload": (edit_payload, {"hash"}),
    "edit_timestamp": (edit_timestamp, {"hash"}),
    "edit_and_recompute": (edit_and_recompute, {"checkpoint_mismatch"}),
    "delete_middle": (delete_middle, {"sequence", "link"}),
    "insert_forged": (insert_forged, {"sequence", "link"}),
    "reorder": (reorder, {"sequence", "link"}),
    "drop_newest": (drop_newest, {"truncated", "head_mismatch"}),
    "drop_head_line": (drop_head_line, {"head_missing", "truncated"}),
    "forge_checkpoint_signature": (forge_checkpoint_signature, {"checkpoint_signature"}),
    "malformed_line": (malformed_line, {"malformed"}),
    "wipe_payload": (wipe_payload, {"payload_missing"}),
}


@pytest.mark.parametrize("name", list(FILE_CASES))
def test_tampered_export_fails_offline(runner: Any, bundle: Lines, tmp_path: Path,
                                       name: str) -> None:
    tamper, expected = FILE_CASES[name]
    tamper(bundle)
    code, result = run_verify(runner, tmp_path, bundle)
    assert code == 1
    assert expected <= kinds(result), result


def test_untampered_export_verifies_with_and_without_outside_anchors(
    runner: Any, bundle: Lines, tmp_path: Path, kept: Path
) -> None:
    code, result = run_verify(runner, tmp_path, bundle)
    # intact, but signed only by keys the file brings along: not anchored, not exit 0
    assert code == 1 and result["ok"] and result["entries"] == 17
    assert result["checkpoints_checked"] == 3 and result["anchored"] is False
    assert any("taken from the export itself" in n for n in result["notes"])
    assert any(n.startswith("nothing anchored") for n in result["notes"])
    code, result = run_verify(runner, tmp_path, bundle, "--allow-unanchored")
    assert code == 0 and result["ok"] and result["anchored"] is False
    code, result = run_verify(runner, tmp_path, bundle, "--public-key", real_public_key())
    assert code == 0 and result["notes"] == [] and result["anchored"] is True
    code, result = run_verify(runner, tmp_path, bundle, "--checkpoint", str(kept))
    assert code == 0 and result["notes"] == []  # the checkpoint file's keys are trusted
    # the file's 5, 10, 15 and the kept 5, 10, 15, 17: the same checkpoint given twice is
    # one, so four (issue 14: "counts one checkpoint twice")
    assert result["checkpoints_checked"] == 4


def test_export_taken_after_the_kept_checkpoint_verifies_against_it(
    runner: Any, client: Any, demo: dict, tmp_path: Path, kept: Path
) -> None:
    record(client, 2)
    lines = export(runner, tmp_path)
    code, result = run_verify(runner, tmp_path, lines, "--checkpoint", str(kept))
    assert code == 0, result
    assert result["notes"] == []  # the checkpoint file's public keys are trusted
    assert result["checkpoints_checked"] >= 1


def test_full_rewrite_passes_on_its_own_keys_but_fails_with_an_outside_anchor(
    runner: Any, client: Any, demo: dict, tmp_path: Path
) -> None:
    record(client, 12)
    kept = keep_checkpoints(client, demo, tmp_path)
    lines = export(runner, tmp_path)
    rewrite_and_resign_with_own_key(lines)
    code, result = run_verify(runner, tmp_path, lines)
    assert code == 1, result  # self-consistent forgery: consistent, but nothing anchors it
    assert result["ok"] and not result["anchored"] and result["notes"]
    code, result = run_verify(runner, tmp_path, lines, "--allow-unanchored")
    assert code == 0, result  # accepted only when asked to
    code, result = run_verify(runner, tmp_path, lines, "--public-key", real_public_key())
    assert code == 1 and "checkpoint_key" in kinds(result)
    code, result = run_verify(runner, tmp_path, lines, "--checkpoint", str(kept))
    assert code == 1 and {"checkpoint_key", "checkpoint_mismatch"} <= kinds(result)


def test_drop_newest_with_head_and_checkpoints_fixed_is_caught_by_kept_checkpoint(
    runner: Any, bundle: Lines, tmp_path: Path, client: Any, demo: dict
) -> None:
    headers = bearer(demo["keys"]["auditor"])
    kept = client.get("/api/v1/sites/demo/audit/checkpoints", headers=headers).get_json()
    cp_file = tmp_path / "kept.json"
    cp_file.write_text(json.dumps(kept["checkpoints"][-1]))  # a single checkpoint object, seq 15
    drop_newest_fix_head_and_checkpoints(bundle)
    code, result = run_verify(runner, tmp_path, bundle, "--public-key", real_public_key())
    assert code == 0, result
    code, result = run_verify(runner, tmp_path, bundle, "--public-key", real_public_key(),
                              "--checkpoint", str(cp_file))
    assert code == 1 and kinds(result) == {"truncated"}


def test_entry_copied_from_another_sites_export_is_foreign(
    runner: Any, bundle: Lines, tmp_path: Path
) -> None:
    theirs = export(runner, tmp_path, "other")
    mine = by_seq(bundle, 8)
    bundle[bundle.index(mine)] = by_seq(theirs, 8)
    code, result = run_verify(runner, tmp_path, bundle)
    assert code == 1 and {"foreign_entry", "hash"} <= kinds(result)


def test_checkpoint_from_another_site_is_rejected(
    runner: Any, bundle: Lines, tmp_path: Path
) -> None:
    theirs = [o for o in export(runner, tmp_path, "other") if o["type"] == "checkpoint"]
    assert theirs
    code, result = run_verify(runner, tmp_path, bundle + theirs)
    assert code == 1 and "checkpoint_site" in kinds(result)


@pytest.mark.parametrize("content", ["", "not json\n", '{"type": "something else"}\n'])
def test_a_file_that_is_not_an_export_is_a_clear_error(runner: Any, tmp_path: Path,
                                                       content: str) -> None:
    path = tmp_path / "junk.jsonl"
    path.write_text(content)
    res = runner.invoke(args=["audit", "verify", "--file", str(path)])
    assert res.exit_code == 1
    assert "not a Lupa audit export" in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)


def test_export_is_consistent_and_lists_checkpoints_before_entries(
    bundle: Lines,
) -> None:
    types = [o["type"] for o in bundle]
    assert types[0] == "lupa.audit-export" and types[-1] == "head"
    assert types.index("entry") > max(i for i, t in enumerate(types) if t == "checkpoint")
    assert [e["seq"] for e in entries(bundle)] == list(range(1, 18))
    assert bundle[-1]["seq"] == 17


def test_fast_entry_hash_equals_the_canonical_json_definition() -> None:
    """The hand-written encoder must produce exactly canonical_json's bytes, or old chains
    would stop verifying."""
    from service.domain.audit.canonical import canonical_json, sha256_hex
    from service.domain.audit.chain import entry_hash

    samples = [
        ("demo", 1, "2026-01-01T00:00:00.000000Z", "visitor", "consent.recorded", None, "{}"),
        ("a-b", 12345678901, "t", 'key:"x"\\', "x.y", "subject:ä€😀\n\t\x00", '{"k":"ö\\u0001"}'),
        ("s", 0, "", "", "", "", "\u2028\u2029</script>"),
    ]
    for site, seq, ts, actor, action, subject, payload in samples:
        reference = sha256_hex(canonical_json({
            "v": 1, "site": site, "seq": seq, "ts": ts, "actor": actor, "action": action,
            "subject": subject, "payload": payload, "prev": "f" * 64,
        }))
        assert entry_hash(site, seq, ts, actor, action, subject, payload, "f" * 64) == reference


def test_format_2_hash_equals_its_canonical_json_definition() -> None:
    from service.domain.audit.canonical import canonical_json, sha256_hex
    from service.domain.audit.chain import compute_entry_hash

    payload = '{"choices":{"analytics":true},"x":"ä\\u0001"}'
    reference = sha256_hex(canonical_json({
        "v": 2, "site": "demo", "seq": 7, "ts": "t", "actor": "visitor", "action": "a.b",
        "subject": "visitor:ä", "payload_sha256": sha256_hex(payload), "prev": "0" * 64}))
    args = ("demo", 7, "t", "visitor", "a.b", "visitor:ä")
    assert compute_entry_hash(*args, payload, "0" * 64, 2) == reference
    assert compute_entry_hash(*args, None, "0" * 64, 2, sha256_hex(payload)) == reference
    assert compute_entry_hash(*args, None, "0" * 64, 1) is None  # format 1 needs its payload


def test_recomputed_chain_without_checkpoints_is_not_anchored_by_a_public_key_alone(
    runner: Any, bundle: Lines, tmp_path: Path
) -> None:
    """Issue 13, item 6: with --public-key but no checkpoint left to match, nothing ties the
    file to the key: it must say so and exit non-zero unless --allow-unanchored."""
    edit_and_recompute(bundle)
    bundle[:] = [o for o in bundle if o["type"] != "checkpoint"]
    code, result = run_verify(runner, tmp_path, bundle, "--public-key", real_public_key())
    assert code == 1 and result["ok"] is True and result["anchored"] is False, result
    assert result["checkpoints_checked"] == 0
    assert any(n.startswith("nothing anchored") for n in result["notes"])
    path = tmp_path / "under_test.jsonl"
    res = runner.invoke(args=["audit", "verify", "--file", str(path), "--public-key",
                              real_public_key()])
    assert res.exit_code == 1 and "INTACT, UNANCHORED" in res.output
    code, _ = run_verify(runner, tmp_path, bundle, "--public-key", real_public_key(),
                         "--allow-unanchored")
    assert code == 0


def test_kept_checkpoint_anchors_even_with_the_files_own_keys(
    runner: Any, bundle: Lines, tmp_path: Path, client: Any, demo: dict
) -> None:
    """A checkpoint the auditor kept outside anchors what it matches, whatever key list the
    file brings: a forger cannot change an entry it covers."""
    headers = bearer(demo["keys"]["auditor"])
    kept = client.get("/api/v1/sites/demo/audit/checkpoints", headers=headers).get_json()
    cp_file = tmp_path / "kept.json"
    cp_file.write_text(json.dumps(kept["checkpoints"][0]))  # no public keys with it
    code, result = run_verify(runner, tmp_path, bundle, "--checkpoint", str(cp_file))
    assert code == 0 and result["anchored"] is True, result


def test_export_of_a_chain_cut_back_in_the_database_shows_the_cut(
    app: Flask, runner: Any, client: Any, demo: dict, tmp_path: Path
) -> None:
    """Newest entries deleted and the head rewound in the database: the export still carries
    the checkpoints past the head (they are read before it), so the file says `truncated`."""
    from tests.domain.audit.test_tamper import drop_newest_and_rewind_head, site_id

    record(client, 12)
    drop_newest_and_rewind_head(app, site_id(app))
    lines = export(runner, tmp_path)
    assert [o["seq"] for o in lines if o["type"] == "checkpoint"] == [5, 10, 15]
    code, result = run_verify(runner, tmp_path, lines, "--public-key", real_public_key())
    assert code == 1 and kinds(result) == {"truncated"}, result


@pytest.mark.parametrize("signed", ["its own hash", "another hash"])
def test_checkpoint_line_after_its_entry_is_checked(runner: Any, bundle: Lines, tmp_path: Path,
                                                    signed: str) -> None:
    """docs/audit-format.md: checkpoint lines may come anywhere after the header. One that
    follows its entry is compared like any other (it was skipped while entries took the fast
    path, so a wrong one passed)."""
    from service.domain.audit.chain import checkpoint_message
    from service.domain.audit.signing import Signer

    cp = next(o for o in bundle if o["type"] == "checkpoint" and o["seq"] == 10)
    bundle.remove(cp)
    if signed == "another hash":
        cp["hash"] = by_seq(bundle, 9)["hash"]
        cp["signature"] = Signer.from_seed_b64(SIGNING_KEY).sign(
            checkpoint_message("demo", 10, cp["hash"], cp["ts"]))
    bundle.insert(bundle.index(by_seq(bundle, 12)) + 1, cp)
    code, result = run_verify(runner, tmp_path, bundle, "--public-key", real_public_key())
    assert result["checkpoints_checked"] == 3, result
    if signed == "its own hash":
        assert code == 0 and result["ok"], result
    else:
        assert code == 1 and kinds(result) == {"checkpoint_mismatch"}, result
