"""Audit throughput: workflow histories replayed per second, projections rebuilt per second.

    switching bench replay [--histories 500] [--switches 1000]

Replay: the committed histories in `tests/histories/` (every scenario the workflow tests
record), cycled until `histories` have been replayed on today's workflow code by the
audit's own `replay`, with no server, and again without the workflow sandbox (to show
what the sandbox costs). Rebuild: `switches` happy-path switches (seven
domain events each) appended to a fresh database, then rebuilt from zero twice: by the
switch read model's projector (folds and writes rows) and by the audit's in-memory fold.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.worker import UnsandboxedWorkflowRunner

from audit.rebuild import rebuild
from audit.replay import history_of_file, replay
from bench.database import describe_server, fresh_database, postgres
from bench.report import BenchResult, Say, machine, print_setup, table
from domain.events import (
    DeadlinesComputed,
    Event,
    NotificationApplied,
    RegistrationSubmitted,
    SwitchRequested,
    event_to_record,
)
from domain.identifiers import Fuel, MarketSector
from domain.lifecycle import NotificationKind
from domain.notification import Notification
from domain.request import SwitchDetails
from eventstore.model import NO_STREAM, NewEvent
from eventstore.postgres import PostgresEventStore
from readmodels.projector import Projector
from readmodels.switch import SwitchReadModel

HISTORIES_DIR = Path(__file__).resolve().parent.parent / "tests" / "histories"
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
_HAPPY = (
    NotificationKind.VALIDATED,
    NotificationKind.CONFIRMED,
    NotificationKind.SECURED,
    NotificationKind.ACTIVE,
)


@dataclass(frozen=True)
class ReplayOptions:
    histories: int = 500
    switches: int = 1000
    histories_dir: Path = HISTORIES_DIR

    def __post_init__(self) -> None:
        if self.histories < 1 or self.switches < 1:
            raise ValueError("histories and switches must be at least 1")


def happy_switch(index: int) -> tuple[str, list[Event]]:
    """A made-up switch that went all the way to ACTIVE (no personal data)."""
    switch_id = f"bench-sw-{index:06d}"
    registration = f"REG-{index:06d}"
    events: list[Event] = [
        SwitchRequested(
            switch_id, SwitchDetails(Fuel.ELECTRICITY, "1312345678907", MarketSector.DOMESTIC), T0
        ),
        DeadlinesComputed(
            date(2025, 3, 6),
            T0 + timedelta(days=1),
            T0 + timedelta(days=2),
            T0 + timedelta(days=7),
            "bench",
            T0 + timedelta(minutes=10),
        ),
        RegistrationSubmitted(registration, f"msg-{index}", T0 + timedelta(minutes=11)),
    ]
    for hour, kind in enumerate(_HAPPY, 1):
        events.append(
            NotificationApplied(
                Notification(
                    f"css-{index}-{hour}",
                    kind,
                    registration,
                    T0 + timedelta(hours=hour),
                    T0 + timedelta(days=1) if kind is NotificationKind.VALIDATED else None,
                ),
                source="css",
                stale=False,
            )
        )
    return switch_id, events


def _chosen(options: ReplayOptions) -> tuple[list[WorkflowHistory], int]:
    files = sorted(options.histories_dir.glob("*.json"))
    if not files:
        raise ValueError(f"no *.json histories in {options.histories_dir}")
    loaded: list[WorkflowHistory] = [history_of_file(path) for path in files]
    return list(itertools.islice(itertools.cycle(loaded), options.histories)), len(files)


async def _replay_cases(options: ReplayOptions) -> list[dict[str, object]]:
    chosen, distinct = _chosen(options)
    events = sum(len(history.events) for history in chosen)
    started = time.perf_counter()
    report = await replay(chosen)
    elapsed = time.perf_counter() - started
    if not report.ok:
        raise RuntimeError(f"replay failed: {report.failures[0].describe()}")
    started = time.perf_counter()
    unsandboxed = await replay(chosen, workflow_runner=UnsandboxedWorkflowRunner())
    bare_elapsed = time.perf_counter() - started
    if not unsandboxed.ok:
        raise RuntimeError(f"unsandboxed replay failed: {unsandboxed.failures[0].describe()}")
    bare = unsandboxed.replayed
    return [
        _replay_row("replay", report.replayed, events, elapsed, distinct),
        _replay_row("replay_unsandboxed", bare, events, bare_elapsed, distinct),
    ]


def _replay_row(
    case: str, replayed: int, events: int, elapsed: float, distinct: int
) -> dict[str, object]:
    return {
        "case": case,
        "items": replayed,
        "events": events,
        "seconds": round(elapsed, 3),
        "per_s": round(replayed / elapsed, 1),
        "events_per_s": round(events / elapsed, 1),
        "distinct_histories": distinct,
    }


async def _fill(store: PostgresEventStore, switches: int) -> int:
    appended = 0
    for index in range(switches):
        switch_id, events = happy_switch(index)
        batch = []
        for version, event in enumerate(events, 1):
            kind, data = event_to_record(event)
            batch.append(NewEvent(kind, data, idempotency_key=f"{switch_id}/{version}"))
        await store.append(switch_id, batch, NO_STREAM)
        appended += len(batch)
    return appended


async def _rebuild_cases(url: str, switches: int) -> list[dict[str, object]]:
    store = await PostgresEventStore.connect(url, min_size=2, max_size=4)
    try:
        events = await _fill(store, switches)
        projector = Projector(store, store.pool, SwitchReadModel())
        started = time.perf_counter()
        applied = await projector.rebuild()
        projector_seconds = time.perf_counter() - started
        started = time.perf_counter()
        states, problems = await rebuild(store)
        fold_seconds = time.perf_counter() - started
    finally:
        await store.close()
    if problems or len(states) != switches or applied != events:
        raise RuntimeError(f"rebuild disagreed: {len(states)} switches, {problems[:1]}")
    return [
        _rebuild_row("projection_rebuild", switches, events, projector_seconds),
        _rebuild_row("audit_fold_rebuild", switches, events, fold_seconds),
    ]


def _rebuild_row(case: str, switches: int, events: int, seconds: float) -> dict[str, object]:
    return {
        "case": case,
        "items": switches,
        "events": events,
        "seconds": round(seconds, 3),
        "per_s": round(switches / seconds, 1),
        "events_per_s": round(events / seconds, 1),
    }


async def run_replay(options: ReplayOptions, database_url: str | None, say: Say) -> BenchResult:
    with postgres(database_url) as server:
        url = await fresh_database(server.url, "bench_audit")
        setup = {
            **machine(),
            "database": f"{await describe_server(url)} on {server.where}",
            "replay": f"{options.histories} histories cycled from {options.histories_dir.name}/, "
            "replayed in one Replayer, no server",
            "rebuild": f"{options.switches} happy-path switches, 7 events each, page size 500",
        }
        print_setup(say, setup)
        rows = [*await _replay_cases(options), *await _rebuild_cases(url, options.switches)]
    for line in table(rows, ["case", "items", "events", "seconds", "per_s", "events_per_s"]):
        say(line)
    summary = {
        "histories_per_s": rows[0]["per_s"],
        "unsandboxed_histories_per_s": rows[1]["per_s"],
        "projection_rebuild_events_per_s": rows[2]["events_per_s"],
        "audit_fold_events_per_s": rows[3]["events_per_s"],
    }
    return BenchResult("replay", setup, rows, summary)
