"""Making a checkpoint: extend the ledger over the newly settled events and sign its head.

Run by the auditor, who alone holds the audit key. It reads events the way every reader
does (`read_all`: settled positions only, so a late commit is never jumped over), and it
refuses to certify anything that does not follow what it certified before: each new event
must link onto its stream's last certified hash and match its own hash. A store whose
history was rewritten is therefore reported, never signed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from audit.checkpoint_files import write_exported
from audit.errors import AuditError
from audit.keys import AuditSigningKey
from eventstore import anchor_store
from eventstore.chain import fields_of, link_hash
from eventstore.driver import driver_errors
from eventstore.ledger import (
    LEDGER_GENESIS,
    Checkpoint,
    LedgerEntry,
    SignedCheckpoint,
    ledger_link,
)
from eventstore.model import GENESIS_HASH, RecordedEvent
from eventstore.postgres import PostgresEventStore

if TYPE_CHECKING:
    from eventstore.driver import Connection

_PAGE = 2000
#: The most events one checkpoint certifies; a backlog takes several runs.
MAX_EVENTS = 200_000


class CheckpointRefused(AuditError):
    """The new events do not follow the certified ledger; nothing was signed."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"checkpoint refused: {len(problems)} problem(s), first: {problems[0]}")


@dataclass
class _Progress:
    sequence: int
    position: int
    head: str
    events: int
    streams: int
    entries: list[tuple[LedgerEntry, str]] = field(default_factory=list)
    heads: dict[str, tuple[int, str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


async def _start(store: PostgresEventStore, key: AuditSigningKey) -> _Progress:
    with driver_errors("reading the last checkpoint"):
        async with store.pool.acquire() as connection:
            return await _continue_from(connection, key)


async def _continue_from(connection: Connection, key: AuditSigningKey) -> _Progress:
    last = await anchor_store.last_checkpoint(connection)
    if last is None:
        return _Progress(0, 0, LEDGER_GENESIS, 0, 0)
    sequence, _, body, signature = last
    checkpoint = Checkpoint.from_body(body)
    fingerprint = key.public.fingerprint
    if checkpoint.key_id != fingerprint or not key.public.verifies(body, signature):
        raise CheckpointRefused(
            [f"checkpoint {sequence} is not signed by this key ({fingerprint})"]
        )
    if await anchor_store.chain_at(connection, checkpoint.position) != checkpoint.head:
        raise CheckpointRefused([f"the ledger does not end on {checkpoint.describe()}'s head"])
    return _Progress(
        sequence, checkpoint.position, checkpoint.head, checkpoint.events, checkpoint.streams
    )


def _follow(progress: _Progress, event: RecordedEvent) -> None:
    version, last_hash = progress.heads.get(event.stream_id, (0, GENESIS_HASH))
    where = f"stream {event.stream_id!r} version {event.version} (position {event.position})"
    if event.version != version + 1 or event.previous_hash != last_hash:
        progress.problems.append(
            f"{where} does not follow certified version {version} (hash {last_hash})"
        )
    elif link_hash(event.previous_hash, fields_of(event)) != event.hash:
        progress.problems.append(f"{where} does not match its own hash")
    entry = LedgerEntry(event.position, event.stream_id, event.version, event.hash)
    progress.head = ledger_link(progress.head, entry)
    progress.entries.append((entry, progress.head))
    progress.heads[event.stream_id] = (event.version, event.hash)
    progress.position = event.position
    progress.events += 1
    progress.streams += event.version == 1


async def make_checkpoint(
    store: PostgresEventStore,
    key: AuditSigningKey,
    export_dir: Path | None = None,
    max_events: int = MAX_EVENTS,
) -> Checkpoint | None:
    """Certify every event settled since the last checkpoint; None when there are none."""
    progress = await _start(store, key)
    while len(progress.entries) < max_events:
        page = await store.read_all(
            progress.position, min(_PAGE, max_events - len(progress.entries))
        )
        if not page:
            break
        unseen = {e.stream_id for e in page} - progress.heads.keys()
        with driver_errors("reading the certified stream heads"):
            async with store.pool.acquire() as connection:
                progress.heads.update(await anchor_store.certified_heads(connection, unseen))
        for event in page:
            _follow(progress, event)
    if progress.problems:
        raise CheckpointRefused(progress.problems)
    if not progress.entries:
        return None
    checkpoint = Checkpoint(
        sequence=progress.sequence + 1,
        position=progress.position,
        head=progress.head,
        events=progress.events,
        streams=progress.streams,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        key_id=key.public.fingerprint,
        public_key=key.public.base64,
    )
    body = checkpoint.body()
    signed = SignedCheckpoint(checkpoint, body, key.sign(body))
    with driver_errors(f"storing checkpoint {checkpoint.sequence}"):
        async with store.pool.acquire() as connection:
            await anchor_store.write(connection, signed, progress.entries)
    if export_dir is not None:
        write_exported(export_dir, signed, [entry for entry, _ in progress.entries])
    return checkpoint
