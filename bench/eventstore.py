"""Event store throughput: ours beside the `eventsourcing` library and a raw INSERT.

    switching bench eventstore [--events 2000] [--writers 1,8,32,64] [--lag-events 1000]

All three targets run in one process against the same PostgreSQL database with the same
durability (`synchronous_commit` as the server has it, on by default), so their figures are
comparable on a noisy machine. Cases:

- append: single-event appends by 1 (sequential), 8, 32 and 64 concurrent writers, each
  over its own streams of `EVENTS_PER_STREAM` events;
- read_all: everything appended so far, in global order, a page of 1,000 at a time;
- subscription lag: with 8 writers appending, the time from an append returning to the
  subscriber (LISTEN/NOTIFY wake-ups) handing the event out (ours only: the others have no
  ordered, gap-safe subscription to compare).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.database import describe_server, fresh_database, postgres
from bench.report import BenchResult, Say, machine, percentile, print_setup, table
from bench.targets import EVENTS_PER_STREAM, TARGETS, OurStore, Target, stream_name

DEFAULT_WRITERS = (1, 8, 32, 64)


@dataclass(frozen=True)
class EventStoreOptions:
    events: int = 2000
    writers: Sequence[int] = DEFAULT_WRITERS
    targets: Sequence[str] = tuple(TARGETS)
    lag_events: int = 1000
    lag_writers: int = 8

    def __post_init__(self) -> None:
        unknown = sorted(set(self.targets) - set(TARGETS))
        if unknown:
            raise ValueError(f"unknown target(s) {', '.join(unknown)}; known: {', '.join(TARGETS)}")
        if self.events < 1 or self.lag_events < 1 or min(self.writers, default=0) < 1:
            raise ValueError("events, lag events and every writer count must be at least 1")


@dataclass
class _Figures:
    rows: list[dict[str, object]] = field(default_factory=list)

    def rate(self, case: str, target: str, writers: int | None = None) -> float | None:
        for row in self.rows:
            if (row["case"], row["target"], row["writers"]) == (case, target, writers):
                return float(str(row["events_per_s"]))
        return None


async def _append_case(target: Target, url: str, writers: int, events: int) -> dict[str, object]:
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
    total = per_writer * writers
    return _row("append", target.name, writers, total, elapsed)


async def _read_case(target: Target, url: str) -> dict[str, object]:
    await target.open(url, 1)
    try:
        started = time.perf_counter()
        count = await target.read_everything()
        elapsed = time.perf_counter() - started
    finally:
        await target.close()
    return _row("read_all", target.name, None, count, elapsed)


def _row(
    case: str, target: str, writers: int | None, events: int, seconds: float
) -> dict[str, object]:
    return {
        "case": case,
        "target": target,
        "writers": writers,
        "events": events,
        "seconds": round(seconds, 4),
        "events_per_s": round(events / seconds, 1) if seconds > 0 else None,
    }


async def _lag_case(url: str, writers: int, events: int) -> dict[str, object]:
    """Append-returned to subscriber-delivered, per event, under `writers` concurrent writers."""
    target = OurStore()
    await target.open(url, writers + 1)
    assert target.store is not None
    head = (await target.store.pool.fetchval("SELECT coalesce(max(position), 0) FROM events")) or 0
    per_writer = max(events // writers, 1)
    total = per_writer * writers
    appended: dict[tuple[str, int], float] = {}
    delivered: dict[tuple[str, int], float] = {}
    run = target.run_id

    async def follow() -> None:
        assert target.store is not None
        async with target.store.subscribe(head) as subscription:
            async for event in subscription:
                if event.stream_id.startswith(f"bench-{run}-"):
                    delivered[(event.stream_id, event.version)] = time.perf_counter()
                    if len(delivered) == total:
                        return

    async def write(writer: int) -> None:
        for sequence in range(per_writer):
            await target.append(writer, sequence)
            key = (stream_name(run, writer, sequence), sequence % EVENTS_PER_STREAM + 1)
            appended[key] = time.perf_counter()

    try:
        follower = asyncio.create_task(follow())
        await asyncio.sleep(0.2)  # subscribed (LISTEN issued) before the first append
        await asyncio.gather(*(write(writer) for writer in range(writers)))
        await asyncio.wait_for(follower, timeout=60)
    finally:
        await target.close()
    # An event can be delivered before its writer resumes: that is no lag at all.
    lags = [max(0.0, delivered[key] - appended[key]) * 1000 for key in appended]
    return {
        "case": "subscription_lag",
        "target": "ours",
        "writers": writers,
        "events": total,
        "lag_p50_ms": _round(percentile(lags, 0.50)),
        "lag_p99_ms": _round(percentile(lags, 0.99)),
        "lag_max_ms": _round(max(lags)),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _ratios(figures: _Figures, options: EventStoreOptions) -> dict[str, object]:
    ratios: dict[str, object] = {}
    for writers in options.writers:
        ours = figures.rate("append", "ours", writers)
        library = figures.rate("append", "eventsourcing", writers)
        raw = figures.rate("append", "raw-insert", writers)
        if ours is not None and library:
            ratios[f"append_{writers}w_ours_over_eventsourcing"] = round(ours / library, 2)
        if ours is not None and raw:
            ratios[f"append_{writers}w_ours_over_raw"] = round(ours / raw, 2)
    ours_read = figures.rate("read_all", "ours")
    for other in ("eventsourcing", "raw-insert"):
        rate = figures.rate("read_all", other)
        if ours_read is not None and rate:
            ratios[f"read_all_ours_over_{other}"] = round(ours_read / rate, 2)
    return ratios


def _print_figures(figures: _Figures, summary: dict[str, object], say: Say) -> None:
    columns = ["case", "target", "writers", "events", "seconds", "events_per_s"]
    for line in table([r for r in figures.rows if "events_per_s" in r], columns):
        say(line)
    for row in figures.rows:
        if row["case"] == "subscription_lag":
            say(
                f"subscription lag (ours, {row['writers']} writers, {row['events']} events): "
                f"p50 {row['lag_p50_ms']} ms, p99 {row['lag_p99_ms']} ms, "
                f"max {row['lag_max_ms']} ms"
            )
    for key, value in summary.items():
        say(f"{key}: {value}")


async def run_eventstore(
    options: EventStoreOptions, database_url: str | None, say: Say
) -> BenchResult:
    """Run every case against a fresh database; print and return the figures."""
    with postgres(database_url) as server:
        url = await fresh_database(server.url, "bench_es")
        setup = {
            **machine(),
            "database": f"{await describe_server(url)} on {server.where}",
            "append": f"{options.events} events per measurement, one event per append, "
            f"{EVENTS_PER_STREAM} events per stream, pool size = writers",
            "writers": list(options.writers),
            "targets": list(options.targets),
            "subscription_lag": f"{options.lag_events} events by {options.lag_writers} writers",
        }
        print_setup(say, setup)
        figures = _Figures()
        for writers in options.writers:
            for name in options.targets:
                figures.rows.append(
                    await _append_case(TARGETS[name](), url, writers, options.events)
                )
                say(f"  append {name} x{writers}: {figures.rows[-1]['events_per_s']} events/s")
        for name in options.targets:
            figures.rows.append(await _read_case(TARGETS[name](), url))
        if "ours" in options.targets:
            figures.rows.append(await _lag_case(url, options.lag_writers, options.lag_events))
    summary = _ratios(figures, options)
    _print_figures(figures, summary, say)
    return BenchResult("eventstore", setup, figures.rows, summary)
