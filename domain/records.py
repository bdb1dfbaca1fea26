"""Dataclasses as plain JSON records and back: how events are stored and states carried.

A record holds each field's value as JSON: enums as their values, dates and instants as
ISO-8601, tuples as lists, a nested dataclass as a record of its own. A field declared with
`field(metadata=EMBEDDED)` holds a value object whose fields are written into its owner's
record, so a value object shared by several types changes neither how they are stored nor
how they are sent. Decoding is typed by the dataclass's annotations and strict about what
it reads: an instant without an offset, a string where a number belongs or an unknown enum
value is refused; a field the record lacks takes the dataclass's default, or the decoding
fails.

A dataclass whose record is a contract kept across versions says so with `SCHEMA_VERSION`
(and `UPCASTERS`, version -> function to the next): its record carries `schema_version`,
and an older record is upcast before it is decoded.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any, TypeVar

T = TypeVar("T")

#: Turns one version's record into the next version's.
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]

_EMBEDDED = "embedded"
_VERSION_KEY = "schema_version"

#: Field metadata of a value object written flat into its owner's record.
EMBEDDED: Mapping[str, bool] = {_EMBEDDED: True}


def to_record(value: Any) -> dict[str, Any]:
    """The JSON-able record of a dataclass instance."""
    version = _version_of(type(value))
    record: dict[str, Any] = {} if version is None else {_VERSION_KEY: version}
    record.update((name, _encode(item)) for name, item in flat_fields(value).items())
    return record


def flat_fields(value: Any) -> dict[str, Any]:
    """A dataclass instance's field values by name, an embedded value object's among them."""
    values: dict[str, Any] = {}
    for field in dataclasses.fields(value):
        item = getattr(value, field.name)
        if field.metadata.get(_EMBEDDED):
            values.update(flat_fields(item))
        else:
            values[field.name] = item
    return values


def from_record(cls: type[T], record: Mapping[str, Any]) -> T:
    """An instance of the dataclass `cls` from its record; TypeError, ValueError or
    KeyError say what does not fit."""
    version = _version_of(cls)
    if version is not None:
        written = record.get(_VERSION_KEY, 1)
        try:
            record = upcast(dict(record), written, version, getattr(cls, "UPCASTERS", {}))
        except ValueError as error:
            raise ValueError(f"{getattr(cls, '__name__', cls)} record: {error}") from None
    hints = _type_hints(typing.cast(type, cls))
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        if field.metadata.get(_EMBEDDED):
            values[field.name] = from_record(hints[field.name], record)
        elif field.name in record:
            values[field.name] = _decode(hints[field.name], record[field.name])
    return cls(**values)


def upcast(
    record: dict[str, Any], version: int, current: int, upcasters: Mapping[int, Upcaster]
) -> dict[str, Any]:
    """A record written at `version`, brought to `current` one step at a time."""
    if version > current:
        raise ValueError(f"v{version} is newer than this code (v{current})")
    for step in range(version, current):
        upcaster = upcasters.get(step)
        if upcaster is None:
            raise ValueError(f"no upcaster from v{step} to v{step + 1}")
        record = upcaster(record)
    return record


def is_shaped(cls: type) -> bool:
    """True when a dataclass's record is not simply its fields: it embeds a value object or
    carries a schema version."""
    return dataclasses.is_dataclass(cls) and (
        _version_of(cls) is not None
        or any(field.metadata.get(_EMBEDDED) for field in dataclasses.fields(cls))
    )


def _version_of(cls: type) -> int | None:
    version = getattr(cls, "SCHEMA_VERSION", None)
    return version if isinstance(version, int) else None


@functools.cache
def _type_hints(cls: type) -> dict[str, Any]:
    # Resolving string annotations is slow and the answer never changes for a class.
    return typing.get_type_hints(cls)


def _encode(value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_record(value)
    if isinstance(value, tuple | list):
        return [_encode(item) for item in value]
    return value


def _decode(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        (inner,) = (arg for arg in typing.get_args(hint) if arg is not type(None))
        return _decode(inner, value)
    if hint is datetime:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError(f"instant {value!r} has no UTC offset")
        return parsed
    if hint is date:
        return date.fromisoformat(value)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if not isinstance(value, Mapping):
            raise TypeError(f"expected a record for {hint.__name__}, got {type(value).__name__}")
        return from_record(hint, value)
    if typing.get_origin(hint) is tuple:
        (item, _) = typing.get_args(hint)
        return tuple(_decode(item, element) for element in value)
    if hint is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if hint in (str, int, bool) and not isinstance(value, hint):
        raise TypeError(f"expected {hint.__name__}, got {type(value).__name__}")
    return value
