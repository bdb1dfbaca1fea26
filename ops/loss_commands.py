"""The bodies of `switching loss ...`: list, show, and the operator's actions on a loss.

Each finds the engine through `ops.engine.locate`, prints, and returns the exit status or
raises (`ops.errors` gives the status: 2 bad input, 3 engine unreachable, 4 unknown loss,
5 refused by the engine or CSS).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from rich.console import Console
from temporalio.client import Client

from ops import loss_render, losses
from ops.engine import connect, event_store, locate
from ops.errors import InvalidInput
from workflows.loss_messages import (
    ANNUL_UPDATE,
    APPROVE_OBJECTION_UPDATE,
    DECLINE_OBJECTION_UPDATE,
    FINAL_BILL_SENT_UPDATE,
    LIFT_OBJECTION_UPDATE,
    FinalBillSentRequest,
    LossReason,
    OperatorNote,
)

T = TypeVar("T")


def list_losses(status: str | None, awaiting_decision: bool, limit: int) -> int:
    query = losses.list_query(status, awaiting_decision)
    found = _on_engine(lambda client: losses.list_losses(client, query, limit))
    Console().print(loss_render.loss_list(found), highlight=False)
    return 0


def show(loss: str, as_json: bool) -> int:
    settings = locate()

    async def action(client: Client) -> losses.LossReport:
        async with event_store(settings) as store:
            return await losses.loss_report(client, store, loss)

    report = _on_engine(action)
    if as_json:
        print(loss_render.report_json(report))
    else:
        Console().print(loss_render.report(report), highlight=False)
    return 0


def approve(loss: str, note: str) -> int:
    return _act(loss, APPROVE_OBJECTION_UPDATE, OperatorNote(note))


def decline(loss: str, note: str) -> int:
    return _act(loss, DECLINE_OBJECTION_UPDATE, OperatorNote(note))


def lift(loss: str, reason: str) -> int:
    return _act(loss, LIFT_OBJECTION_UPDATE, LossReason(_required(reason, "--reason")))


def annul(loss: str, reason: str) -> int:
    return _act(loss, ANNUL_UPDATE, LossReason(_required(reason, "--reason")))


def final_bill_sent(loss: str) -> int:
    return _act(loss, FINAL_BILL_SENT_UPDATE, FinalBillSentRequest())


def _act(loss: str, update: str, argument: Any) -> int:
    losses.workflow_id_of(loss)  # bad input is reported as such even with no engine
    result = _on_engine(lambda client: losses.act(client, loss, update, argument))
    Console().print(loss_render.acted(loss, result), highlight=False)
    return 0


def _required(text: str, option: str) -> str:
    if not text.strip():
        raise InvalidInput(f"say why ({option})")
    return text


def _on_engine(action: Callable[[Client], Awaitable[T]]) -> T:
    settings = locate()

    async def run() -> T:
        return await action(await connect(settings))

    return asyncio.run(run())
