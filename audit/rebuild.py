"""Rebuild the switch read model from zero and compare it with the live one.

Every switch stream (one whose first event is a SwitchRequested) is folded through the
domain decider; other streams, such as the receiver's inbound messages, are not switches.
The live read model is reached through a small Protocol so the audit does not depend on how
the projection stores its rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from domain.errors import DomainError
from domain.events import SwitchRequested
from domain.switch import SwitchState, event_from_record, evolve
from eventstore.interface import EventStore
from readmodels.switch import row_of

_PAGE = 1000


class SwitchReadModel(Protocol):
    async def rows(self) -> Mapping[str, Mapping[str, Any]]:
        """Every switch's row as the live projection holds it, brought up to date first."""
        ...


@dataclass
class RebuildReport:
    switches: int = 0
    compared: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


async def rebuild(store: EventStore) -> tuple[dict[str, SwitchState], list[str]]:
    """Every switch's state from the first event on, and the streams that would not fold."""
    states: dict[str, SwitchState] = {}
    failed: dict[str, str] = {}
    skipped: set[str] = set()
    position = 0
    while page := await store.read_all(position, _PAGE):
        for event in page:
            position = event.position
            stream = event.stream_id
            if stream in skipped or stream in failed:
                continue
            if stream not in states and event.type != SwitchRequested.__name__:
                skipped.add(stream)
                continue
            try:
                decoded = event_from_record(event.type, event.data, event.schema_version)
                states[stream] = evolve(states.get(stream), decoded)
            except DomainError as error:
                failed[stream] = f"version {event.version}: {error}"
                states.pop(stream, None)
    problems = [f"switch {stream!r} does not fold at {why}" for stream, why in failed.items()]
    return states, problems


async def rebuild_and_compare(store: EventStore, live: SwitchReadModel | None) -> RebuildReport:
    states, problems = await rebuild(store)
    report = RebuildReport(len(states) + len(problems), live is not None, problems)
    if live is None:
        return report
    current = await live.rows()
    for switch_id in sorted(states.keys() | current.keys()):
        state = states.get(switch_id)
        rebuilt = None if state is None else _comparable(row_of(state, 0))
        found = current.get(switch_id)
        for column, want, got in _row_differences(
            rebuilt, None if found is None else _comparable(found)
        ):
            report.problems.append(
                f"switch {switch_id!r} {column}: rebuilt {want!r}, read model {got!r}"
            )
    return report


def _comparable(row: Mapping[str, Any]) -> dict[str, Any]:
    # Where the projector's checkpoint stood is bookkeeping, not a fact about the switch.
    return {column: value for column, value in row.items() if column != "last_position"}


def _row_differences(
    rebuilt: Mapping[str, Any] | None, live: Mapping[str, Any] | None
) -> list[tuple[str, object, object]]:
    if rebuilt is None or live is None:
        return [] if rebuilt is live else [("row", _presence(rebuilt), _presence(live))]
    return [
        (column, rebuilt[column], live.get(column))
        for column in rebuilt
        if rebuilt[column] != live.get(column)
    ]


def _presence(row: Mapping[str, Any] | None) -> str:
    return "absent" if row is None else f"{row['status']} at version {row['stream_version']}"
