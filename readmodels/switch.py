"""The switch read model: one row per switch, folded from its stream by the domain's `evolve`.

A switch's stream id is its switch id and holds domain events only, starting with
`SwitchRequested`; any other stream (the inbound receiver's `css-inbound-...`, for one) is
not a switch and is ignored. For each switch touched by a batch the projection refolds the
stream from its first event, so the row is exactly what the decider's own fold gives (the
audit's comparison relies on that), and an upcast of old events applies here too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from domain.events import EVENT_TYPES, SwitchRequested
from domain.switch import SwitchState, event_from_record, fold
from eventstore.model import RecordedEvent

if TYPE_CHECKING:
    from eventstore.driver import Connection

NAME: Final = "switch_read_model"

_COLUMNS: Final = (
    "switch_id",
    "status",
    "terminal",
    "fuel",
    "mpxn",
    "market_sector",
    "registration_id",
    "requested_supply_start_date",
    "supply_start_date",
    "requested_at",
    "submitted_at",
    "objection_window_end",
    "two_day_target",
    "backstop",
    "updated_at",
    "reason_code",
    "objection_standing",
    "withdrawal_requested",
    "deadline_missed",
    "compensation_due",
    "compensation_pence",
    "stuck",
    "stream_version",
    "last_position",
)

_UPSERT: Final = (
    f"INSERT INTO switch_read_model ({', '.join(_COLUMNS)}) "
    f"VALUES ({', '.join(f'${n}' for n in range(1, len(_COLUMNS) + 1))}) "
    "ON CONFLICT (switch_id) DO UPDATE SET "
    + ", ".join(f"{column} = EXCLUDED.{column}" for column in _COLUMNS[1:])
)

_STREAM: Final = (
    "SELECT position, version, type, schema_version, data FROM events "
    "WHERE stream_id = $1 AND version <= $2 ORDER BY version"
)


def row_of(state: SwitchState, last_position: int) -> dict[str, Any]:
    """The read-model row of a folded switch."""
    return {
        "switch_id": state.switch_id,
        "status": state.status.value,
        "terminal": state.terminal,
        "fuel": state.details.fuel.value,
        "mpxn": state.details.mpxn,
        "market_sector": state.details.market_sector.value,
        "registration_id": state.registration_id,
        "requested_supply_start_date": state.details.requested_supply_start_date,
        "supply_start_date": state.supply_start_date,
        "requested_at": state.requested_at,
        "submitted_at": state.submitted_at,
        "objection_window_end": state.objection_window_end,
        "two_day_target": state.two_day_target,
        "backstop": state.backstop,
        "updated_at": state.updated_at,
        "reason_code": state.reason_code,
        "objection_standing": state.objection_standing,
        "withdrawal_requested": state.withdrawal_requested,
        "deadline_missed": state.deadline_missed,
        "compensation_due": state.compensation_due,
        "compensation_pence": state.compensation_pence,
        "stuck": state.stuck,
        "stream_version": state.version,
        "last_position": last_position,
    }


def fold_records(records: Sequence[Mapping[str, Any]]) -> SwitchState | None:
    """Fold stored records (type, schema_version, data) of one stream; None when the
    stream is not a switch (it does not start with SwitchRequested)."""
    if not records or records[0]["type"] != SwitchRequested.__name__:
        return None
    return fold([event_from_record(r["type"], r["data"], r["schema_version"]) for r in records])


class SwitchReadModel:
    """The `switch_read_model` projection."""

    name = NAME

    async def apply(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        latest: dict[str, int] = {}
        for event in events:
            if event.type in EVENT_TYPES:
                latest[event.stream_id] = max(latest.get(event.stream_id, 0), event.version)
        for stream_id, version in latest.items():
            rows = await connection.fetch(_STREAM, stream_id, version)
            records = [{**dict(row), "data": json.loads(row["data"])} for row in rows]
            state = fold_records(records)
            if state is not None:
                values = row_of(state, rows[-1]["position"])
                await connection.execute(_UPSERT, *(values[column] for column in _COLUMNS))

    async def reset(self, connection: Connection) -> None:
        await connection.execute("DELETE FROM switch_read_model")


async def live_rows(connection: Connection) -> dict[str, dict[str, Any]]:
    """Every row of the read model, keyed by switch id."""
    rows = await connection.fetch(f"SELECT {', '.join(_COLUMNS)} FROM switch_read_model")
    return {row["switch_id"]: dict(row) for row in rows}
