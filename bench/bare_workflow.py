"""The Temporal ceiling: a workflow with a switch's shape and no work inside it.

It runs as many activities, timers and signals as a happy-path switch's history holds, each
doing nothing, so its throughput is what Temporal itself allows on this machine. Its worker
runs in its own process, as the switch worker does:

    python -m bench.bare_workflow TEMPORAL_ADDRESS TASK_QUEUE
"""

from __future__ import annotations

import asyncio
import signal
import sys
from dataclasses import dataclass
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.worker import Worker

from workflows.client import connect as connect_temporal

BARE_SIGNAL = "bare_notification"


@dataclass(frozen=True)
class BareInput:
    activities: int
    timers: int
    signals: int


@activity.defn(name="bare_noop")
async def bare_noop(step: int) -> int:
    return step


@workflow.defn(name="BareWorkflow")
class BareWorkflow:
    def __init__(self) -> None:
        self._signals = 0

    @workflow.signal(name=BARE_SIGNAL)
    def notification(self, _: str) -> None:
        self._signals += 1

    @workflow.run
    async def run(self, inp: BareInput) -> int:
        # A switch's timers are deadlines and waits that its notifications cut short: each
        # is started, then cancelled, so these are too.
        timers = [
            asyncio.create_task(workflow.sleep(timedelta(hours=1))) for _ in range(inp.timers)
        ]
        for step in range(inp.activities):
            await workflow.execute_activity(
                bare_noop, step, start_to_close_timeout=timedelta(seconds=30)
            )
        await workflow.wait_condition(lambda: self._signals >= inp.signals)
        for timer in timers:
            timer.cancel()
        await asyncio.gather(*timers, return_exceptions=True)
        return self._signals


async def serve(address: str, task_queue: str) -> None:
    # Imported here, not at the top: the sandbox re-imports this module to validate the
    # workflow, and the settings module touches the file system as it loads.
    from config import Settings
    from privacy.codec import engine_codec

    # The driver's client uses the engine's converter and codec; the worker must decode alike.
    settings = Settings.from_env()
    client = await connect_temporal(address, "default", codec=engine_codec(settings.key_file))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    worker = Worker(client, task_queue=task_queue, workflows=[BareWorkflow], activities=[bare_noop])
    async with worker:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], sys.argv[2]))
