"""The store-wide chain and its checkpoints: pure values and hashing, no I/O.

Per-stream chains prove each stream's order, but not that a stream still exists or that
its chain was not recomputed after an edit. The ledger answers both: it lists every
settled event in position order with the hash it had when it was certified, and chains
them, each link over the one before:

    link(n) = sha256(link(n-1) || canonical JSON [position, stream id, version, event hash])

A **checkpoint** fixes the chain's head at a position, with the number of events and
streams it covers, and is signed with the audit key (`audit.keys`). Whoever cannot sign
cannot move a checkpoint, so the ledger up to it, and through it every certified event's
hash, is fixed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Final

from eventstore.chain import canonical_json

#: The link before the first ledger entry.
LEDGER_GENESIS: Final = "0" * 64
CHECKPOINT_FORMAT: Final = "switching-audit-checkpoint/1"


@dataclass(frozen=True)
class LedgerEntry:
    """One certified event: where it is and the hash it had."""

    position: int
    stream_id: str
    version: int
    event_hash: str

    def to_json(self) -> list[Any]:
        return [self.position, self.stream_id, self.version, self.event_hash]

    @classmethod
    def from_json(cls, value: Any) -> LedgerEntry:
        position, stream_id, version, event_hash = value
        return cls(int(position), str(stream_id), int(version), str(event_hash))


def ledger_link(previous: str, entry: LedgerEntry) -> str:
    digest = hashlib.sha256(previous.encode("ascii"))
    digest.update(canonical_json(entry.to_json()).encode("utf-8"))
    return digest.hexdigest()


@dataclass(frozen=True)
class Checkpoint:
    """What a checkpoint certifies; `body()` is exactly what is signed."""

    sequence: int
    position: int
    head: str
    events: int
    streams: int
    created_at: str
    #: The audit key's fingerprint, and the public key itself (base64), so a verifier that
    #: pins the fingerprint needs nothing else.
    key_id: str
    public_key: str

    def body(self) -> str:
        return canonical_json({"format": CHECKPOINT_FORMAT, **asdict(self)})

    @classmethod
    def from_body(cls, body: str) -> Checkpoint:
        value: Mapping[str, Any] = json.loads(body)
        if value.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(f"not a {CHECKPOINT_FORMAT} body")
        return cls(
            sequence=int(value["sequence"]),
            position=int(value["position"]),
            head=str(value["head"]),
            events=int(value["events"]),
            streams=int(value["streams"]),
            created_at=str(value["created_at"]),
            key_id=str(value["key_id"]),
            public_key=str(value["public_key"]),
        )

    def describe(self) -> str:
        return (
            f"checkpoint {self.sequence} (position {self.position}, {self.events} events in "
            f"{self.streams} streams, {self.created_at})"
        )


@dataclass(frozen=True)
class SignedCheckpoint:
    checkpoint: Checkpoint
    body: str
    signature: str
