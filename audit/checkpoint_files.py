"""Exported checkpoints: one JSON file per checkpoint, kept where the database cannot reach.

Each file holds the signed checkpoint and the ledger entries it added (the segment after
the previous checkpoint), so the exported files alone rebuild the whole ledger. Someone
who can rewrite the database, ledger included, cannot rewrite these copies; `audit
verify --checkpoints DIR` then takes them as the reference and names what changed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from audit.errors import AuditError
from eventstore.ledger import Checkpoint, LedgerEntry, SignedCheckpoint

FILE_FORMAT: Final = "switching-audit-checkpoint-file/1"


@dataclass(frozen=True)
class ExportedCheckpoint:
    signed: SignedCheckpoint
    #: The ledger entries this checkpoint added, in position order.
    segment: tuple[LedgerEntry, ...]


def file_name(sequence: int) -> str:
    return f"checkpoint-{sequence:08d}.json"


def write_exported(folder: Path, signed: SignedCheckpoint, segment: Sequence[LedgerEntry]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name(signed.checkpoint.sequence)
    value = {
        "format": FILE_FORMAT,
        "checkpoint": signed.body,
        "signature": signed.signature,
        "ledger": [entry.to_json() for entry in segment],
    }
    partial = path.with_suffix(".partial")
    try:
        partial.write_text(json.dumps(value, separators=(",", ":")) + "\n", "utf-8")
        partial.replace(path)
    except OSError as error:
        raise AuditError(f"cannot export {path}: {error.strerror}") from None
    return path


def _read_one(path: Path) -> ExportedCheckpoint:
    try:
        value = json.loads(path.read_text("utf-8"))
        if value.get("format") != FILE_FORMAT:
            raise ValueError(f"not a {FILE_FORMAT} file")
        body = str(value["checkpoint"])
        signed = SignedCheckpoint(Checkpoint.from_body(body), body, str(value["signature"]))
        segment = tuple(LedgerEntry.from_json(item) for item in value["ledger"])
    except OSError as error:
        raise AuditError(f"cannot read {path}: {error.strerror}") from None
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise AuditError(f"{path} is not an exported checkpoint: {error!r}") from None
    return ExportedCheckpoint(signed, segment)


def read_exported(folder: Path) -> list[ExportedCheckpoint]:
    """Every exported checkpoint in the folder, by sequence; a missing folder is refused."""
    if not folder.is_dir():
        raise AuditError(f"no folder {folder} of exported checkpoints")
    found = [_read_one(path) for path in sorted(folder.glob("checkpoint-*.json"))]
    return sorted(found, key=lambda item: item.signed.checkpoint.sequence)
