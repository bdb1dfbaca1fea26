"""The bodies of the operator commands: `validate`, `deadlines`, `start`, `withdraw`, `waive`,
`status`, `list`, `db`, `pki init`, and the long-running processes, `worker`, `receiver` and
`codec-server`.

Each finds the engine through `ops.engine.locate`, prints what it has to say, and returns
the exit status or raises (the message is the one line `cli.py` prints, `ops.errors` its
exit status).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

import typer
from rich.console import Console
from temporalio.client import Client

from config import Settings
from css.pki import ensure_pki
from domain.identifiers import IdentifierKind, InvalidIdentifier, parse_identifier
from eventstore.driver import driver_errors
from ops import db, render, switches
from ops.engine import connect, event_store, locate
from ops.errors import InvalidInput, OperationError
from workflows.signup import SwitchRequest, SwitchTimings

T = TypeVar("T")


def validate(kind: IdentifierKind, value: list[str]) -> int:
    # Joined with a space so an unquoted, grouped identifier reads as one value.
    try:
        parsed = parse_identifier(kind, " ".join(value))
    except InvalidIdentifier as refused:
        raise InvalidInput(str(refused)) from None
    typer.echo(str(parsed))
    return 0


def deadlines(at: str | None, sector: str, ssd: str | None, as_json: bool) -> int:
    """The dates a switch submitted at `at` would be judged by; needs no engine."""
    from ops.deadlines import report

    typer.echo(report(at, sector, ssd, as_json=as_json))
    return 0


# --- switches ------------------------------------------------------------------------------


def start(request: SwitchRequest | None, file: Path | None) -> int:
    if file is not None and request is not None:
        raise InvalidInput("give either --file or the switch flags, not both")
    if file is not None:
        request = switches.request_from_json(file)
    if request is None:
        raise InvalidInput("give the switch as flags (--switch-id, --fuel, --mpxn ...) or --file")
    settings = locate()
    timings = SwitchTimings(settings.withdrawal_window, settings.reconcile_grace)
    # Bad input is reported as such even when no engine runs.
    switches.check_request(request, timings)
    checked = request

    async def action(client: Client) -> switches.Started:
        return await switches.start_switch(
            client, checked, task_queue=settings.task_queue, timings=timings
        )

    Console().print(render.started(_on_engine(settings, action)), highlight=False)
    return 0


def withdraw(switch_id: str, reason: str) -> int:
    switches.check_reason(reason)

    async def action(client: Client) -> str:
        result = await switches.withdraw_switch(client, switch_id, reason)
        return render.withdrawn(switch_id, result)

    Console().print(_on_engine(locate(), action), highlight=False)
    return 0


def waive(switch_id: str, reason: str) -> int:
    switches.check_reason(reason, "a waiver")

    async def action(client: Client) -> str:
        result = await switches.waive_compensation(client, switch_id, reason)
        return f"switch {switch_id}: £{result.pence / 100:.2f} waived - {result.detail}"

    Console().print(_on_engine(locate(), action), highlight=False)
    return 0


def status(switch_id: str, as_json: bool) -> int:
    settings = locate()

    async def action(client: Client) -> switches.SwitchReport:
        async with event_store(settings) as store:
            return await switches.switch_report(client, store, switch_id)

    report = _on_engine(settings, action)
    if as_json:
        print(render.report_json(report))
    else:
        Console().print(render.report(report), highlight=False)
    return 0


def list_switches(status: str | None, deadline_missed: bool, limit: int) -> int:
    query = switches.list_query(status, deadline_missed)

    async def action(client: Client) -> list[switches.SwitchSummary]:
        return await switches.list_switches(client, query, limit)

    Console().print(render.switch_list(_on_engine(locate(), action)), highlight=False)
    return 0


def request_from_flags(
    switch_id: str | None,
    fuel: str | None,
    mpxn: str | None,
    **optional: str | bool | date | None,
) -> SwitchRequest | None:
    """The request the flags describe; None when no flag was given at all."""
    given = {"switch_id": switch_id, "fuel": fuel, "mpxn": mpxn}
    if all(value is None for value in given.values()):
        return None
    missing = [f"--{name.replace('_', '-')}" for name, value in given.items() if value is None]
    if missing:
        raise InvalidInput(f"missing {', '.join(missing)}")
    values = {name: value for name, value in optional.items() if value is not None}
    return switches.request_from_mapping({**given, **values}, "flags")


def _on_engine(settings: Settings, action: Callable[[Client], Awaitable[T]]) -> T:
    async def run() -> T:
        return await action(await connect(settings))

    return asyncio.run(run())


# --- the event store's schema --------------------------------------------------------------


def db_upgrade(revision: str) -> int:
    typer.echo(db.db_upgrade(locate(), revision).describe())
    return 0


def db_downgrade(revision: str) -> int:
    typer.echo(db.db_downgrade(locate(), revision).describe())
    return 0


def db_current() -> int:
    typer.echo(db.db_current(locate()).describe())
    return 0


def db_roles(admin_url: str, database: str) -> int:
    try:
        with driver_errors("creating the roles"):
            made = db.db_roles(admin_url, os.environ, database)
    except ValueError as error:
        raise OperationError(str(error)) from None
    typer.echo(f"roles {', '.join(made)} ready; database {database} owned by {made[0]}")
    return 0


# --- set-up and processes ------------------------------------------------------------------


def pki_init(directory: Path | None) -> int:
    root = directory or locate().pki_dir
    try:
        result = ensure_pki(root)
    except (OSError, ValueError) as error:
        raise OperationError(f"cannot create the PKI in {root}: {error}") from None
    for created in result.created:
        typer.echo(f"created {created}")
    typer.echo(f"PKI complete in {root} ({len(result.created)} item(s) created)")
    return 0


def run_worker() -> int:
    import worker

    worker.main()
    return 0


def run_receiver(host: str | None, port: int | None, pki_dir: Path | None) -> int:
    from receiver import service

    try:
        settings = Settings.from_env()
        options = service.ReceiverOptions(
            host=host or settings.receiver_host,
            port=settings.receiver_port if port is None else port,
            pki_dir=pki_dir or settings.pki_dir,
        )
        service.run(settings, options)
    except KeyboardInterrupt:
        typer.echo("receiver stopped")
    except service.START_FAILURES as error:
        raise OperationError(f"the receiver cannot run: {error}") from None
    return 0


def run_codec_server(
    host: str,
    port: int | None,
    origins: list[str],
    token_file: Path | None,
    tls: tuple[Path | None, Path | None, Path | None],
) -> int:
    from codecserver.service import CodecServerOptions, serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings.from_env()
    tls_cert, tls_key, client_ca = tls
    options = CodecServerOptions(
        host=host,
        port=settings.codec_port if port is None else port,
        token_file=token_file or settings.codec_token_file,
        allowed_origins=tuple(origins),
        tls_cert=tls_cert,
        tls_key=tls_key,
        client_ca=client_ca,
    )
    try:
        asyncio.run(serve(settings, options))
    except KeyboardInterrupt:
        typer.echo("codec server stopped")
    except OSError as error:
        raise OperationError(f"the codec server cannot run: {error}") from None
    return 0
