"""Showing the sealed values inside stored or decoded data.

`reveal` walks any JSON value and replaces each sealed value by what the vault says about
it: the text, or that it was erased, or why it cannot be opened. It is for an operator's
eyes only (the codec server): the result is not fit to be encoded back, and nothing calls
it on a path that stores what it returns.

`labels` says of each sealed value only whether it can still be opened, never its text:
timelines and audit reports print those labels, so they carry no personal data.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Protocol

from domain.personal import Erased, Sealed, is_sealed
from privacy.errors import PrivacyError


class Opener(Protocol):
    async def open(self, sealed: Sealed) -> str | Erased: ...


async def reveal(value: Any, opener: Opener) -> tuple[Any, int]:
    """`value` with every sealed value opened, and how many there were."""
    if is_sealed(value):
        return await _opened(Sealed.from_json(value), opener), 1
    if isinstance(value, Mapping):
        found = 0
        result: dict[str, Any] = {}
        for key, item in value.items():
            result[key], count = await reveal(item, opener)
            found += count
        return result, found
    if isinstance(value, list):
        found = 0
        items: list[Any] = []
        for item in value:
            opened, count = await reveal(item, opener)
            items.append(opened)
            found += count
        return items, found
    return value, 0


async def _opened(sealed: Sealed, opener: Opener) -> dict[str, Any]:
    shown: dict[str, Any] = {"customer_ref": sealed.customer_ref, "key_id": sealed.key_id}
    try:
        text = await opener.open(sealed)
    except PrivacyError as error:
        return {**shown, "opened": None, "error": str(error)}
    if isinstance(text, Erased):
        return {**shown, "opened": None, "erased": True}
    return {**shown, "opened": text}


ERASED_LABEL = "[erased]"


async def labels(values: Iterable[Any], opener: Opener) -> dict[Sealed, str]:
    """A label for every sealed value found in `values`: sealed (for whom), or erased."""
    found: dict[Sealed, str] = {}
    for value in values:
        for sealed in _sealed_in(value):
            if sealed not in found:
                found[sealed] = await _label(sealed, opener)
    return found


def _sealed_in(value: Any) -> Iterator[Sealed]:
    if is_sealed(value):
        yield Sealed.from_json(value)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _sealed_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _sealed_in(item)


async def _label(sealed: Sealed, opener: Opener) -> str:
    try:
        text = await opener.open(sealed)
    except PrivacyError as error:
        return f"[sealed, unreadable: {error}]"
    if isinstance(text, Erased):
        return ERASED_LABEL
    return f"[sealed for {sealed.customer_ref}]"
