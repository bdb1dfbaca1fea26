"""JSON on the CSS wire: compact encoding and a strict, self-explaining field reader."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from css.errors import InvalidMessage

#: Where CSS pushes notifications on the receiving supplier's side.
NOTIFICATIONS_PATH = "/v1/notifications"

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_E = TypeVar("_E", bound=StrEnum)


def encode(payload: Mapping[str, Any]) -> bytes:
    """Compact JSON bytes: what gets signed and sent."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def wire_datetime(value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"a wire datetime needs an offset, got {value.isoformat()}")
    return value.isoformat()


def _json_type(value: object) -> str:
    names = {bool: "boolean", int: "number", float: "number", str: "string", list: "array"}
    return "null" if value is None else names.get(type(value), "object")


class Fields:
    """Reads one JSON object field by field, refusing with the field's name and the fault."""

    def __init__(self, raw: object, what: str) -> None:
        if not isinstance(raw, dict):
            raise InvalidMessage(f"{what} must be a JSON object, got {_json_type(raw)}")
        self.raw: dict[str, Any] = raw
        self.what = what

    @classmethod
    def from_body(cls, body: bytes, what: str) -> Fields:
        try:
            raw = json.loads(body)
        except (UnicodeDecodeError, ValueError) as exc:
            raise InvalidMessage(f"{what} is not valid JSON: {exc}") from None
        return cls(raw, what)

    def _get(self, name: str, expected: str, *, optional: bool = False) -> Any:
        if name not in self.raw:
            if optional:
                return None
            raise InvalidMessage(f"{self.what}: missing field '{name}' ({expected})", name)
        value = self.raw[name]
        if value is None and not optional:
            raise InvalidMessage(f"{self.what}: field '{name}' must be {expected}, got null", name)
        return value

    def _wrong(self, name: str, expected: str, value: object) -> InvalidMessage:
        shown = json.dumps(value) if isinstance(value, str) else _json_type(value)
        return InvalidMessage(f"{self.what}: field '{name}' must be {expected}, got {shown}", name)

    def text(self, name: str) -> str:
        value = self._get(name, "a non-empty string")
        if not isinstance(value, str) or not value.strip():
            raise self._wrong(name, "a non-empty string", value)
        return value

    def optional_text(self, name: str) -> str | None:
        if self.raw.get(name) is None:
            return None
        return self.text(name)

    def flag(self, name: str) -> bool:
        value = self._get(name, "a boolean")
        if not isinstance(value, bool):
            raise self._wrong(name, "a boolean", value)
        return value

    def instant(self, name: str) -> datetime:
        expected = "an ISO-8601 date-time with offset"
        value = self._get(name, expected)
        if not isinstance(value, str):
            raise self._wrong(name, expected, value)
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise self._wrong(name, expected, value) from None
        if parsed.tzinfo is None or "T" not in value:
            raise self._wrong(name, expected, value)
        return parsed

    def optional_instant(self, name: str) -> datetime | None:
        return None if self.raw.get(name) is None else self.instant(name)

    def day(self, name: str) -> date:
        value = self._get(name, "a date YYYY-MM-DD")
        if not isinstance(value, str) or not _DATE.fullmatch(value):
            raise self._wrong(name, "a date YYYY-MM-DD", value)
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self._wrong(name, "a real calendar date YYYY-MM-DD", value) from None

    def optional_day(self, name: str) -> date | None:
        return None if self.raw.get(name) is None else self.day(name)

    def choice(self, name: str, enum: type[_E]) -> _E:
        allowed = ", ".join(member.value for member in enum)
        value = self._get(name, f"one of {allowed}")
        if not isinstance(value, str):
            raise self._wrong(name, f"one of {allowed}", value)
        try:
            return enum(value)
        except ValueError:
            raise InvalidMessage(
                f'{self.what}: unknown {name} "{value}" (allowed: {allowed})', name
            ) from None
