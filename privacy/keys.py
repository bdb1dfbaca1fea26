"""Master keys: the key ring, where it comes from, and the key file of the default provider.

A key ring holds every master key still needed to decrypt, oldest first; the newest one
encrypts. Rotation adds a key at the end and keeps the old ones, so payloads written before
a rotation still decrypt. Each use (Temporal payloads, wrapping customer data keys) works
with its own subkey derived by HKDF from each master key, so one master key never encrypts
two kinds of data.

The default `KeyProvider` reads a JSON key file (written 0600); production points
`SWITCHING_KEY_FILE` at its own, or supplies another provider (a KMS) behind the protocol.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from privacy.errors import KeyFileError, UnknownKey

KEY_BYTES: Final = 32
FILE_FORMAT: Final = "switching-master-keys/1"


@dataclass(frozen=True)
class MasterKey:
    key_id: str
    secret: bytes

    def __post_init__(self) -> None:
        if len(self.secret) != KEY_BYTES:
            raise KeyFileError(f"key {self.key_id!r} is {len(self.secret)} bytes, not 32")

    def __repr__(self) -> str:
        # Never print a secret, not even in a traceback.
        return f"MasterKey({self.key_id!r})"

    @classmethod
    def generate(cls, now: datetime | None = None) -> MasterKey:
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%d")
        return cls(f"mk-{stamp}-{secrets.token_hex(4)}", secrets.token_bytes(KEY_BYTES))

    def derive(self, purpose: str) -> MasterKey:
        """This key's subkey for one use; the id stays the master key's."""
        subkey = HKDF(
            algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose.encode()
        ).derive(self.secret)
        return MasterKey(self.key_id, subkey)


class KeyRing:
    """Master keys by id; `current` (the newest) encrypts, every one decrypts."""

    def __init__(self, keys: Sequence[MasterKey]) -> None:
        if not keys:
            raise KeyFileError("a key ring needs at least one key")
        ids = [key.key_id for key in keys]
        if len(set(ids)) != len(ids):
            raise KeyFileError(f"key ids must be unique, got {ids}")
        self._keys = tuple(keys)
        self._by_id = {key.key_id: key for key in keys}

    @property
    def current(self) -> MasterKey:
        return self._keys[-1]

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(key.key_id for key in self._keys)

    def get(self, key_id: str) -> MasterKey:
        key = self._by_id.get(key_id)
        if key is None:
            raise UnknownKey(
                f"key {key_id!r} is not in the key ring (it holds {', '.join(self.key_ids)}); "
                "restore that key to the key file to read what it encrypted"
            )
        return key

    def derive(self, purpose: str) -> KeyRing:
        return KeyRing([key.derive(purpose) for key in self._keys])


class KeyProvider(Protocol):
    def load(self) -> KeyRing:
        """The key ring as it is now; raises KeyFileError (or its own error) when unusable."""
        ...


@dataclass(frozen=True)
class FileKeyProvider:
    """Reads the JSON key file: {"format": ..., "keys": [{"id", "created_at", "secret"}]}."""

    path: Path

    def load(self) -> KeyRing:
        return KeyRing([_key_of(self.path, entry) for entry in _entries(self.path)])


def load_ring(path: Path) -> KeyRing:
    return FileKeyProvider(path).load()


def create_key_file(path: Path) -> bool:
    """Write a key file with one new key unless one exists; True when it was created."""
    if path.exists():
        return False
    _write(path, [_entry_of(MasterKey.generate())])
    return True


def rotate_key_file(path: Path) -> MasterKey:
    """Add a new newest key to the file, keeping every older one for decryption."""
    FileKeyProvider(path).load()  # refuse to rotate a file that does not load
    key = MasterKey.generate()
    _write(path, [*_entries(path), _entry_of(key)])
    return key


def _entries(path: Path) -> list[Any]:
    try:
        document = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise KeyFileError(
            f"no master key file at {path}: create one with `switching keys init` "
            "or point SWITCHING_KEY_FILE at yours"
        ) from None
    except OSError as error:
        raise KeyFileError(f"cannot read the key file {path}: {error.strerror}") from None
    except ValueError as error:
        raise KeyFileError(f"the key file {path} is not JSON: {error}") from None
    if not isinstance(document, dict) or document.get("format") != FILE_FORMAT:
        raise KeyFileError(f"the key file {path} is not in the {FILE_FORMAT!r} format")
    entries = document.get("keys")
    if not isinstance(entries, list) or not entries:
        raise KeyFileError(f"the key file {path} holds no keys")
    return entries


def _key_of(path: Path, entry: Any) -> MasterKey:
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        raise KeyFileError(f"the key file {path} has a key without an id")
    try:
        secret = base64.b64decode(str(entry.get("secret", "")), validate=True)
    except binascii.Error:
        raise KeyFileError(f"key {entry['id']!r} in {path} is not base64") from None
    return MasterKey(entry["id"], secret)


def _entry_of(key: MasterKey) -> dict[str, str]:
    return {
        "id": key.key_id,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "secret": base64.b64encode(key.secret).decode(),
    }


def _write(path: Path, entries: Sequence[Any]) -> None:
    document = {"format": FILE_FORMAT, "keys": list(entries)}
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.new")
    # Created 0600 from the start: the secret never sits in a file others could read.
    descriptor = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump(document, out, indent=2)
        out.write("\n")
    os.replace(staging, path)
