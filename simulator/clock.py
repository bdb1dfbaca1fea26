"""Simulated time: a clock that runs at an adjustable speed, and timers on it.

The simulator's lifecycle is stated in market time (working days, 17:00 gate closure), so
it schedules on this clock: at `speed` 1 it is real time, at 20000 a two-working-day
switch plays out in seconds, and `advance` jumps ahead for tests and demos.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta


class SimClock:
    """Sim time = start + real time elapsed x speed (+ any jumps).

    Speed 0 freezes the clock: only `advance` moves it, which makes tests exact.
    """

    def __init__(
        self, start: datetime, speed: float = 1.0, *, real: Callable[[], float] = time.monotonic
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("the simulated clock needs an aware start time")
        self._real = real
        self._anchor_sim = start
        self._anchor_real = real()
        self._speed = 0.0  # so that setting the speed below does not move the start
        self.speed = speed

    @property
    def speed(self) -> float:
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        if not value >= 0:
            raise ValueError(f"clock speed must not be negative, got {value}")
        self._reanchor(timedelta(0))
        self._speed = value

    def now(self) -> datetime:
        elapsed = (self._real() - self._anchor_real) * self._speed
        return self._anchor_sim + timedelta(seconds=elapsed)

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("the simulated clock never goes back")
        self._reanchor(delta)
        return self._anchor_sim

    def real_seconds_until(self, at: datetime) -> float | None:
        """Real seconds until sim time `at`; None when the clock is frozen short of it."""
        remaining = (at - self.now()).total_seconds()
        if remaining <= 0:
            return 0.0
        return None if self._speed == 0 else remaining / self._speed

    def _reanchor(self, delta: timedelta) -> None:
        self._anchor_sim = self.now() + delta
        self._anchor_real = self._real()


@dataclass(order=True)
class _Timer:
    at: datetime
    seq: int
    group: str = field(compare=False)
    action: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)


class Scheduler:
    """Runs actions at sim times, in time order; a group's timers can be cancelled at once.

    Actions are synchronous (they change state and enqueue pushes), so a batch of due
    timers runs without interleaving with request handlers.
    """

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self._heap: list[_Timer] = []
        self._seq = itertools.count()
        self._changed = asyncio.Event()

    def at(self, when: datetime, group: str, action: Callable[[], None]) -> None:
        heapq.heappush(self._heap, _Timer(when, next(self._seq), group, action))
        self._changed.set()

    def cancel_group(self, group: str) -> int:
        cancelled = 0
        for timer in self._heap:
            if timer.group == group and not timer.cancelled:
                timer.cancelled = True
                cancelled += 1
        return cancelled

    def run_due(self) -> int:
        """Run every timer due by now, earliest first; returns how many ran."""
        ran = 0
        while self._heap and self._heap[0].at <= self.clock.now():
            timer = heapq.heappop(self._heap)
            if not timer.cancelled:
                timer.action()
                ran += 1
        return ran

    def poke(self) -> None:
        """The clock jumped or its speed changed: recompute the next wake-up."""
        self._changed.set()

    async def run(self) -> None:
        while True:
            self.run_due()
            self._changed.clear()
            wait = self.clock.real_seconds_until(self._heap[0].at) if self._heap else None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=wait)
