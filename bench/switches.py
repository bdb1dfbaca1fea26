"""Switches end to end, beside the Temporal ceiling, in one run.

    switching bench switches [--switches 2000] [--clock-speed 1000000] [--latency-seconds 20]

Phases (each after a few warm-up workflows, so start-up is not measured):

1. throughput: `switches` happy-path switches started as fast as the driver can (up to
   `concurrency` starts in flight), through the simulator (zero validation delay, a clock
   `clock_speed` times real time, so CSS's days pass in moments), the receiver and the
   switch worker (its own process); switches/s from the first start to the last close;
2. latency: switches started at a steady pace so notifications reach the receiver at
   `notification_rate` per second for `latency_seconds`; p50/p99 from the receiver's stored
   `received_at` to the switch's `NotificationApplied` `recorded_at` (both in the store);
3. ceiling: the same number of bare workflows (`bench.bare_workflow`) with as many
   activities, timers and signals as a switch's history holds, doing nothing, on a worker
   process of their own;
4. without the codec: phase 1 again on a second, identical stack whose clients and worker
   (`bench.plain_worker`) leave payloads in clear, so the cost of encryption shows beside
   the engine as it runs (every other phase runs encrypted, as the engine does).
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus

from bench.bare_workflow import BARE_SIGNAL, BareInput
from bench.database import describe_server, postgres
from bench.profiling import render_saved
from bench.report import BenchResult, Say, machine, percentile, print_setup, table
from bench.stack import Stack, child_worker, engine_stack, peak_memory_mib
from devstack.demo.scenarios import BY_SLUG, DemoSwitch, meter_point
from workflows.signup import SwitchTimings, request_switch

TIMINGS = SwitchTimings(withdrawal_window=timedelta(0), reconcile_grace=timedelta(minutes=5))
_POLL_SECONDS = 0.25

_LATENCY_SQL = """
SELECT extract(epoch FROM e.recorded_at - d.received_at) * 1000 AS ms
FROM inbound_deliveries d
JOIN events e ON e.stream_id = d.switch_id AND e.type = 'NotificationApplied'
    AND e.data->>'message_id' = d.message_id
WHERE d.switch_id LIKE $1
"""


@dataclass(frozen=True)
class SwitchesOptions:
    switches: int = 2000
    clock_speed: float = 1_000_000.0
    latency_seconds: float = 20.0
    notification_rate: float = 10.0
    concurrency: int = 50
    warmup: int = 3
    timeout_seconds: float = 900.0
    #: Run the switch worker under pyinstrument and write its report here.
    profile_dir: Path | None = None

    def __post_init__(self) -> None:
        if self.switches < 1 or self.concurrency < 1 or self.warmup < 1:
            raise ValueError("switches, concurrency and warmup must be at least 1")
        if self.clock_speed <= 0 or self.notification_rate <= 0 or self.latency_seconds < 0:
            raise ValueError("clock speed and notification rate must be positive")


@dataclass(frozen=True)
class Phase:
    """Workflows of one phase: ids share `prefix`, all on `task_queue`."""

    prefix: str
    task_queue: str


@dataclass(frozen=True)
class Window:
    completed: int
    failed: int
    seconds: float
    history_events: float

    def rate(self) -> float:
        return self.completed / self.seconds if self.seconds > 0 else 0.0


async def _bounded(jobs: Sequence[Callable[[], Awaitable[object]]], limit: int) -> None:
    gate = asyncio.Semaphore(limit)

    async def one(job: Callable[[], Awaitable[object]]) -> None:
        async with gate:
            await job()

    await asyncio.gather(*(one(job) for job in jobs))


def _switch_starter(client: Client, phase: Phase, index: int) -> Callable[[], Awaitable[object]]:
    happy = BY_SLUG["happy"]
    switch = DemoSwitch(
        f"{phase.prefix}{index:05d}", happy, meter_point(happy, random.Random(index))
    )
    return lambda: request_switch(
        client, switch.request(), task_queue=phase.task_queue, timings=TIMINGS
    )


def _bare_starter(
    client: Client, phase: Phase, index: int, shape: BareInput
) -> Callable[[], Awaitable[object]]:
    async def start() -> None:
        handle = await client.start_workflow(
            "BareWorkflow", shape, id=f"{phase.prefix}{index:05d}", task_queue=phase.task_queue
        )
        for n in range(shape.signals):
            await handle.signal(BARE_SIGNAL, f"notification-{n}")

    return start


async def _closed(client: Client, phase: Phase) -> int:
    query = f"TaskQueue = '{phase.task_queue}' AND ExecutionStatus != 'Running'"
    return (await client.count_workflows(query)).count


async def _wait_closed(client: Client, phase: Phase, expected: int, limit: float) -> None:
    """Until `expected` workflows on the queue have closed. Counting closed ones, not
    waiting for none running, so a start that visibility has not indexed yet still counts."""
    deadline = time.monotonic() + limit
    while await _closed(client, phase) < expected:
        if time.monotonic() > deadline:
            raise TimeoutError(f"workflows on {phase.task_queue} still running after {limit:.0f} s")
        await asyncio.sleep(_POLL_SECONDS)


async def _window(client: Client, phase: Phase) -> Window:
    """First start to last close of the phase's workflows, from Temporal's own records."""
    starts, closes, lengths = [], [], []
    completed = failed = 0
    async for execution in client.list_workflows(f"TaskQueue = '{phase.task_queue}'"):
        if not execution.id.startswith(phase.prefix):
            continue
        starts.append(execution.start_time)
        if execution.close_time is not None:
            closes.append(execution.close_time)
        lengths.append(execution.history_length)
        if execution.status is WorkflowExecutionStatus.COMPLETED:
            completed += 1
        else:
            failed += 1
    seconds = (max(closes) - min(starts)).total_seconds() if closes and starts else 0.0
    return Window(completed, failed, seconds, sum(lengths) / max(len(lengths), 1))


async def _run_phase(
    client: Client,
    phase: Phase,
    jobs: Sequence[Callable[[], Awaitable[object]]],
    options: SwitchesOptions,
    pace: float = 0.0,
) -> Window:
    closed_before = await _closed(client, phase)
    if pace > 0:
        started = []
        for job in jobs:
            started.append(asyncio.ensure_future(job()))
            await asyncio.sleep(pace)
        await asyncio.gather(*started)
    else:
        await _bounded(jobs, options.concurrency)
    await _wait_closed(client, phase, closed_before + len(jobs), options.timeout_seconds)
    return await _window(client, phase)


async def _shape_of(client: Client, workflow_ids: Sequence[str]) -> BareInput:
    """How many activities, timers and signals a switch's history holds (rounded mean)."""
    counts: list[Counter[EventType.ValueType]] = []
    for workflow_id in workflow_ids:
        history = await client.get_workflow_handle(workflow_id).fetch_history()
        kinds = Counter(event.event_type for event in history.events)
        if kinds[EventType.EVENT_TYPE_TIMER_FIRED]:
            raise RuntimeError(f"switch {workflow_id} fired a timer: the bare shape assumes none")
        counts.append(kinds)

    def mean(kind: EventType.ValueType) -> int:
        return round(sum(c[kind] for c in counts) / len(counts))

    return BareInput(
        activities=mean(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
        timers=mean(EventType.EVENT_TYPE_TIMER_STARTED),
        signals=mean(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED),
    )


async def _latencies(stack: Stack, prefix: str) -> list[float]:
    rows = await stack.store.pool.fetch(_LATENCY_SQL, f"{prefix}%")
    return [float(row["ms"]) for row in rows]


def _phases(run: str, queue: str) -> dict[str, Phase]:
    return {name: Phase(f"bench-{run}-{name}-", queue) for name in ("warm", "tput", "lat")}


def _worker_argv(options: SwitchesOptions, *, encrypted: bool = True) -> list[str]:
    if not encrypted:
        return ["-m", "bench.plain_worker"]
    if options.profile_dir is None:
        return ["-m", "cli", "worker"]
    options.profile_dir.mkdir(parents=True, exist_ok=True)
    session = options.profile_dir / "profile-switch-worker.pyisession"
    return ["-m", "pyinstrument", "-r", "pyisession", "-o", str(session), "-m", "cli", "worker"]


@dataclass
class _Measured:
    ours: Window
    shape: BareInput
    throughput_latency: list[float]
    paced_latency: list[float]
    paced_switches: int
    worker_peak_mib: float | None
    ceiling: Window | None = None
    without_codec: Window | None = None


async def _measure_ours(stack: Stack, options: SwitchesOptions, run: str, say: Say) -> _Measured:
    queue = f"bench-switches-{run}"
    phases = _phases(run, queue)
    client = stack.client
    async with child_worker(stack, "worker", _worker_argv(options), queue) as worker:
        warm = [_switch_starter(client, phases["warm"], i) for i in range(options.warmup)]
        await _run_phase(client, phases["warm"], warm, options)
        say(f"  switch worker warm; starting {options.switches} switches")
        jobs = [_switch_starter(client, phases["tput"], i) for i in range(options.switches)]
        ours = await _run_phase(client, phases["tput"], jobs, options)
        say(f"  throughput: {ours.rate():.1f} switches/s ({ours.completed} completed)")
        sample = [f"{phases['tput'].prefix}{i:05d}" for i in range(min(10, options.switches))]
        shape = await _shape_of(client, sample)
        per_switch = max(shape.signals, 1)
        count = max(1, int(options.latency_seconds * options.notification_rate / per_switch))
        say(f"  latency: {count} switches paced for {options.notification_rate:g} notifications/s")
        jobs = [_switch_starter(client, phases["lat"], i) for i in range(count)]
        await _run_phase(
            client, phases["lat"], jobs, options, pace=per_switch / options.notification_rate
        )
        peak = peak_memory_mib(worker.pid)
    if options.profile_dir is not None:
        saved = options.profile_dir / "profile-switch-worker.pyisession"
        report = render_saved(saved, options.profile_dir / "profile-switch-worker.txt")
        say(f"  switch worker profile: {report or 'none saved'}")
    return _Measured(
        ours=ours,
        shape=shape,
        throughput_latency=await _latencies(stack, phases["tput"].prefix),
        paced_latency=await _latencies(stack, phases["lat"].prefix),
        paced_switches=count,
        worker_peak_mib=peak,
    )


async def _measure_without_codec(stack: Stack, options: SwitchesOptions, run: str) -> Window:
    assert not stack.encrypted, "the baseline stack encrypts nothing"
    queue = f"bench-plain-{run}"
    phases = _phases(f"{run}-plain", queue)
    client = stack.client
    argv = _worker_argv(options, encrypted=False)
    async with child_worker(stack, "plain-worker", argv, queue):
        warm = [_switch_starter(client, phases["warm"], i) for i in range(options.warmup)]
        await _run_phase(client, phases["warm"], warm, options)
        jobs = [_switch_starter(client, phases["tput"], i) for i in range(options.switches)]
        return await _run_phase(client, phases["tput"], jobs, options)


async def _measure_ceiling(
    stack: Stack, options: SwitchesOptions, run: str, shape: BareInput
) -> Window:
    queue = f"bench-bare-{run}"
    phases = _phases(run, queue)
    client = stack.client
    async with child_worker(
        stack, "bare-worker", ["-m", "bench.bare_workflow", stack.address, queue], queue
    ):
        warm = [_bare_starter(client, phases["warm"], i, shape) for i in range(options.warmup)]
        await _run_phase(client, phases["warm"], warm, options)
        jobs = [_bare_starter(client, phases["tput"], i, shape) for i in range(options.switches)]
        return await _run_phase(client, phases["tput"], jobs, options)


def _ms(values: list[float], share: float) -> float | None:
    found = percentile(values, share)
    return None if found is None else round(found, 1)


def _summary(measured: _Measured) -> dict[str, object]:
    ours, ceiling, plain = measured.ours, measured.ceiling, measured.without_codec
    ceiling_rate = ceiling.rate() if ceiling else None
    plain_rate = plain.rate() if plain else None
    return {
        "switches_per_s": round(ours.rate(), 2),
        "switches_per_s_without_codec": None if plain_rate is None else round(plain_rate, 2),
        "codec_over_no_codec": round(ours.rate() / plain_rate, 2) if plain_rate else None,
        "switches_completed": ours.completed,
        "switches_not_completed": ours.failed,
        "ceiling_workflows_per_s": None if ceiling_rate is None else round(ceiling_rate, 2),
        "ratio_to_ceiling": round(ours.rate() / ceiling_rate, 2) if ceiling_rate else None,
        "history_events_per_switch": round(ours.history_events, 1),
        "switch_shape": {
            "activities": measured.shape.activities,
            "timers": measured.shape.timers,
            "signals": measured.shape.signals,
        },
        "paced_switches": measured.paced_switches,
        "paced_notifications": len(measured.paced_latency),
        "paced_latency_p50_ms": _ms(measured.paced_latency, 0.50),
        "paced_latency_p99_ms": _ms(measured.paced_latency, 0.99),
        "throughput_latency_p50_ms": _ms(measured.throughput_latency, 0.50),
        "throughput_latency_p99_ms": _ms(measured.throughput_latency, 0.99),
        "worker_peak_rss_mib": measured.worker_peak_mib,
    }


async def run_switches(options: SwitchesOptions, database_url: str | None, say: Say) -> BenchResult:
    run = uuid.uuid4().hex[:6]
    with postgres(database_url) as server:
        async with engine_stack(server.url, options.clock_speed) as stack:
            setup = {
                **machine(),
                "database": f"{await describe_server(stack.database_url)} on {server.where}",
                "temporal": "dev server (temporal CLI), in memory, on loopback",
                "switches": f"{options.switches} happy-path electricity switches, "
                f"{options.concurrency} starts in flight, {options.warmup} warm-up first",
                "simulator": f"in process, validation delay 0, clock x{options.clock_speed:g}",
                "timings": "withdrawal window 0 s, reconcile grace 5 min",
                "processes": "driver + receiver + simulator in one process; each worker its own",
                "payloads": "encrypted by the AES-256-GCM payload codec, as the engine runs; "
                "the no-codec case runs phase 1 on a second, identical stack without it",
                "latency": f"paced at {options.notification_rate:g} notifications/s for "
                f"{options.latency_seconds:g} s; receiver received_at -> event recorded_at",
            }
            print_setup(say, setup)
            measured = await _measure_ours(stack, options, run, say)
            measured.ceiling = await _measure_ceiling(stack, options, run, measured.shape)
        say("  without the payload codec: the same throughput phase on a plain stack")
        async with engine_stack(server.url, options.clock_speed, encrypted=False) as plain:
            measured.without_codec = await _measure_without_codec(plain, options, run)
    summary = _summary(measured)
    rows = [
        {"case": "switches", **_window_row(measured.ours)},
        {"case": "switches_no_codec", **_window_row(measured.without_codec)},
        {"case": "bare_ceiling", **_window_row(measured.ceiling)},
    ]
    columns = ["case", "completed", "not_completed", "seconds", "per_s", "history_events"]
    for line in table(rows, columns):
        say(line)
    for key, value in summary.items():
        say(f"{key}: {value}")
    return BenchResult("switches", setup, rows, summary)


def _window_row(window: Window | None) -> dict[str, object]:
    if window is None:
        return {}
    return {
        "completed": window.completed,
        "not_completed": window.failed,
        "seconds": round(window.seconds, 3),
        "per_s": round(window.rate(), 2),
        "history_events": round(window.history_events, 1),
    }
