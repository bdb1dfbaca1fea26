"""Which switch a CSS registration belongs to: a projection of `RegistrationSubmitted`.

CSS speaks of its own registration id; our workflows are keyed by switch id. The workflow
records `RegistrationSubmitted` (with the registration id) in the switch's stream, whose id
is the switch id, once CSS acknowledges the submission, so that fact is the mapping. This
projection keeps it as one row per registration (the first switch to record one wins), the
receiver's routing table.

CSS may notify before the fact is projected, or even written. A lookup that misses catches
the projection up and asks again, so routing never waits for a follower's lag; a miss after
that is a registration no switch has recorded yet, and the caller keeps the notification.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

import asyncpg

from domain.events import RegistrationSubmitted, event_from_record
from eventstore.driver import driver_errors
from eventstore.interface import EventStore
from eventstore.model import RecordedEvent
from readmodels.projector import Projector

if TYPE_CHECKING:
    from eventstore.driver import Connection

NAME: Final = "registration_routes"

_INSERT: Final = (
    "INSERT INTO registration_routes (registration_id, switch_id, position) "
    "VALUES ($1, $2, $3) ON CONFLICT (registration_id) DO NOTHING"
)
_LOOKUP: Final = "SELECT switch_id FROM registration_routes WHERE registration_id = $1"


class RegistrationRoutes:
    """The `registration_routes` projection."""

    name = NAME

    async def apply(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        routes = [
            (_registration_id(event), event.stream_id, event.position)
            for event in events
            if event.type == RegistrationSubmitted.__name__
        ]
        if routes:
            await connection.executemany(_INSERT, routes)

    async def reset(self, connection: Connection) -> None:
        await connection.execute("DELETE FROM registration_routes")


def _registration_id(event: RecordedEvent) -> str:
    # Through the domain's decoder, so an upcast of old events applies here too.
    submitted = event_from_record(event.type, event.data, event.schema_version)
    assert isinstance(submitted, RegistrationSubmitted)
    return submitted.registration_id


class RegistrationDirectory:
    """The switch a registration belongs to, read from the projection."""

    def __init__(self, store: EventStore, pool: asyncpg.Pool[Any]) -> None:
        self._pool = pool
        self._projector = Projector(store, pool, RegistrationRoutes())

    async def switch_for(self, registration_id: str) -> str | None:
        """The switch id holding `registration_id`, or None while none is known."""
        found = await self._lookup(registration_id)
        if found is None:
            await self._projector.catch_up()
            found = await self._lookup(registration_id)
        return found

    async def _lookup(self, registration_id: str) -> str | None:
        with driver_errors("looking up a registration"):
            switch_id: str | None = await self._pool.fetchval(_LOOKUP, registration_id)
        return switch_id
