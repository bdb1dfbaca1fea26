"""`audit verify` against the signed checkpoints: what changed since the store was certified.

The reference is the ledger as of the last checkpoint whose signature verifies with the
pinned audit key: the exported checkpoint files when given (nobody with only the database
can touch them), else the store's own ledger, which must recompute to every signed head.
Every event up to that checkpoint's position is then compared with its ledger entry, and
each difference is named with its stream, version and position: an event edited in place,
an edit whose chain was recomputed (and the versions re-hashed after it), an event or a
whole stream deleted, an event slipped into the certified range, counts that no longer
match. Events after the last checkpoint are covered by their per-stream chains only.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from audit.checkpoint_files import ExportedCheckpoint
from audit.keys import KeyPin
from eventstore import anchor_store
from eventstore.chain import fields_of, link_hash
from eventstore.ledger import LEDGER_GENESIS, Checkpoint, LedgerEntry, ledger_link
from eventstore.model import RecordedEvent
from eventstore.postgres_read import READ_RANGE, decode

if TYPE_CHECKING:
    from eventstore.driver import Connection

_PAGE = 5000


@dataclass(frozen=True)
class Finding:
    """One thing that is not as the audit key certified it."""

    kind: str
    detail: str

    def describe(self) -> str:
        return f"{self.kind}: {self.detail}"


@dataclass
class AnchorReport:
    checkpoint: Checkpoint | None = None
    checkpoints: int = 0
    covered: int = 0
    findings: list[Finding] = field(default_factory=list)
    reference: str = "store"

    @property
    def intact(self) -> bool:
        return not self.findings

    def add(self, kind: str, detail: str) -> None:
        self.findings.append(Finding(kind, detail))


def _where(stream_id: str, version: int, position: int) -> str:
    return f"stream {stream_id!r} version {version} (position {position})"


async def _trusted_checkpoints(
    connection: Connection, pin: KeyPin, exported: list[ExportedCheckpoint], report: AnchorReport
) -> list[Checkpoint]:
    """The checkpoints that verify with the pinned key, store and exports cross-checked."""
    stored = {
        sequence: (body, sig)
        for sequence, _, body, sig in await anchor_store.checkpoints(connection)
    }
    trusted: dict[int, Checkpoint] = {}
    for sequence, (body, signature) in stored.items():
        checkpoint = Checkpoint.from_body(body)
        if checkpoint.sequence != sequence or not pin.verifies(
            checkpoint.public_key, body, signature
        ):
            report.add(
                "checkpoint",
                f"stored checkpoint {sequence} does not verify with the pinned audit key",
            )
            continue
        trusted[sequence] = checkpoint
    for item in exported:
        checkpoint = item.signed.checkpoint
        if not pin.verifies(checkpoint.public_key, item.signed.body, item.signed.signature):
            report.add(
                "checkpoint",
                f"exported checkpoint {checkpoint.sequence} does not verify with the pinned "
                f"audit key",
            )
            continue
        if checkpoint.sequence not in stored:
            report.add(
                "checkpoint", f"{checkpoint.describe()} was exported but is gone from the store"
            )
        elif stored[checkpoint.sequence][0] != item.signed.body:
            report.add(
                "checkpoint",
                f"checkpoint {checkpoint.sequence} in the store differs from its exported copy",
            )
        trusted[checkpoint.sequence] = checkpoint
    ordered = [trusted[s] for s in sorted(trusted)]
    for expected, checkpoint in enumerate(ordered, start=1):
        if checkpoint.sequence != expected:
            report.add(
                "checkpoint", f"checkpoint {expected} is missing (next is {checkpoint.sequence})"
            )
            break
    return ordered


class _Reference:
    """The certified ledger, page by page: exported segments first, the store beyond them."""

    def __init__(self, connection: Connection, exported: list[ExportedCheckpoint]) -> None:
        self._connection = connection
        self._exported = [e for item in exported for e in item.segment]
        self._positions = [e.position for e in self._exported]
        self._exported_to = exported[-1].signed.checkpoint.position if exported else 0

    async def page(
        self, after: int, upto: int
    ) -> tuple[list[LedgerEntry], list[anchor_store.StoredLedgerEntry]]:
        stored = await anchor_store.ledger_range(self._connection, after, upto)
        start = bisect_right(self._positions, after)
        mine = self._exported[start : bisect_right(self._positions, upto)]
        beyond = [s.entry for s in stored if s.entry.position > self._exported_to]
        return mine + beyond, stored


@dataclass
class _Walk:
    report: AnchorReport
    checkpoints: list[Checkpoint]
    head: str = LEDGER_GENESIS
    stored_head: str = LEDGER_GENESIS
    ledger_broken: bool = False
    next_checkpoint: int = 0
    events: int = 0
    streams: set[str] = field(default_factory=set)
    changed: dict[str, list[int]] = field(default_factory=dict)
    deleted: dict[str, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))

    def ledger(self, entry: LedgerEntry, stored: anchor_store.StoredLedgerEntry | None) -> None:
        self.head = ledger_link(self.head, entry)
        if stored is not None and not self.ledger_broken:
            self.stored_head = ledger_link(self.stored_head, stored.entry)
            if stored.entry != entry or stored.chain_hash != self.stored_head:
                self.ledger_broken = True
                self.report.add(
                    "ledger", f"the store's ledger entry at position {entry.position} was altered"
                )
        while (
            self.next_checkpoint < len(self.checkpoints)
            and self.checkpoints[self.next_checkpoint].position <= entry.position
        ):
            checkpoint = self.checkpoints[self.next_checkpoint]
            if checkpoint.position == entry.position and checkpoint.head != self.head:
                self.report.add(
                    "ledger",
                    f"the ledger does not lead to {checkpoint.describe()}'s signed head: it "
                    f"was rewritten at or before position {entry.position}",
                )
            self.next_checkpoint += 1

    def compare(self, entry: LedgerEntry | None, event: RecordedEvent | None) -> None:
        if event is not None:
            self.events += 1
            self.streams.add(event.stream_id)
        if event is None:
            assert entry is not None
            self.deleted[entry.stream_id].append((entry.version, entry.position))
            return
        if entry is None:
            self.report.add(
                "inserted",
                f"{_where(event.stream_id, event.version, event.position)} was written into "
                f"the certified range after it was certified",
            )
            return
        if (entry.stream_id, entry.version) != (event.stream_id, event.version):
            self.report.add(
                "moved",
                f"position {event.position} holds "
                f"{_where(event.stream_id, event.version, event.position)}, certified as "
                f"{_where(entry.stream_id, entry.version, entry.position)}",
            )
            return
        content = link_hash(event.previous_hash, fields_of(event))
        if content == entry.event_hash == event.hash:
            return
        where = _where(event.stream_id, event.version, event.position)
        if event.hash == entry.event_hash:
            self.report.add(
                "edited",
                f"{where} was edited in place: its content no longer matches the hash "
                f"certified for it",
            )
        elif event.stream_id not in self.changed:
            self.changed[event.stream_id] = []
            self.report.add(
                "edited",
                f"{where} was edited and its stream's chain recomputed: hash {event.hash}, "
                f"certified {entry.event_hash}",
            )
        else:
            self.changed[event.stream_id].append(event.version)


async def verify_against_checkpoints(
    connection: Connection, pin: KeyPin, exported: list[ExportedCheckpoint] | None = None
) -> AnchorReport:
    """Compare the store with what the last trusted checkpoint certified."""
    exported = exported or []
    report = AnchorReport(reference="exported checkpoints" if exported else "store")
    checkpoints = await _trusted_checkpoints(connection, pin, exported, report)
    report.checkpoints = len(checkpoints)
    if not checkpoints:
        return report
    last = checkpoints[-1]
    report.checkpoint = last
    walk = _Walk(report, checkpoints)
    reference = _Reference(connection, exported)
    after = 0
    while after < last.position:
        upto = min(after + _PAGE, last.position)
        entries, stored = await reference.page(after, upto)
        rows = await connection.fetch(READ_RANGE, after, upto, upto - after)
        _merge(walk, entries, {s.entry.position: s for s in stored}, [decode(r) for r in rows])
        after = upto
    await _conclude(connection, walk, last)
    report.covered = walk.events
    return report


def _merge(
    walk: _Walk,
    entries: list[LedgerEntry],
    stored: dict[int, anchor_store.StoredLedgerEntry],
    events: list[RecordedEvent],
) -> None:
    by_position = {event.position: event for event in events}
    for entry in entries:
        walk.ledger(entry, stored.get(entry.position))
        walk.compare(entry, by_position.pop(entry.position, None))
    for event in sorted(by_position.values(), key=lambda e: e.position):
        walk.compare(None, event)


async def _conclude(connection: Connection, walk: _Walk, last: Checkpoint) -> None:
    report = walk.report
    for stream_id, versions in walk.changed.items():
        if versions:
            report.add(
                "rewritten",
                f"stream {stream_id!r} versions {versions[0]}-{versions[-1]} were re-hashed "
                f"to follow the edit",
            )
    if walk.deleted:
        remaining = {
            row["stream_id"]
            for row in await connection.fetch(
                "SELECT DISTINCT stream_id FROM events WHERE stream_id = ANY($1::text[])",
                sorted(walk.deleted),
            )
        }
        for stream_id, gone in sorted(walk.deleted.items()):
            if stream_id not in remaining:
                report.add(
                    "deleted stream",
                    f"stream {stream_id!r} is gone: its {len(gone)} certified event(s), "
                    f"versions {gone[0][0]}-{gone[-1][0]}, were deleted",
                )
                continue
            for version, position in gone:
                report.add("deleted", f"{_where(stream_id, version, position)} was deleted")
    if (walk.events, len(walk.streams)) != (last.events, last.streams):
        report.add(
            "counts",
            f"{last.describe()} certifies {last.events} events in {last.streams} streams; the "
            f"store holds {walk.events} in {len(walk.streams)} up to that position",
        )
