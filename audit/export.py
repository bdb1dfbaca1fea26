"""`audit export`: write one switch's sealed bundle from the store and Temporal.

Run by the auditor, who holds the audit key. Before signing anything it certifies the
store up to now (a checkpoint) and checks the whole store against every checkpoint so far:
a store that changed since it was certified is reported, never sealed.

The history is written with its payloads decrypted (personal fields stay sealed), so the
bundle verifies without the master key; see `privacy.history`.
"""

from __future__ import annotations

from pathlib import Path

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from audit.anchor import verify_against_checkpoints
from audit.bundle import build_bundle, write_bundle
from audit.bundle_seal import Proof, seal
from audit.checkpointer import make_checkpoint
from audit.errors import AuditError
from audit.keys import AuditSigningKey, KeyPin
from css.pki import KeyHistory
from domain.events import RegistrationSubmitted
from eventstore import anchor_store
from eventstore.driver import driver_errors
from eventstore.ledger import Checkpoint, SignedCheckpoint
from eventstore.model import RecordedEvent
from eventstore.postgres import PostgresEventStore
from privacy.codec import EncryptionCodec
from privacy.history import decrypt_history
from receiver.records import inbound_stream


async def _certified(store: PostgresEventStore, key: AuditSigningKey) -> SignedCheckpoint:
    await make_checkpoint(store, key)
    with driver_errors("checking the store against its checkpoints"):
        async with (
            store.pool.acquire() as connection,
            connection.transaction(isolation="repeatable_read", readonly=True),
        ):
            report = await verify_against_checkpoints(connection, KeyPin(key.public.fingerprint))
            last = await anchor_store.last_checkpoint(connection)
    if not report.intact:
        raise AuditError(
            "will not seal a bundle of a store that changed since it was certified: "
            + "; ".join(finding.describe() for finding in report.findings)
        )
    if last is None:
        raise AuditError("the store has no checkpoint to seal the bundle with")
    _, _, body, signature = last
    return SignedCheckpoint(Checkpoint.from_body(body), body, signature)


async def _inbound(store: PostgresEventStore, events: list[RecordedEvent]) -> list[RecordedEvent]:
    """The CSS messages stored for the switch's registrations."""
    registrations = sorted(
        {str(e.data["registration_id"]) for e in events if e.type == RegistrationSubmitted.__name__}
    )
    found: list[RecordedEvent] = []
    for registration_id in registrations:
        found.extend(await store.read_stream(inbound_stream(registration_id)))
    return found


async def export_switch(
    store: PostgresEventStore,
    client: Client,
    switch_id: str,
    out: Path,
    key: AuditSigningKey,
    css_keys: KeyHistory | None,
) -> int:
    """Write the sealed bundle; returns how many events of the switch it holds."""
    events = await store.read_stream(switch_id)
    if not events:
        raise AuditError(f"no stream {switch_id!r} in the event store")
    try:
        history = await client.get_workflow_handle(switch_id).fetch_history()
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            raise AuditError(f"no workflow {switch_id!r} in Temporal") from None
        raise AuditError(f"Temporal refused {switch_id!r}: {error.message}") from None
    inbound = await _inbound(store, events)
    checkpoint = await _certified(store, key)
    with driver_errors("reading the ledger"):
        async with store.pool.acquire() as connection:
            ledger = await anchor_store.ledger_at_positions(
                connection, [e.position for e in [*events, *inbound]]
            )
    codec = client.data_converter.payload_codec
    if isinstance(codec, EncryptionCodec):
        history = decrypt_history(history, codec)
    bundle = build_bundle(switch_id, history.to_json(), events)
    write_bundle(out, seal(bundle, Proof(inbound, checkpoint, ledger, css_keys), key))
    return len(events)
