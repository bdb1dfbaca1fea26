"""The audit's cross-check: a stored stream folded through the domain decider, and every
field where it disagrees with another view of the switch (the workflow's own state).

Kept free of database and Temporal imports so the offline bundle verifier shares them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain.records import flat_fields
from domain.switch import SwitchState, event_from_record, fold
from eventstore.model import RecordedEvent


def fold_stream(events: Sequence[RecordedEvent]) -> SwitchState | None:
    """The state the stored events lead to, through the domain decider's own `evolve`."""
    return fold([event_from_record(e.type, e.data, e.schema_version) for e in events])


@dataclass(frozen=True)
class Difference:
    field: str
    store: Any
    other: Any

    def describe(self, other_name: str) -> str:
        return f"{self.field}: store {self.store!r}, {other_name} {self.other!r}"


def differences(store: SwitchState | None, other: SwitchState | None) -> list[Difference]:
    """Every field where the folded stream and another view of the switch disagree."""
    if store is None or other is None:
        if store is other:
            return []
        return [Difference("state", _summary(store), _summary(other))]
    theirs = flat_fields(other)
    return [
        Difference(name, value, theirs[name])
        for name, value in flat_fields(store).items()
        if value != theirs[name]
    ]


def _summary(state: SwitchState | None) -> str:
    return "absent" if state is None else f"{state.status.value} at version {state.version}"
