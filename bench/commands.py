"""What `switching bench ...` runs: one benchmark or all, each recorded in `latest.json`.

`profile` wraps a run in pyinstrument and writes its report beside `latest.json`, to name
the top costs when a figure is far from its target.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bench.eventstore import EventStoreOptions, run_eventstore
from bench.matching import MatchingOptions, run_matching
from bench.profiling import write_report
from bench.replay import ReplayOptions, run_replay
from bench.report import RESULTS_DIR, BenchResult, Say, write_latest
from bench.switches import SwitchesOptions, run_switches
from ops.errors import InvalidInput, OperationError

#: The `make bench` defaults: modest, so the whole run stays well under ten minutes.
MAKE_BENCH_SWITCHES = 300


@dataclass(frozen=True)
class BenchRun:
    database_url: str | None = None
    results_dir: Path = RESULTS_DIR
    profile: bool = False


@dataclass(frozen=True)
class AllOptions:
    eventstore: EventStoreOptions = field(default_factory=EventStoreOptions)
    switches: SwitchesOptions = field(
        default_factory=lambda: SwitchesOptions(switches=MAKE_BENCH_SWITCHES)
    )
    replay: ReplayOptions = field(default_factory=ReplayOptions)
    matching: MatchingOptions = field(default_factory=MatchingOptions)


def _record(result: BenchResult, run: BenchRun, say: Say) -> BenchResult:
    path = write_latest(result, run.results_dir)
    say(f"wrote {result.name} to {path}")
    return result


def _execute(
    name: str,
    work: Callable[[], Coroutine[Any, Any, BenchResult]],
    run: BenchRun,
    say: Say,
    profile_here: bool = True,
) -> BenchResult:
    if not run.profile:
        return _record(asyncio.run(work()), run, say)
    if profile_here:
        from pyinstrument import Profiler

        profiler = Profiler(async_mode="disabled")
        with profiler:
            result = asyncio.run(work())
        if profiler.last_session is not None:
            report = write_report(profiler.last_session, run.results_dir / f"profile-{name}.txt")
            say(f"profile of this process written to {report}")
    else:
        result = asyncio.run(work())
    # A profiled run is slowed by the profiler: its figures are not the benchmark's.
    say("figures of a profiled run are not recorded in latest.json")
    return result


def bench_eventstore(options: EventStoreOptions, run: BenchRun, say: Say) -> BenchResult:
    return _execute("eventstore", lambda: run_eventstore(options, run.database_url, say), run, say)


def bench_switches(options: SwitchesOptions, run: BenchRun, say: Say) -> BenchResult:
    if run.profile:
        # The worker, a process of its own, is what to profile; the driver's thousands of
        # tasks would make an in-process profile costly and beside the point.
        options = replace(options, profile_dir=run.results_dir)
    chosen = options
    return _execute(
        "switches",
        lambda: run_switches(chosen, run.database_url, say),
        run,
        say,
        profile_here=False,
    )


def bench_replay(options: ReplayOptions, run: BenchRun, say: Say) -> BenchResult:
    return _execute("replay", lambda: run_replay(options, run.database_url, say), run, say)


def bench_matching(options: MatchingOptions, run: BenchRun, say: Say) -> BenchResult:
    return _execute("matching", lambda: run_matching(options, say), run, say)


def bench_all(options: AllOptions, run: BenchRun, say: Say) -> list[BenchResult]:
    say("== event store ==")
    results = [bench_eventstore(options.eventstore, run, say)]
    say("== switches ==")
    results.append(bench_switches(options.switches, run, say))
    say("== audit replay ==")
    results.append(bench_replay(options.replay, run, say))
    say("== address matching ==")
    results.append(bench_matching(options.matching, run, say))
    return results


def guarded(work: Callable[[], object]) -> int:
    """Run a benchmark command; what stops it becomes one line (exit 1)."""
    try:
        work()
    except (ValueError, TimeoutError, RuntimeError, OSError) as error:
        raise OperationError(f"benchmark failed: {error}") from None
    return 0


def counts(text: str) -> tuple[int, ...]:
    """Comma-separated whole numbers, as given on the command line."""
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise InvalidInput(f"expected comma-separated whole numbers, got {text!r}") from None
