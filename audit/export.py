"""`audit export`: write one switch's offline bundle from the store and Temporal.

The history is written with its payloads decrypted (personal fields stay sealed), so the
bundle verifies without the master key; see `privacy.history`.
"""

from __future__ import annotations

from pathlib import Path

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from audit.bundle import build_bundle, write_bundle
from audit.errors import AuditError
from eventstore.interface import EventStore
from privacy.codec import EncryptionCodec
from privacy.history import decrypt_history


async def export_switch(
    store: EventStore, client: Client, codec: EncryptionCodec, switch_id: str, out: Path
) -> int:
    """Write the bundle; returns how many events it holds."""
    events = await store.read_stream(switch_id)
    if not events:
        raise AuditError(f"no stream {switch_id!r} in the event store")
    try:
        history = await client.get_workflow_handle(switch_id).fetch_history()
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            raise AuditError(f"no workflow {switch_id!r} in Temporal") from None
        raise AuditError(f"Temporal refused {switch_id!r}: {error.message}") from None
    plain = decrypt_history(history, codec)
    write_bundle(out, build_bundle(switch_id, plain.to_json(), events))
    return len(events)
