"""Append throughput of the event store, beside a raw asyncpg INSERT baseline.

    .venv/bin/python bench/eventstore.py [--events 2000] [--writers 1,8,32,64]
        [--targets eventstore,raw-insert] [--database-url URL]

Each writer appends one event per call, ten events per stream (a new stream every tenth
append, with the exact expected version, as a switch workflow does). Every figure is
printed with its setup: target, writers, events, wall time, and the database it ran on.
A target is a small class behind `Target`; adding another store (e.g. the `eventsourcing`
library) means adding a class to TARGETS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eventstore.database import embedded_server, migrate_to_head, with_database
from eventstore.model import NO_STREAM, NewEvent
from eventstore.postgres import PostgresEventStore, release_without_reset

EVENTS_PER_STREAM = 10


class Target(Protocol):
    name: str

    async def open(self, url: str, writers: int) -> None: ...

    async def append(self, writer: int, sequence: int) -> None: ...

    async def close(self) -> None: ...


def _payload(writer: int, sequence: int) -> dict[str, object]:
    return {"writer": writer, "sequence": sequence, "mpxn": "1312345678907", "fuel": "E"}


class EventStoreTarget:
    name = "eventstore"

    def __init__(self) -> None:
        self._store: PostgresEventStore | None = None
        self._run = uuid.uuid4().hex[:8]

    async def open(self, url: str, writers: int) -> None:
        self._store = await PostgresEventStore.connect(url, min_size=writers, max_size=writers)

    async def append(self, writer: int, sequence: int) -> None:
        assert self._store is not None
        stream = f"bench-{self._run}-{writer}-{sequence // EVENTS_PER_STREAM}"
        version = sequence % EVENTS_PER_STREAM
        event = NewEvent(
            "BenchmarkEvent",
            _payload(writer, sequence),
            idempotency_key=f"{stream}/{version + 1}",
            metadata={"correlation_id": stream},
        )
        await self._store.append(stream, [event], version or NO_STREAM)

    async def close(self) -> None:
        if self._store is not None:
            await self._store.close()


class RawInsertTarget:
    """One autocommitted single-row INSERT per event: no lock, no chain, no checks."""

    name = "raw-insert"

    def __init__(self) -> None:
        self._pool: asyncpg.Pool | None = None
        self._run = uuid.uuid4().hex[:8]

    async def open(self, url: str, writers: int) -> None:
        # The same pool settings as the store's, so the comparison is of the work done.
        self._pool = await asyncpg.create_pool(
            url, min_size=writers, max_size=writers, reset=release_without_reset
        )
        await self._pool.execute(
            "CREATE TABLE IF NOT EXISTS bench_raw_events (position bigserial PRIMARY KEY, "
            "stream_id text NOT NULL, data json NOT NULL)"
        )

    async def append(self, writer: int, sequence: int) -> None:
        assert self._pool is not None
        stream = f"bench-{self._run}-{writer}-{sequence // EVENTS_PER_STREAM}"
        await self._pool.execute(
            "INSERT INTO bench_raw_events (stream_id, data) VALUES ($1, $2::json)",
            stream,
            json.dumps(_payload(writer, sequence)),
        )

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()


TARGETS: dict[str, Callable[[], Target]] = {
    "eventstore": EventStoreTarget,
    "raw-insert": RawInsertTarget,
}


@dataclass(frozen=True)
class Figure:
    target: str
    writers: int
    events: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds


async def measure(target: Target, url: str, writers: int, events: int) -> Figure:
    per_writer = max(events // writers, 1)
    await target.open(url, writers)
    try:

        async def write(writer: int) -> None:
            for sequence in range(per_writer):
                await target.append(writer, sequence)

        started = time.perf_counter()
        await asyncio.gather(*(write(writer) for writer in range(writers)))
        elapsed = time.perf_counter() - started
    finally:
        await target.close()
    return Figure(target.name, writers, per_writer * writers, elapsed)


async def describe_server(url: str) -> str:
    connection = await asyncpg.connect(url)
    try:
        version = await connection.fetchval("SHOW server_version")
        fsync = await connection.fetchval("SHOW fsync")
        synchronous = await connection.fetchval("SHOW synchronous_commit")
    finally:
        await connection.close()
    return f"PostgreSQL {version} (fsync={fsync}, synchronous_commit={synchronous})"


async def fresh_database(server_url: str) -> str:
    name = f"bench_{uuid.uuid4().hex[:10]}"
    connection = await asyncpg.connect(server_url)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    url = with_database(server_url, name)
    await migrate_to_head(url)
    return url


async def run(server_url: str, where: str, args: argparse.Namespace) -> None:
    url = await fresh_database(server_url)
    print(f"setup: {await describe_server(url)} on {where}")
    print(
        f"setup: Python {platform.python_version()}, {os.cpu_count()} CPUs, one event per "
        f"append, {EVENTS_PER_STREAM} events per stream, pool size = writers, no session reset on "
        "release"
    )
    print(f"{'target':<12} {'writers':>7} {'events':>7} {'seconds':>8} {'events/s':>9}")
    figures: list[Figure] = []
    for writers in args.writers:
        for name in args.targets:
            figure = await measure(TARGETS[name](), url, writers, args.events)
            figures.append(figure)
            print(
                f"{figure.target:<12} {figure.writers:>7} {figure.events:>7} "
                f"{figure.seconds:>8.2f} {figure.rate:>9.0f}",
                flush=True,
            )
    _print_ratios(figures)


def _print_ratios(figures: list[Figure]) -> None:
    baseline = {f.writers: f.rate for f in figures if f.target == "raw-insert"}
    for figure in figures:
        if figure.target != "raw-insert" and figure.writers in baseline:
            share = figure.rate / baseline[figure.writers]
            print(f"{figure.target} at {figure.writers} writers: {share:.0%} of raw-insert")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000, help="events per measurement")
    parser.add_argument(
        "--writers",
        type=lambda text: [int(part) for part in text.split(",")],
        default=[1, 8, 32, 64],
        help="comma-separated writer counts (1 = sequential)",
    )
    parser.add_argument(
        "--targets",
        type=lambda text: text.split(","),
        default=list(TARGETS),
        help=f"comma-separated, from {', '.join(TARGETS)}",
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args(argv)
    unknown = set(args.targets) - set(TARGETS)
    if unknown:
        parser.error(f"unknown target(s): {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.database_url:
        asyncio.run(run(args.database_url, "DATABASE_URL", args))
        return
    folder = Path(tempfile.mkdtemp(prefix="switching-bench-pg-"))
    server = embedded_server(folder)
    try:
        where = "embedded PostgreSQL (unix socket, data in a temporary folder)"
        asyncio.run(run(server.get_uri(database="postgres"), where, args))
    finally:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
