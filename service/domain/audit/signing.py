"""Ed25519 signing of audit checkpoints."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def key_id_of(public_raw: bytes) -> str:
    """Short fingerprint naming a public key."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


@dataclass(frozen=True)
class Signer:
    """Signs with the configured private key; knows its public key and id."""

    private: Ed25519PrivateKey

    @classmethod
    def from_seed_b64(cls, seed_b64: str) -> Signer:
        return cls(Ed25519PrivateKey.from_private_bytes(base64.b64decode(seed_b64)))

    @property
    def public_raw(self) -> bytes:
        return self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def public_b64(self) -> str:
        return base64.b64encode(self.public_raw).decode()

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_raw)

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self.private.sign(message)).decode()


def public_keys_from_b64(values: list[str]) -> dict[str, Ed25519PublicKey]:
    """Map key id -> public key for every base64 raw public key given."""
    keys: dict[str, Ed25519PublicKey] = {}
    for value in values:
        raw = base64.b64decode(value)
        keys[key_id_of(raw)] = Ed25519PublicKey.from_public_bytes(raw)
    return keys


def signature_valid(public: Ed25519PublicKey, message: bytes, signature_b64: str) -> bool:
    try:
        public.verify(base64.b64decode(signature_b64), message)
    except (InvalidSignature, ValueError):
        return False
    return True
