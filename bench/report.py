"""What every benchmark prints and records: its setup, a table, and `latest.json`.

`latest.json` holds one entry per benchmark (`eventstore`, `switches`, `replay`), each
`{"setup": {...}, "rows": [...], "summary": {...}, "finished_at": ...}`; a run of one
benchmark replaces only its own entry, so `bench all` and single runs can be mixed.
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"

#: Where progress and tables go; the CLI passes `print`, tests a list's `append`.
Say = Callable[[str], None]


@dataclass
class BenchResult:
    name: str
    setup: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "setup": self.setup,
            "rows": self.rows,
            "summary": self.summary,
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(terse=True),
    }


def write_latest(result: BenchResult, folder: Path = RESULTS_DIR) -> Path:
    """Merge `result` into `folder/latest.json` (written whole, then renamed into place)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "latest.json"
    try:
        existing = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        existing = {}
    if not isinstance(existing, dict):
        existing = {}
    existing[result.name] = result.as_json()
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(existing, indent=2, default=str) + "\n", "utf-8")
    partial.replace(path)
    return path


def print_setup(say: Say, setup: Mapping[str, Any]) -> None:
    for key, value in setup.items():
        say(f"setup: {key} = {value}")


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> list[str]:
    """Rows as aligned text lines; floats get sensible precision for the eye."""

    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
        return "-" if value is None else str(value)

    cells = [[cell(row.get(column)) for column in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return lines


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank]
