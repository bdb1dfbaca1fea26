"""Where personal data must never be found in clear, and a scan for it.

The scan is generic over a list of sensitive strings (today the demo customers' supply
addresses; orders add theirs). It reads every log file the stack wrote, every stored
event (metadata and data), and each switch's raw Temporal history as the server holds it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from temporalio.client import Client

from eventstore.postgres import PostgresEventStore


def leaks(sensitive: Iterable[str], texts: Mapping[str, str]) -> list[str]:
    """Each (sensitive string, place) found, named; empty when nothing leaked."""
    values = [value for value in sensitive if value]
    return [f"{value!r} in {where}" for where, text in texts.items() for value in values
            if value in text]  # fmt: skip


def log_texts(*folders_or_files: Path) -> dict[str, str]:
    texts: dict[str, str] = {}
    for place in folders_or_files:
        paths = sorted(place.rglob("*.log")) if place.is_dir() else [place]
        for path in paths:
            texts[str(path)] = path.read_text(errors="replace")
    return texts


async def event_texts(database_url: str) -> dict[str, str]:
    store = await PostgresEventStore.connect(database_url, min_size=1, max_size=2)
    texts: dict[str, str] = {}
    try:
        position = 0
        while page := await store.read_all(position, 1000):
            for event in page:
                where = f"event {event.stream_id} v{event.version}"
                texts[f"{where} metadata"] = repr(dict(event.metadata))
                texts[f"{where} data"] = repr(dict(event.data))
                position = event.position
    finally:
        await store.close()
    return texts


async def raw_history_texts(plain: Client, workflow_ids: Iterable[str]) -> dict[str, str]:
    """Histories read with a client that has no codec: what Temporal itself stores."""
    texts: dict[str, str] = {}
    for workflow_id in workflow_ids:
        history = await plain.get_workflow_handle(workflow_id).fetch_history()
        texts[f"history {workflow_id}"] = history.to_json()
    return texts
