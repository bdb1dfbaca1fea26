"""`switching loss ...` as an operator runs it, against a running engine on a real Temporal
dev server: find the losses waiting for a person, see one with its evidence, decide, lift,
annul, record the final bill; and every refusal is one line with its exit status."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.service import RPCError

from domain.accounts import AccountFacts
from domain.calendar import to_london
from domain.identifiers import Fuel, MarketSector
from domain.loss_notification import LossKind, LossNotification, LossStatus
from domain.loss_state import LossState
from domain.objection_policy import ReviewPolicy
from tests.integration.cli.conftest import RunningEngine, switching
from tests.integration.cli.test_operator_commands import assert_one_line_error
from workflows.loss_messages import LOSS_STATUS_QUERY, LossPolicy
from workflows.loss_start import signal_loss

MPAN = "1312345678907"
#: A person decides every debt objection above £100.
REVIEWED = LossPolicy(review=ReviewPolicy(arrears_above_pence=10_000))


async def notify(
    engine: RunningEngine, registration_id: str, kind: LossKind, **more: object
) -> None:
    now = datetime.now(UTC)
    fields: dict[str, object] = {}
    if kind is LossKind.PENDING:
        fields = {
            "fuel": Fuel.ELECTRICITY,
            "market_sector": MarketSector.DOMESTIC,
            "gaining_supplier_id": "OTHR",
            "objection_window_end": now + timedelta(days=1),
            "supply_start_date": (now + timedelta(days=2)).date(),
        }
    told = LossNotification(
        f"L-{uuid.uuid4().hex[:8]}",
        kind,
        registration_id,
        MPAN,
        now,
        **(fields | more),  # type: ignore[arg-type]
    )
    await signal_loss(engine.client, told, task_queue=engine.task_queue, policy=REVIEWED)


async def until(
    engine: RunningEngine, registration_id: str, condition: Callable[[LossState], bool]
) -> None:
    """Until the loss's workflow holds a state that meets `condition` (asked directly: the
    commands under test are run once each)."""
    handle = engine.client.get_workflow_handle(f"loss-{registration_id}")
    for _ in range(200):
        with contextlib.suppress(RPCError):
            state = await handle.query(LOSS_STATUS_QUERY, result_type=LossState)
            if state is not None and condition(state):
                return
        await asyncio.sleep(0.1)
    raise AssertionError(f"loss {registration_id} never reached the state awaited")


@pytest.fixture
def registration_id(running_engine: RunningEngine) -> str:
    today = to_london(datetime.now(UTC)).date()
    running_engine.accounts.put(
        AccountFacts(MPAN, MarketSector.DOMESTIC, 45_000, today - timedelta(days=35))
    )
    return f"REG-{uuid.uuid4().hex[:12].upper()}"


async def test_an_operator_finds_a_loss_waiting_approves_lifts_and_annul_is_refused(
    running_engine: RunningEngine, registration_id: str
) -> None:
    await notify(running_engine, registration_id, LossKind.PENDING)
    await until(running_engine, registration_id, lambda s: s.awaiting_operator)
    # Visibility follows the workflow a moment later.
    for _ in range(50):
        listed = await switching("loss", "list", "--awaiting-decision", env=running_engine.env)
        if registration_id in listed.stdout:
            break
        await asyncio.sleep(0.2)
    assert registration_id in listed.stdout
    assert "AWAITING_OPERATOR" in listed.stdout
    shown = await switching("loss", "show", registration_id, env=running_engine.env)
    assert shown.code == 0, shown.stderr
    assert "debt 45000p" in shown.stdout
    assert "arrears 45000p are above 10000p" in shown.stdout

    approved = await switching(
        "loss", "approve", registration_id, "--note", "account checked", env=running_engine.env
    )
    assert approved.code == 0, approved.stderr
    assert "decision OBJECT" in approved.stdout
    assert "CSS accepted it" in approved.stdout
    assert running_engine.css.loss_actions(registration_id) == ["objection"]

    again = await switching("loss", "decline", registration_id, env=running_engine.env)
    assert_one_line_error(again, 5, "decided already")

    lifted = await switching(
        "loss", "lift", f"loss-{registration_id}", "--reason", "paid", env=running_engine.env
    )
    assert lifted.code == 0, lifted.stderr
    assert "decision LIFTED" in lifted.stdout

    await notify(running_engine, registration_id, LossKind.CONFIRMED)
    today = datetime.now(UTC).date()
    await notify(running_engine, registration_id, LossKind.SECURED, supply_start_date=today)
    await until(running_engine, registration_id, lambda s: s.status is LossStatus.SECURED)
    refused = await switching(
        "loss", "annul", registration_id, "--reason", "never agreed", env=running_engine.env
    )
    assert_one_line_error(refused, 5, "only until SECURED")


async def test_a_lost_customers_final_bill_is_recorded_and_the_loss_closes(
    running_engine: RunningEngine, registration_id: str
) -> None:
    today = datetime.now(UTC).date()
    await notify(running_engine, registration_id, LossKind.PENDING)
    await until(running_engine, registration_id, lambda s: s.awaiting_operator)
    declined = await switching(
        "loss", "decline", registration_id, "--note", "paid", env=running_engine.env
    )
    assert "decision NO_OBJECTION" in declined.stdout
    await notify(running_engine, registration_id, LossKind.CONFIRMED)
    await notify(running_engine, registration_id, LossKind.SECURED, supply_start_date=today)
    await notify(running_engine, registration_id, LossKind.COMPLETED, supply_start_date=today)
    await until(running_engine, registration_id, lambda s: s.status is LossStatus.LOST)
    sent = await switching("loss", "final-bill-sent", registration_id, env=running_engine.env)
    assert sent.code == 0, sent.stderr
    assert f"final bill recorded on {to_london(datetime.now(UTC)).date()}" in sent.stdout
    shown = await switching("loss", "show", registration_id, "--json", env=running_engine.env)
    report = json.loads(shown.stdout)
    assert report["execution"] in ("RUNNING", "COMPLETED")  # it ends once the bill is sent
    assert report["state"]["final_bill_sent_on"] == str(to_london(datetime.now(UTC)).date())
    assert running_engine.css.loss_requests == []
    ended = await switching("loss", "final-bill-sent", registration_id, env=running_engine.env)
    assert_one_line_error(ended, 5, "has ended (LOST)")


async def test_an_unknown_loss_and_bad_input_are_one_line_each(
    running_engine: RunningEngine,
) -> None:
    unknown = await switching("loss", "show", "REG-NOT-THERE", env=running_engine.env)
    assert_one_line_error(unknown, 4, "no loss with id 'loss-REG-NOT-THERE'")
    bad_status = await switching("loss", "list", "--status", "GONE", env=running_engine.env)
    assert_one_line_error(bad_status, 2, "unknown loss status 'GONE'")
    no_reason = await switching("loss", "lift", "REG-1", "--reason", " ", env=running_engine.env)
    assert_one_line_error(no_reason, 2, "say why (--reason)")
