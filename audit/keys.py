"""The audit key: an Ed25519 key pair that signs checkpoints and bundles.

Only the auditor holds the private key (`audit.key.pem`, 0600), outside the database and
out of the application's reach; verifiers need the public key or just its fingerprint
(sha256 of the raw public key, hex), since checkpoints and bundles carry the public key
and a verifier checks it against the fingerprint it pinned.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from audit.errors import AuditError

PRIVATE_NAME: Final = "audit.key.pem"
PUBLIC_NAME: Final = "audit.pub.pem"
_RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


class AuditKeyError(AuditError):
    """An audit key is missing, unreadable, or not the one pinned."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass(frozen=True)
class AuditPublicKey:
    raw: bytes

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    @property
    def base64(self) -> str:
        return _b64(self.raw)

    @classmethod
    def from_base64(cls, text: str) -> AuditPublicKey:
        try:
            raw = base64.b64decode(text, validate=True)
            Ed25519PublicKey.from_public_bytes(raw)
        except ValueError as error:
            raise AuditKeyError(f"not an Ed25519 public key: {error}") from None
        return cls(raw)

    def verifies(self, body: str, signature: str) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(
                base64.b64decode(signature, validate=True), body.encode("utf-8")
            )
        except (InvalidSignature, ValueError):
            return False
        return True


@dataclass(frozen=True)
class AuditSigningKey:
    private: Ed25519PrivateKey

    @property
    def public(self) -> AuditPublicKey:
        return AuditPublicKey(self.private.public_key().public_bytes(*_RAW))

    def sign(self, body: str) -> str:
        return _b64(self.private.sign(body.encode("utf-8")))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise AuditKeyError(
            f"cannot read the audit key {path}: {error.strerror}; "
            "`switching audit keygen` creates one"
        ) from None


def load_signing_key(path: Path) -> AuditSigningKey:
    try:
        key = serialization.load_pem_private_key(_read(path), password=None)
    except ValueError as error:
        raise AuditKeyError(f"{path} is not a PEM private key: {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise AuditKeyError(f"{path} is not an Ed25519 key")
    return AuditSigningKey(key)


def load_public_key(path: Path) -> AuditPublicKey:
    try:
        key = serialization.load_pem_public_key(_read(path))
    except ValueError as error:
        raise AuditKeyError(f"{path} is not a PEM public key: {error}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise AuditKeyError(f"{path} is not an Ed25519 key")
    return AuditPublicKey(key.public_bytes(*_RAW))


def generate(folder: Path) -> tuple[AuditPublicKey, bool]:
    """Create the key pair in `folder` unless it is there; (its public key, created?)."""
    private_path, public_path = folder / PRIVATE_NAME, folder / PUBLIC_NAME
    if private_path.is_file():
        return load_signing_key(private_path).public, False
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    public_path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return AuditSigningKey(key).public, True


@dataclass(frozen=True)
class KeyPin:
    """What a verifier trusts: the fingerprint of the one audit public key."""

    fingerprint: str

    @classmethod
    def of(cls, public_key_file: Path | None, fingerprint: str | None) -> KeyPin:
        if fingerprint:
            cleaned = fingerprint.strip().lower().removeprefix("sha256:")
            if len(cleaned) != 64 or any(c not in "0123456789abcdef" for c in cleaned):
                raise AuditKeyError(f"fingerprint must be 64 hex digits, got {fingerprint!r}")
            return cls(cleaned)
        if public_key_file is None:
            raise AuditKeyError("give the audit public key or its fingerprint")
        return cls(load_public_key(public_key_file).fingerprint)

    def key_for(self, public_key_base64: str) -> AuditPublicKey | None:
        """The embedded public key when it is the pinned one, else None."""
        try:
            key = AuditPublicKey.from_base64(public_key_base64)
        except AuditKeyError:
            return None
        return key if key.fingerprint == self.fingerprint else None

    def verifies(self, public_key_base64: str, body: str, signature: str) -> bool:
        key = self.key_for(public_key_base64)
        return key is not None and key.verifies(body, signature)
