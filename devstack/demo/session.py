"""`--demo N` from start to verdict: resume or create the batch, set the simulator up for
a demo (fast clock, every notification sent twice), play it live, then check the event
store against Temporal and print the verdict. Each switch carries its made-up customer's
supply address, sealed, in its memo (`devstack.demo.customers`). Beside the switches, five
customers leave us (`devstack.demo.losses`)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rich.console import Console
from temporalio.client import Client

from devstack.config import StackConfig
from devstack.demo import manifest
from devstack.demo.checks import delivery_problems, store_problems
from devstack.demo.losses import (
    LOSS_STORIES,
    LossProgress,
    pick_meter_points,
    start_losses,
    watch_losses,
)
from devstack.demo.runner import POLL_SECONDS, DemoOutcome, DemoSettings, Progress, play
from devstack.demo.scenarios import SCENARIOS, DemoSwitch, plan_batch
from devstack.demo.view import Observer, summary, watching
from domain.calendar import to_london
from eventstore.postgres import PostgresEventStore
from privacy.customer_keys import PostgresCustomerKeys
from privacy.keys import load_ring
from privacy.vault import Vault
from simulator.control import SimulatorControl

#: Simulated seconds per real second: a simulated working day passes in about 14 seconds.
DEMO_CLOCK_SPEED = 6000.0


@dataclass(frozen=True)
class DemoRequest:
    size: int
    limit: timedelta = timedelta(minutes=15)
    #: Play the five loss stories beside the switches.
    losses: bool = True


async def run_demo(
    client: Client,
    config: StackConfig,
    database_urls: tuple[str, str],
    request: DemoRequest,
    console: Console,
) -> DemoOutcome:
    """`database_urls`: the application's (checks) and the owner's (the demo's accounts)."""
    database_url, owner_url = database_urls
    batch, resumed = manifest.resume_or_create(config.data_dir, request.size)
    switches = plan_batch(batch.batch_id, batch.size)
    verb = "resuming" if resumed else "starting"
    console.print(
        f"{verb} demo batch {batch.batch_id}: {batch.size} switches over "
        f"{min(batch.size, len(SCENARIOS))} scenarios"
        f"{f' and {len(LOSS_STORIES)} losses' if request.losses else ''}; "
        f"CSS clock x{config.clock_speed:g}, every notification sent twice",
        highlight=False,
    )
    settings = DemoSettings(task_queue=config.task_queue, limit=request.limit)
    store = await PostgresEventStore.connect(database_url, min_size=1, max_size=2)
    try:
        vault = Vault(PostgresCustomerKeys(store.pool), load_ring(config.key_file))
        async with SimulatorControl(config.css_url, config.pki_dir) as css:
            await css.set_speed(config.clock_speed)
            await css.set_faults(duplicate_rate=1.0)
            # Every time, resumed or not: a restarted simulator has forgotten its market.
            for switch in switches:
                await css.put_meter_point(switch.mpxn, switch.meter_point())
            losses: list[LossProgress] = []
            if request.losses:
                losses = await _start_losses(css, config, owner_url, batch.batch_id)
            with watching(console, f"demo batch {batch.batch_id}") as observe:
                outcome = await _play_all(client, switches, losses, settings, vault, observe)
            deliveries = await css.deliveries()
        outcome.duplicates_delivered = sum(1 for d in deliveries if d.get("duplicate"))
        if outcome.duplicates_delivered == 0:
            outcome.problems.append(
                "CSS delivered no duplicate notification to test the engine with"
            )
        outcome.problems.extend(await store_problems(store, outcome.progress))
        outcome.problems.extend(await delivery_problems(store, deliveries))
    finally:
        await store.close()
    finished = all(item.finished for item in outcome.progress)
    if finished and all(item.finished for item in outcome.losses):
        manifest.mark_finished(config.data_dir, batch)
    for line in summary(outcome):
        console.print(line, highlight=False)
    return outcome


async def _start_losses(
    css: SimulatorControl, config: StackConfig, owner_url: str, batch_id: str
) -> list[LossProgress]:
    points = await asyncio.to_thread(pick_meter_points, config.market_path, batch_id)
    today = to_london(datetime.now(UTC)).date()
    return await start_losses(css, owner_url, points, today)


async def _play_all(
    client: Client,
    switches: Sequence[DemoSwitch],
    losses: list[LossProgress],
    settings: DemoSettings,
    vault: Vault,
    observe: Observer,
) -> DemoOutcome:
    """The switches and the losses side by side, in one view, within one time limit."""
    shown: list[Progress] = []

    def observe_switches(progress: list[Progress]) -> None:
        shown[:] = progress
        observe([*progress, *losses])

    deadline = time.monotonic() + settings.limit.total_seconds()
    outcome, _ = await asyncio.gather(
        play(client, list(switches), settings, vault, observe_switches),
        watch_losses(
            client,
            losses,
            POLL_SECONDS,
            done=lambda: time.monotonic() > deadline,
            observe=lambda: observe([*shown, *losses]),
        ),
    )
    outcome.losses = losses
    if not all(loss.finished for loss in losses):
        outcome.timed_out = True
    return outcome
