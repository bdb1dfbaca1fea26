"""The payload codec: every Temporal payload the engine writes, encrypted with AES-256-GCM.

An encrypted payload is the original payload (metadata and data, serialised) sealed under
the key ring's newest payload key; its metadata says `binary/encrypted` and names the key, so
any key still in the ring decrypts it after a rotation. The key id is also bound into the
ciphertext as associated data: relabelling a payload with another key id fails.

Decoding passes an unencrypted payload through unchanged. Histories written before
encryption was switched on (the committed test histories, and every switch still running
on an engine upgraded to encryption) hold plain payloads, and they must keep replaying and
running; what an attacker with write access to Temporal could inject that way, they could
inject anyway as a signal. Search attributes never reach a codec: Temporal indexes them,
so they never hold personal data.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from privacy.errors import DecryptionFailed, UnknownKey
from privacy.keys import KeyRing, load_ring

ENCODING: Final = b"binary/encrypted"
KEY_ID: Final = "encryption-key-id"
#: The HKDF purpose of payload keys (see `privacy.keys`).
PURPOSE: Final = "switching/temporal-payloads/v1"
_NONCE_BYTES: Final = 12


class EncryptionCodec(PayloadCodec):
    def __init__(self, ring: KeyRing) -> None:
        derived = ring.derive(PURPOSE)
        self._current = derived.current.key_id
        self._ciphers = {key_id: AESGCM(derived.get(key_id).secret) for key_id in derived.key_ids}

    @property
    def current_key_id(self) -> str:
        return self._current

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(payload) for payload in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        key_id = self._current
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._ciphers[key_id].encrypt(nonce, payload.SerializeToString(), key_id.encode())
        return Payload(
            metadata={"encoding": ENCODING, KEY_ID: key_id.encode()}, data=nonce + sealed
        )

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        raw_id = payload.metadata.get(KEY_ID)
        if raw_id is None:
            raise DecryptionFailed(f"an encrypted payload carries no {KEY_ID!r}")
        key_id = raw_id.decode(errors="replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            known = ", ".join(self._ciphers)
            raise UnknownKey(
                f"payload encrypted under key {key_id!r}, which is not in the key ring "
                f"(it holds {known}); restore that key to the key file to decode it"
            )
        nonce, sealed = payload.data[:_NONCE_BYTES], payload.data[_NONCE_BYTES:]
        try:
            plain = cipher.decrypt(nonce, sealed, key_id.encode())
        except InvalidTag:
            raise DecryptionFailed(
                f"payload under key {key_id!r} fails authentication: altered or not ours"
            ) from None
        return Payload.FromString(plain)


def engine_codec(key_file: Path) -> EncryptionCodec:
    """The codec of every engine process, from the master key file (KeyFileError if unusable)."""
    return EncryptionCodec(load_ring(key_file))
