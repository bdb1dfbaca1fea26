"""Fault injection: the ways a real CSS misbehaves, switched on per share or per count.

Shares (0..1) draw from a seeded random source so that a run can be repeated; the
`*_next` counters make a fault happen exactly on the next N occasions, which is what a
test wants.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from css.errors import InvalidMessage


@dataclass(frozen=True)
class FaultSettings:
    error_rate: float = 0.0  # share of /v1 requests answered 503 before anything happens
    fail_next: int = 0  # the next N /v1 requests answer 503
    stall_rate: float = 0.0  # share of registrations recorded, then answered too late
    stall_next: int = 0
    stall_seconds: float = 30.0  # real seconds, beyond any sane client timeout
    duplicate_rate: float = 0.0  # share of notifications delivered twice
    reorder_rate: float = 0.0  # share of notifications swapped with the next one
    reorder_hold_seconds: float = 2.0  # how long a swapped one waits for a successor
    delay_rate: float = 0.0  # share of notifications held back before sending
    delay_seconds: float = 2.0  # real seconds
    seed: int | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name.endswith("_rate") and not 0.0 <= value <= 1.0:
                raise ValueError(f"{f.name} must be between 0 and 1, got {value}")
            if f.name != "seed" and value < 0:
                raise ValueError(f"{f.name} must not be negative, got {value}")

    def to_wire(self) -> dict[str, Any]:
        return asdict(self)

    def updated(self, changes: dict[str, Any]) -> FaultSettings:
        """A copy with `changes` (wire names = field names) applied, strictly typed."""
        known = {f.name: f for f in fields(self)}
        typed: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in known:
                raise InvalidMessage(f"faults: unknown setting '{name}'", name)
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            if not numeric and not (name == "seed" and value is None):
                raise InvalidMessage(f"faults: '{name}' must be a number", name)
            is_count = name.endswith("_next") or name == "seed"
            typed[name] = int(value) if is_count and value is not None else value
        try:
            return replace(self, **typed)
        except ValueError as exc:
            raise InvalidMessage(f"faults: {exc}") from None


class FaultInjector:
    """Answers "should this fault happen now?" and consumes the one-shot counters."""

    def __init__(self, settings: FaultSettings = FaultSettings()) -> None:
        self.settings = settings
        self._random = random.Random(settings.seed)

    def configure(self, settings: FaultSettings) -> None:
        if settings.seed != self.settings.seed:
            self._random = random.Random(settings.seed)
        self.settings = settings

    def _draw(self, rate: float) -> bool:
        return rate > 0 and self._random.random() < rate

    def _take(self, counter: str) -> bool:
        left: int = getattr(self.settings, counter)
        if left <= 0:
            return False
        self.settings = replace(self.settings, **{counter: left - 1})
        return True

    def fail_request(self) -> bool:
        return self._take("fail_next") or self._draw(self.settings.error_rate)

    def stall_registration(self) -> bool:
        return self._take("stall_next") or self._draw(self.settings.stall_rate)

    def duplicate(self) -> bool:
        return self._draw(self.settings.duplicate_rate)

    def reorder(self) -> bool:
        return self._draw(self.settings.reorder_rate)

    def delay(self) -> float:
        return self.settings.delay_seconds if self._draw(self.settings.delay_rate) else 0.0
