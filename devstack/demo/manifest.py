"""The demo batch in progress, kept under the data folder so a restarted stack resumes it.

Only the batch id and size are stored: the switches themselves (ids, meter points,
scenarios) are regenerated from them, and their progress lives in Temporal.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, replace
from pathlib import Path

MANIFEST_NAME = "batch.json"


@dataclass(frozen=True)
class DemoBatch:
    batch_id: str
    size: int
    finished: bool = False


def manifest_path(data_dir: Path) -> Path:
    return data_dir / "demo" / MANIFEST_NAME


def load(data_dir: Path) -> DemoBatch | None:
    path = manifest_path(data_dir)
    try:
        raw = json.loads(path.read_text())
        return DemoBatch(str(raw["batch_id"]), int(raw["size"]), bool(raw["finished"]))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):
        # A manifest cut short by a kill mid-write: start a new batch rather than guess.
        return None


def save(data_dir: Path, batch: DemoBatch) -> None:
    path = manifest_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_suffix(".tmp")
    staging.write_text(json.dumps(asdict(batch)))
    staging.replace(path)


def resume_or_create(data_dir: Path, size: int) -> tuple[DemoBatch, bool]:
    """The unfinished batch of an earlier run (True), else a new one of `size` (False)."""
    current = load(data_dir)
    if current is not None and not current.finished:
        return current, True
    batch = DemoBatch(secrets.token_hex(3), size)
    save(data_dir, batch)
    return batch, False


def mark_finished(data_dir: Path, batch: DemoBatch) -> None:
    save(data_dir, replace(batch, finished=True))
