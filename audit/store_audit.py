"""The store-wide checks of `audit verify` beyond the per-stream chains: the store against
its signed checkpoints, and every stored CSS body against its signature.

Both read one consistent snapshot (a repeatable-read, read-only transaction), so a store
in use is audited as of one instant.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import asyncpg

from audit.anchor import AnchorReport, verify_against_checkpoints
from audit.checkpoint_files import ExportedCheckpoint
from audit.keys import KeyPin
from audit.signatures import problems_in
from css.pki import KeyHistory
from eventstore.driver import driver_errors
from receiver.records import RECEIVED_TYPE

_RECEIVED = (
    "SELECT stream_id, version, position, data FROM events WHERE type = $1 ORDER BY position"
)


@dataclass
class StoreAudit:
    anchor: AnchorReport | None = None
    bodies_checked: int = 0
    signature_problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return (self.anchor is None or self.anchor.intact) and not self.signature_problems


async def _check_bodies(
    connection: asyncpg.Connection, keys: KeyHistory, result: StoreAudit
) -> None:
    async for row in connection.cursor(_RECEIVED, RECEIVED_TYPE, prefetch=1000):
        checked, found = problems_in(
            [(row["stream_id"], row["version"], row["position"], json.loads(row["data"]))], keys
        )
        result.bodies_checked += checked
        result.signature_problems.extend(found)


async def audit_store(
    url: str,
    pin: KeyPin | None,
    exported: list[ExportedCheckpoint],
    css_keys: KeyHistory | None,
) -> StoreAudit:
    """Checkpoints (when a key is pinned) and CSS signatures (when CSS's keys are known)."""
    result = StoreAudit()
    with driver_errors("auditing the store"):
        connection = await asyncpg.connect(url)
        try:
            async with connection.transaction(isolation="repeatable_read", readonly=True):
                if pin is not None:
                    result.anchor = await verify_against_checkpoints(connection, pin, exported)
                if css_keys is not None:
                    await _check_bodies(connection, css_keys, result)
        finally:
            await connection.close()
    return result
