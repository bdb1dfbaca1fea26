"""`--demo N` from start to verdict: resume or create the batch, set the simulator up for
a demo (fast clock, every notification sent twice), play it live, then check the event
store against Temporal and print the verdict. Each switch carries its made-up customer's
supply address, sealed, in its memo (`devstack.demo.customers`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from rich.console import Console
from temporalio.client import Client

from devstack.config import StackConfig
from devstack.demo import manifest
from devstack.demo.checks import delivery_problems, store_problems
from devstack.demo.css_control import SimulatorControl
from devstack.demo.runner import DemoOutcome, DemoSettings, play
from devstack.demo.scenarios import SCENARIOS, plan_batch
from devstack.demo.view import summary, watching
from eventstore.postgres import PostgresEventStore
from privacy.customer_keys import PostgresCustomerKeys
from privacy.keys import load_ring
from privacy.vault import Vault

#: Simulated seconds per real second: a simulated working day passes in about 14 seconds.
DEMO_CLOCK_SPEED = 6000.0


@dataclass(frozen=True)
class DemoRequest:
    size: int
    limit: timedelta = timedelta(minutes=15)


async def run_demo(
    client: Client, config: StackConfig, database_url: str, request: DemoRequest, console: Console
) -> DemoOutcome:
    batch, resumed = manifest.resume_or_create(config.data_dir, request.size)
    switches = plan_batch(batch.batch_id, batch.size)
    verb = "resuming" if resumed else "starting"
    console.print(
        f"{verb} demo batch {batch.batch_id}: {batch.size} switches over "
        f"{min(batch.size, len(SCENARIOS))} scenarios; CSS clock x{config.clock_speed:g}, "
        "every notification sent twice",
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
            with watching(console, f"demo batch {batch.batch_id}") as observe:
                outcome = await play(client, switches, settings, vault, observe)
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
    if all(item.finished for item in outcome.progress):
        manifest.mark_finished(config.data_dir, batch)
    for line in summary(outcome):
        console.print(line, highlight=False)
    return outcome
