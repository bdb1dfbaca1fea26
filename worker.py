"""The composition root: the only place that builds clients and wires them together.

`switching worker` runs `main()`; tests and benchmarks call `build_worker` with their own
client, store and CSS gateway so they exercise exactly the production wiring.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Protocol

from temporalio.client import Client
from temporalio.converter import PayloadCodec
from temporalio.worker import Worker

from accounts.port import Accounts
from accounts.source import open_accounts
from activities.deadlines import DeadlineActivities
from activities.events import EventActivities
from activities.losses import LossActivities, LossGateway
from activities.registration import CssGateway, RegistrationActivities
from config import Settings
from css.client import CssClient
from css.inventory import report_expiry
from domain.calendar import england_and_wales
from eventstore.database import resolve_database_url
from eventstore.interface import EventStore
from eventstore.postgres import PostgresEventStore
from observability import metrics, tracing
from privacy.codec import engine_codec
from readmodels.projector import Projector
from readmodels.switch import SwitchReadModel
from workflows import search_attributes
from workflows.client import connect as connect_temporal
from workflows.loss import LossWorkflow
from workflows.switch import SwitchWorkflow

log = logging.getLogger("switching.worker")


class Css(CssGateway, LossGateway, Protocol):
    """CSS as both sides of a switch see it: the gaining side's and the losing side's calls."""


def build_worker(
    client: Client,
    *,
    store: EventStore,
    css: Css,
    accounts: Accounts,
    gaining_supplier_id: str,
    task_queue: str,
) -> Worker:
    """A worker for the switch and loss workflows and every activity they call."""
    events = EventActivities(store)
    registration = RegistrationActivities(css, gaining_supplier_id)
    calendar = england_and_wales()
    deadlines = DeadlineActivities(calendar)
    losses = LossActivities(
        store=store, css=css, accounts=accounts, calendar=calendar, supplier_id=gaining_supplier_id
    )
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[SwitchWorkflow, LossWorkflow],
        activities=[
            events.append_switch_events,
            registration.submit_registration,
            registration.withdraw_registration,
            registration.read_registration,
            deadlines.compute_deadlines,
            deadlines.compute_supply_deadlines,
            deadlines.check_supply_start_date,
            losses.append_loss_events,
            losses.assess_objection,
            losses.compute_loss_dates,
            losses.send_objection,
            losses.send_objection_lift,
            losses.send_annulment,
        ],
    )


async def run(settings: Settings, codec: PayloadCodec | None) -> None:
    """Run a worker until SIGINT/SIGTERM, then finish in-flight tasks and stop.

    `codec` is the engine's payload codec; only the benchmark's baseline runs without one."""
    # Before the client connects, so the SDK's metrics are served beside ours.
    metrics.start_if_configured("worker", settings.metrics_host, settings.metrics_port)
    tracing.configure("worker")
    client = await connect_temporal(
        settings.temporal_address, settings.temporal_namespace, codec=codec
    )
    await search_attributes.register(client)
    store = await PostgresEventStore.connect(await resolve_database_url(settings))
    try:
        async with CssClient.from_pki(settings.css_url, settings.pki_dir) as css:
            worker = build_worker(
                client,
                store=store,
                css=css,
                accounts=open_accounts(settings, store.pool),
                gaining_supplier_id=settings.gaining_supplier_id,
                task_queue=settings.task_queue,
            )
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
            # Renewed certificates and rotated keys are also picked up within seconds.
            css.reloader.on_sighup()
            # The switch read model follows the store from here; with several workers the
            # checkpoint's row lock lets only one apply each batch.
            projector = Projector(store, store.pool, SwitchReadModel())
            background = [
                asyncio.create_task(projector.run()),
                asyncio.create_task(report_expiry(settings.pki_dir)),
            ]
            async with worker:
                log.info("worker polling task queue %s", settings.task_queue)
                await stop.wait()
            for task in background:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    finally:
        await store.close()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings.from_env()
    asyncio.run(run(settings, engine_codec(settings.key_file)))


if __name__ == "__main__":
    main()
