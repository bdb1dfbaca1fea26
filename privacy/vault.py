"""The vault: seal a customer's personal field, open it, forget the customer.

Each customer reference has one data key (AES-256), made on its first seal and stored only
wrapped by the newest master key (`customer_keys`). A sealed value is AES-256-GCM under that
data key, with the customer reference and key id bound in as associated data, so a value
cannot be passed off as another customer's. Forgetting the customer destroys the wrapped
key: every copy of every field sealed for them, wherever it was stored or replicated,
opens to `ERASED` from then on, and nothing new can be sealed for that reference.

Nothing is cached: a key destroyed by `forget` in one process is gone for every process at
once, which is the point of crypto-shredding.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.personal import ERASED, Erased, Sealed, customer_ref
from privacy.customer_keys import CustomerKey, CustomerKeys
from privacy.errors import DecryptionFailed, ForgottenCustomer, MissingCustomerKey
from privacy.keys import KEY_BYTES, KeyRing

#: The HKDF purpose of the master subkeys that wrap customer data keys.
PURPOSE: Final = "switching/customer-key-wrap/v1"
_NONCE_BYTES: Final = 12


@dataclass(frozen=True)
class Forgetting:
    """What `forget` did: the key destroyed (or the tombstone left) and when."""

    customer_ref: str
    key_id: str
    erased_at: datetime
    #: False when nothing had ever been sealed for the customer.
    held_personal_data: bool
    #: False when the customer had been forgotten before (nothing changed now).
    newly_forgotten: bool


class Vault:
    def __init__(
        self,
        keys: CustomerKeys,
        ring: KeyRing,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._keys = keys
        self._wrapping = ring.derive(PURPOSE)
        self._clock = clock

    async def seal(self, reference: str, text: str) -> Sealed:
        """`text` sealed under the customer's data key (made on first use)."""
        key = await self._live_key(customer_ref(reference))
        data_key = self._unwrap(key)
        nonce = os.urandom(_NONCE_BYTES)
        ciphertext = AESGCM(data_key).encrypt(nonce, text.encode(), _aad(key))
        return Sealed(key.customer_ref, key.key_id, _b64(nonce), _b64(ciphertext))

    async def open(self, sealed: Sealed) -> str | Erased:
        """The field's text, or ERASED once its customer has been forgotten."""
        key = await self._keys.find(sealed.customer_ref)
        if key is None or key.key_id != sealed.key_id:
            raise MissingCustomerKey(
                f"no data key {sealed.key_id!r} for customer {sealed.customer_ref!r} in this "
                "database: the value was sealed elsewhere, or the key table was restored "
                "from another engine"
            )
        if key.erased_at is not None:
            return ERASED
        try:
            plain = AESGCM(self._unwrap(key)).decrypt(
                base64.b64decode(sealed.nonce), base64.b64decode(sealed.ciphertext), _aad(key)
            )
        except (InvalidTag, ValueError):
            raise DecryptionFailed(
                f"a sealed value of customer {sealed.customer_ref!r} (key {sealed.key_id!r}) "
                "fails authentication: altered or truncated"
            ) from None
        return plain.decode()

    async def forget(self, reference: str) -> Forgetting:
        """Destroy the customer's data key; safe to repeat."""
        reference = customer_ref(reference)
        now = self._clock()
        tombstone = CustomerKey(reference, _new_key_id(), None, None, now, now)
        before = await self._keys.find(reference)
        row = await self._keys.erase(reference, tombstone)
        assert row.erased_at is not None, "erase leaves the row erased"
        return Forgetting(
            customer_ref=reference,
            key_id=row.key_id,
            erased_at=row.erased_at,
            held_personal_data=before is not None and before.created_at != before.erased_at,
            newly_forgotten=before is None or before.erased_at is None,
        )

    async def _live_key(self, reference: str) -> CustomerKey:
        key = await self._keys.find(reference)
        if key is None:
            key = await self._keys.add(self._new_key(reference))
        if key.erased_at is not None:
            raise ForgottenCustomer(
                f"customer {reference!r} was forgotten at {key.erased_at.isoformat()}: "
                "nothing personal may be sealed for that reference again"
            )
        return key

    def _new_key(self, reference: str) -> CustomerKey:
        master = self._wrapping.current
        key_id = _new_key_id()
        nonce = os.urandom(_NONCE_BYTES)
        aad = _wrap_aad(reference, key_id)
        wrapped = nonce + AESGCM(master.secret).encrypt(nonce, secrets.token_bytes(KEY_BYTES), aad)
        return CustomerKey(reference, key_id, wrapped, master.key_id, self._clock())

    def _unwrap(self, key: CustomerKey) -> bytes:
        assert key.wrapped is not None, "a live key"
        assert key.master_key_id is not None, "a live key"
        master = self._wrapping.get(key.master_key_id)
        nonce, wrapped = key.wrapped[:_NONCE_BYTES], key.wrapped[_NONCE_BYTES:]
        try:
            return AESGCM(master.secret).decrypt(
                nonce, wrapped, _wrap_aad(key.customer_ref, key.key_id)
            )
        except InvalidTag:
            raise DecryptionFailed(
                f"the data key of customer {key.customer_ref!r} does not unwrap under master "
                f"key {key.master_key_id!r}: the row was altered"
            ) from None


def _aad(key: CustomerKey) -> bytes:
    return f"sealed:{key.customer_ref}:{key.key_id}".encode()


def _wrap_aad(reference: str, key_id: str) -> bytes:
    return f"customer-key:{reference}:{key_id}".encode()


def _new_key_id() -> str:
    return f"dk-{secrets.token_hex(8)}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
