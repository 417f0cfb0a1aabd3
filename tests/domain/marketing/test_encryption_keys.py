"""The identifier master key is LUPA_ENCRYPTION_KEY, independent of LUPA_SECRET_KEY (issue 13,
item 4): rotating the link secret never touches identifiers; rotating the encryption key
re-wraps every subject key (`lupa encryption rewrap`, audited) after which the old key opens
nothing of a fresh dump; keys an older Lupa derived from LUPA_SECRET_KEY are migrated."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask

from tests.conftest import EMBEDDED, make_app, wipe
from tests.marketing_helpers import (
    BASE,
    admin,
    audit_actions,
    check,
    new_subject,
    put_permission,
    reasons,
)

SECRET_1 = "k5V0bq3nE8yJw2TfXo7LcQ1uZ9aRgH4sMvD6pNiYtKe"
SECRET_2 = "Qm8rT2vX5zB7nL0pW4yC9kF1hJ6dS3gA8eU5oI2tRwZ"
EMAIL, PHONE = "kielto@example.fi", "+358401234567"


def _key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def _hkdf(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


@pytest.fixture()
def apps(database_url: str, tmp_path: Path) -> Iterator[Any]:
    """make(**config) -> an app on the shared test database (a restart with that config)."""
    made: list[Flask] = []

    def make(instance: str = "instance", **extra: Any) -> Flask:
        app = make_app(database_url, tmp_path / instance, **extra)
        if not made:
            wipe(app)
        made.append(app)
        return app

    yield make
    from service.extensions import db

    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _demo(app: Flask) -> dict[str, Any]:
    from tests.conftest import demo as demo_fixture

    return demo_fixture.__wrapped__(app)  # type: ignore[attr-defined, no-any-return]


def _prohibited_subject(app: Flask, demo: dict) -> str:
    client = app.test_client()
    sid = new_subject(client, demo, email=EMAIL, phone=PHONE)
    assert put_permission(client, demo, sid, "*", "*", "prohibited").status_code == 200
    return sid


def _still_there(app: Flask, demo: dict, sid: str) -> None:
    client = app.test_client()
    detail = client.get(f"{BASE}/subjects/{sid}", headers=admin(demo)).get_json()
    assert detail["identifiers"] == {"email": EMAIL, "phone": PHONE}
    assert reasons(check(client, demo, [EMAIL])) == ["prohibited"]
    assert reasons(check(client, demo, [PHONE], channel="sms")) == ["prohibited"]


def _stored(app: Flask) -> tuple[list[tuple[str, bytes, int]], list[tuple[str, bytes, int]]]:
    from sqlalchemy import text

    from service.extensions import db

    with app.app_context():
        subjects = [tuple(r) for r in db.session.execute(text(
            "SELECT s.public_id, k.wrapped_key, s.site_id FROM subjects s "
            "JOIN subject_keys k ON k.subject_id = s.id"))]
        idents = [tuple(r) for r in db.session.execute(text(
            "SELECT kind, lookup_hash, site_id FROM subject_identifiers"))]
    return subjects, idents  # type: ignore[return-value]


def _opens(master: bytes, public_id: str, wrapped: bytes) -> bool:
    """Whether `master` unwraps a stored subject key, in either stored layout (untagged:
    nonce || ciphertext; tagged: 0x01 || 8-byte key id || nonce || ciphertext)."""
    aad = b"lupa/subject-key/" + public_id.encode()
    for body in (wrapped, wrapped[9:]):
        try:
            AESGCM(master).decrypt(body[:12], body[12:], aad)
            return True
        except (InvalidTag, ValueError):
            continue
    return False


def _hash(master: bytes, site_id: int, kind: str, value: str) -> bytes:
    lookup = _hkdf(master, b"lupa/identifier-lookup/v1/" + str(site_id).encode())
    return hmac.digest(lookup, f"{kind}:{value}".encode(), hashlib.sha256)


def test_rotating_the_secret_key_never_touches_identifiers(apps: Any) -> None:
    """The embedded default keeps its own encryption key: a restart with a new
    LUPA_SECRET_KEY still decrypts identifiers and still answers `prohibited`."""
    first = apps(SECRET_KEY=SECRET_1, LUPA_ENCRYPTION_KEY=EMBEDDED)
    demo = _demo(first)
    sid = _prohibited_subject(first, demo)
    restarted = apps(SECRET_KEY=SECRET_2, LUPA_ENCRYPTION_KEY=EMBEDDED)
    _still_there(restarted, demo, sid)


def test_the_secret_key_opens_nothing_of_a_dump(apps: Any) -> None:
    """A dump plus LUPA_SECRET_KEY (e.g. a placeholder left in) recovers nothing: the master
    key is not derived from it."""
    app = apps(SECRET_KEY=SECRET_1, LUPA_ENCRYPTION_KEY=EMBEDDED)
    demo = _demo(app)
    _prohibited_subject(app, demo)
    subjects, idents = _stored(app)
    derived = _hkdf(SECRET_1.encode(), b"lupa/identifier-master/v1")
    assert subjects and not any(_opens(derived, pid, bytes(w)) for pid, w, _ in subjects)
    assert {bytes(h) for _, h, _ in idents}.isdisjoint(
        {_hash(derived, site, "email", EMAIL) for *_, site in subjects})


def test_rotating_the_encryption_key_rewraps_every_subject_key(apps: Any,
                                                               tmp_path: Path) -> None:
    old_key, new_key = _key(), _key()
    before = apps(SECRET_KEY=SECRET_1, LUPA_ENCRYPTION_KEY=old_key)
    demo = _demo(before)
    sid = _prohibited_subject(before, demo)
    after = apps(SECRET_KEY=SECRET_1, LUPA_ENCRYPTION_KEY=new_key)
    runner = after.test_cli_runner()
    refused = runner.invoke(args=["encryption", "check"])
    assert refused.exit_code == 1 and "lupa encryption rewrap" in refused.output
    old_file = tmp_path / "old.key"
    old_file.write_text(old_key + "\n")
    done = runner.invoke(args=["encryption", "rewrap", "--old-key-file", str(old_file)])
    assert done.exit_code == 0, done.output
    assert "1 subject keys re-wrapped" in done.output
    assert runner.invoke(args=["encryption", "check"]).exit_code == 0
    _still_there(after, demo, sid)
    assert "encryption.rewrapped" in audit_actions(after)
    assert runner.invoke(args=["audit", "verify", "--site", "demo"]).exit_code == 0
    # A fresh dump: the old key opens no subject key and finds no identifier by its hash.
    subjects, idents = _stored(after)
    old = base64.b64decode(old_key)
    assert not any(_opens(old, pid, bytes(w)) for pid, w, _ in subjects)
    assert any(_opens(base64.b64decode(new_key), pid, bytes(w)) for pid, w, _ in subjects)
    assert {bytes(h) for _, h, _ in idents}.isdisjoint(
        {_hash(old, site, kind, value) for *_, site in subjects
         for kind, value in (("email", EMAIL), ("phone", PHONE))})
    # Running it again finds nothing left to do.
    again = runner.invoke(args=["encryption", "rewrap", "--old-key-file", str(old_file)])
    assert again.exit_code == 0 and "0 subject keys re-wrapped" in again.output


def test_a_wrong_old_key_changes_nothing_and_says_so(apps: Any, tmp_path: Path) -> None:
    before = apps(SECRET_KEY=SECRET_1, LUPA_ENCRYPTION_KEY=_key())
    demo = _demo(before)
    _prohibited_subject(before, demo)
    stored = _stored(before)
    after = apps(SECRET_KEY=SECRET_1, LUPA_ENCRYPTION_KEY=_key())
    wrong = tmp_path / "wrong.key"
    wrong.write_text(_key())
    result = after.test_cli_runner().invoke(
        args=["encryption", "rewrap", "--old-key-file", str(wrong)])
    assert result.exit_code == 1 and "opened by neither" in result.output
    assert _stored(after) == stored


def _make_legacy(app: Flask, secret: str) -> None:
    """Rewrite every stored key and hash as Lupa did before LUPA_ENCRYPTION_KEY was
    independent: master = HKDF-SHA256(LUPA_SECRET_KEY, info "lupa/identifier-master/v1"),
    wrapped = nonce || AES-GCM(master, data key, aad "lupa/subject-key/<id>")."""
    from sqlalchemy import select

    from service.domain.marketing import crypto
    from service.extensions import db
    from service.models import Subject, SubjectIdentifier

    legacy = _hkdf(secret.encode(), b"lupa/identifier-master/v1")
    with app.app_context():
        for subject in db.session.execute(select(Subject)).scalars():
            data_key = crypto.unwrap_key(subject.public_id, subject.wrapped_key)
            nonce = os.urandom(12)
            subject.wrapped_key = nonce + AESGCM(legacy).encrypt(
                nonce, data_key, b"lupa/subject-key/" + subject.public_id.encode())
            for ident in db.session.execute(select(SubjectIdentifier).where(
                    SubjectIdentifier.subject_id == subject.id)).scalars():
                value = crypto.decrypt_identifier(data_key, ident.kind, ident.ciphertext)
                ident.lookup_hash = _hash(legacy, subject.site_id, ident.kind, value)
        db.session.commit()


def test_keys_derived_from_the_secret_key_are_migrated_with_legacy(apps: Any) -> None:
    app = apps(SECRET_KEY=SECRET_1, LUPA_ENCRYPTION_KEY=_key())
    demo = _demo(app)
    sid = _prohibited_subject(app, demo)
    _make_legacy(app, SECRET_1)
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["encryption", "check"])
    assert refused.exit_code == 1 and "--legacy" in refused.output
    done = runner.invoke(args=["encryption", "rewrap", "--legacy"])
    assert done.exit_code == 0 and "1 subject keys re-wrapped" in done.output, done.output
    _still_there(app, demo, sid)


def test_the_demo_migrates_an_older_instance_by_itself(apps: Any) -> None:
    from service.cli.demo import migrate_legacy_keys

    app = apps(SECRET_KEY=SECRET_1, LUPA_ENCRYPTION_KEY=EMBEDDED)
    demo = _demo(app)
    sid = _prohibited_subject(app, demo)
    _make_legacy(app, SECRET_1)
    with app.app_context():
        migrate_legacy_keys()
    _still_there(app, demo, sid)


@pytest.mark.parametrize("value", ["bad", base64.b64encode(b"short").decode()])
def test_a_malformed_encryption_key_fails_at_start(database_url: str, tmp_path: Path,
                                                   value: str) -> None:
    from service.config import ConfigError

    with pytest.raises(ConfigError, match="LUPA_ENCRYPTION_KEY"):
        make_app(database_url, tmp_path / "instance", LUPA_ENCRYPTION_KEY=value)


def test_rewrap_refuses_an_instance_key_unless_asked(apps: Any) -> None:
    """Without LUPA_ENCRYPTION_KEY the current key is the instance folder's own (a container's
    may be thrown away): re-wrapping under it needs --to-instance-key."""
    app = apps(SECRET_KEY=SECRET_1, LUPA_ENCRYPTION_KEY=EMBEDDED)
    demo = _demo(app)
    sid = _prohibited_subject(app, demo)
    _make_legacy(app, SECRET_1)
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["encryption", "rewrap", "--legacy"])
    assert refused.exit_code == 2 and "--to-instance-key" in refused.output
    done = runner.invoke(args=["encryption", "rewrap", "--legacy", "--to-instance-key"])
    assert done.exit_code == 0, done.output
    _still_there(app, demo, sid)
