"""Identifier encryption: a random data key per subject, wrapped by the master key, and a
per-site keyed hash (HMAC-SHA256) for lookup, so the database alone reveals no identifier.

The master key is LUPA_ENCRYPTION_KEY (base64 of 32 bytes), independent of every other secret:
rotating LUPA_SECRET_KEY never touches identifiers. A wrapped key names the master key that
wrapped it (WRAP_TAG, then the key id); untagged keys were wrapped before Lupa tagged them,
either by LUPA_ENCRYPTION_KEY or, when it was unset, by a key derived from LUPA_SECRET_KEY
(`legacy_master`, used only to re-wrap them: see domain/marketing/keyring.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

NONCE_BYTES = 12
WRAP_TAG = b"\x01"  # then the 8-byte key id of the master key, the nonce, the ciphertext
KEY_ID_BYTES = 8
UNTAGGED_BYTES = NONCE_BYTES + 32 + 16  # nonce, wrapped data key, GCM tag
TAGGED_BYTES = len(WRAP_TAG) + KEY_ID_BYTES + UNTAGGED_BYTES


class KeyUnavailable(RuntimeError):
    """A subject's data key was destroyed (erasure) or cannot be unwrapped."""


def _hkdf(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


def decode_master(encryption_key: str) -> bytes:
    """LUPA_ENCRYPTION_KEY's 32 bytes; ValueError naming the variable if malformed."""
    try:
        raw = base64.b64decode(encryption_key.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("LUPA_ENCRYPTION_KEY must be base64 of 32 bytes") from exc
    if len(raw) != 32:
        raise ValueError("LUPA_ENCRYPTION_KEY must be base64 of 32 bytes")
    return raw


@lru_cache(maxsize=8)
def _master_from(encryption_key: str) -> bytes:
    return decode_master(encryption_key)


def legacy_master(secret_key: str) -> bytes:
    """The master key Lupa derived from LUPA_SECRET_KEY when LUPA_ENCRYPTION_KEY was unset;
    only ever an *old* key for a re-wrap, never used to wrap."""
    return _hkdf(secret_key.encode(), b"lupa/identifier-master/v1")


def master_key() -> bytes:
    value = current_app.config.get("LUPA_ENCRYPTION_KEY")
    if not value:
        raise KeyUnavailable("LUPA_ENCRYPTION_KEY is not set")
    return _master_from(str(value))


@lru_cache(maxsize=16)
def key_id(master: bytes) -> bytes:
    """A short public name of a master key (it reveals nothing of the key)."""
    return hmac.digest(master, b"lupa/master-key-id/v1", hashlib.sha256)[:KEY_ID_BYTES]


def wrapped_by(wrapped: bytes) -> bytes | None:
    """The key id a wrapped key names; None for an untagged (older) one."""
    if len(wrapped) == TAGGED_BYTES and wrapped[:1] == WRAP_TAG:
        return bytes(wrapped[1:1 + KEY_ID_BYTES])
    return None


@lru_cache(maxsize=256)
def _lookup_key_from(master: bytes, site_id: int) -> bytes:
    return _hkdf(master, b"lupa/identifier-lookup/v1/" + str(site_id).encode())


def lookup_key(site_id: int, master: bytes | None = None) -> bytes:
    """The HMAC key for one site: equal identifiers on two sites do not hash alike."""
    return _lookup_key_from(master if master is not None else master_key(), site_id)


def lookup_hash(key: bytes, kind: str, value: str) -> bytes:
    """Keyed hash of a normalised identifier (32 bytes)."""
    return hmac.digest(key, f"{kind}:{value}".encode(), hashlib.sha256)


class PrefixedHmac:
    """HMAC-SHA256 under one key of messages that all start with one prefix, for hashing
    millions of identifiers: the key's inner and outer pads, and the prefix, are hashed once
    (RFC 2104), and each message costs two copies and two short updates. Gives exactly
    `hmac.digest(key, prefix + message, sha256)`, in well under half its time."""

    def __init__(self, key: bytes, prefix: bytes) -> None:
        if len(key) > 64:  # the SHA-256 block size: longer keys are hashed first
            key = hashlib.sha256(key).digest()
        key = key.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key) + prefix)
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def digest(self, message: bytes) -> bytes:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


def wrap_key(subject_public_id: str, data_key: bytes, master: bytes | None = None) -> bytes:
    """The stored form of a data key: WRAP_TAG, master key id, nonce, AES-GCM ciphertext."""
    master = master if master is not None else master_key()
    nonce = os.urandom(NONCE_BYTES)
    aad = b"lupa/subject-key/" + subject_public_id.encode()
    return WRAP_TAG + key_id(master) + nonce + AESGCM(master).encrypt(nonce, data_key, aad)


def new_wrapped_key(subject_public_id: str) -> tuple[bytes, bytes]:
    """A fresh data key and its wrapped form for storage."""
    data_key = AESGCM.generate_key(bit_length=256)
    return data_key, wrap_key(subject_public_id, data_key)


def unwrap_key(subject_public_id: str, wrapped: bytes | None,
               master: bytes | None = None) -> bytes:
    """The data key; KeyUnavailable if destroyed or wrapped by another master key."""
    if not wrapped:
        raise KeyUnavailable("the subject's data key was destroyed")
    master = master if master is not None else master_key()
    wrapped = bytes(wrapped)
    named = wrapped_by(wrapped)
    if named is not None:
        if named != key_id(master):
            raise KeyUnavailable("the subject's data key was wrapped by another encryption key")
        wrapped = wrapped[len(WRAP_TAG) + KEY_ID_BYTES:]
    aad = b"lupa/subject-key/" + subject_public_id.encode()
    try:
        return AESGCM(master).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], aad)
    except InvalidTag as exc:
        raise KeyUnavailable("the subject's data key cannot be unwrapped") from exc


def encrypt_identifier(data_key: bytes, kind: str, value: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(data_key).encrypt(nonce, value.encode(), kind.encode())


def decrypt_identifier(data_key: bytes, kind: str, blob: bytes) -> str:
    try:
        plain = AESGCM(data_key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], kind.encode())
    except InvalidTag as exc:
        raise KeyUnavailable("identifier ciphertext does not match its key") from exc
    return plain.decode()
