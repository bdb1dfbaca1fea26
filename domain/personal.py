"""Personal data as the rest of the engine sees it: a sealed value, never the text itself.

A personal field (a supply address as typed, a contact detail) travels and is stored as a
`Sealed` value: the customer it belongs to, the id of that customer's data key, a nonce and
the ciphertext. Workflows, events and histories carry it as it is; only the vault opens
it, and once the customer is forgotten it opens to `ERASED`. A customer is named by an
opaque reference chosen by signup, which may appear anywhere (ids, logs, metadata).

Pure: no cryptography here; `privacy.vault` seals and opens.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from domain.errors import DomainError

# The same alphabet as a switch id: a reference, never a name or an address.
_CUSTOMER_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")

#: The fields of a sealed value's JSON form, by which it is recognised inside any payload.
SEALED_FIELDS: Final = frozenset({"customer_ref", "key_id", "nonce", "ciphertext"})


class InvalidCustomerRef(DomainError):
    """Not an opaque customer reference; the message says why."""


def customer_ref(value: str) -> str:
    """`value` if it is a valid customer reference, else InvalidCustomerRef."""
    if not isinstance(value, str) or not _CUSTOMER_REF.fullmatch(value):
        raise InvalidCustomerRef(
            f"customer reference {value!r} must be 1-64 letters, digits or . _ : - "
            "(starting with a letter or digit)"
        )
    return value


@dataclass(frozen=True)
class Sealed:
    """One personal field, encrypted under its customer's data key (base64 text fields)."""

    customer_ref: str
    key_id: str
    nonce: str
    ciphertext: str

    def __repr__(self) -> str:
        return f"Sealed(customer_ref={self.customer_ref!r}, key_id={self.key_id!r})"

    def to_json(self) -> dict[str, str]:
        return {
            "customer_ref": self.customer_ref,
            "key_id": self.key_id,
            "nonce": self.nonce,
            "ciphertext": self.ciphertext,
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Sealed:
        return cls(
            customer_ref=str(value["customer_ref"]),
            key_id=str(value["key_id"]),
            nonce=str(value["nonce"]),
            ciphertext=str(value["ciphertext"]),
        )


def is_sealed(value: object) -> bool:
    """True for a sealed value's JSON form (a mapping with exactly its four fields)."""
    return isinstance(value, Mapping) and set(value) == SEALED_FIELDS


class Erased:
    """What a sealed value opens to once its customer has been forgotten."""

    _instance: Erased | None = None

    def __new__(cls) -> Erased:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ERASED"

    def __str__(self) -> str:
        return "[erased]"


ERASED: Final = Erased()


def customer_stream(reference: str) -> str:
    """The event stream of a customer's data-protection facts. A '/' cannot occur in a
    switch id, so this never collides with a switch's stream."""
    return f"customer/{customer_ref(reference)}"


@dataclass(frozen=True)
class CustomerForgotten:
    """The customer's data key was destroyed: every personal field sealed under it is gone.

    `held_personal_data` is false when the engine never sealed anything for the customer
    (the erasure then only bars sealing anything for them again)."""

    customer_ref: str
    key_id: str
    held_personal_data: bool
    at: datetime
