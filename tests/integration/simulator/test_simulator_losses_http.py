"""The simulator's losing side over real mutual TLS and JWS: a loss started through
`/control/losses` is pushed to the receiver signed, and our objection, lift and annulment
go through the CSS client to `/v1`, accepted or refused with CSS's reason code."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from css import tls
from css.client import CssClient
from css.errors import CssConflict, CssRejected
from css.losses import LossActionRequest, LossPending, ObjectionRequest
from css.messages import CssStatus
from css.pki import PkiPaths
from domain.objection_policy import Evidence
from domain.objections import ObjectionGround
from simulator import running_simulator
from simulator.losses import our_meter_points
from simulator.market import Market, MarketSpec
from simulator.market.commands import generate_market
from simulator.server import RunningSimulator
from tests.integration.css.support import MONDAY_9AM, StubReceiver, sim_config

MPAN = "1312345678907"
DEBT = Evidence(
    ObjectionGround.DEBT,
    assessed_on=date(2026, 3, 2),
    arrears_pence=9_000,
    oldest_unpaid_due=date(2026, 1, 2),
    days_overdue=59,
)


@pytest.fixture
async def control(pki: PkiPaths, simulator: RunningSimulator) -> AsyncIterator[httpx.AsyncClient]:
    context = tls.supplier_client_context(pki)
    async with httpx.AsyncClient(base_url=simulator.base_url, verify=context) as http:
        yield http


async def start_loss(control: httpx.AsyncClient, **order: Any) -> dict[str, Any]:
    response = await control.post("/control/losses", json={"mpxn": MPAN, **order})
    assert response.status_code == 200, response.text
    started: dict[str, Any] = response.json()["result"]
    return started


def objection(message_id: str = "M-obj") -> ObjectionRequest:
    return ObjectionRequest(message_id, MONDAY_9AM, "GAIN", (DEBT,))


async def test_a_loss_is_pushed_signed_and_an_objection_ends_it_objected(
    control: httpx.AsyncClient,
    client: CssClient,
    simulator: RunningSimulator,
    stub: StubReceiver,
) -> None:
    loss = await start_loss(control, changeOfOccupancy=False)
    registration_id = loss["registrationId"]
    simulator.sim.advance(timedelta(minutes=5))
    [received] = await stub.wait_for(1)
    assert isinstance(received.notification, LossPending)
    assert received.notification.registration_id == registration_id
    assert received.notification.objection_window_end == datetime(2026, 3, 3, 9, 1, tzinfo=UTC)
    ack = await client.object_to_registration(registration_id, objection())
    assert (ack.registration_id, ack.message_id) == (registration_id, "M-obj")
    # A resend after a lost answer is accepted again, not refused as a second objection.
    await client.object_to_registration(registration_id, objection())
    simulator.sim.advance(timedelta(days=2))
    await stub.wait_for(2)
    assert stub.types(registration_id) == ["LOSS_PENDING", "LOSS_OBJECTED"]
    seen = (await control.get(f"/control/losses/{registration_id}")).json()["result"]
    assert seen["status"] == CssStatus.OBJECTED.value


async def test_late_and_forbidden_requests_are_refused_with_a_reason_code(
    control: httpx.AsyncClient, client: CssClient, simulator: RunningSimulator, stub: StubReceiver
) -> None:
    occupancy = (await start_loss(control, changeOfOccupancy=True))["registrationId"]
    plain = (await start_loss(control))["registrationId"]
    simulator.sim.advance(timedelta(minutes=5))
    await stub.wait_for(2)
    with pytest.raises(CssRejected) as refused:
        await client.object_to_registration(occupancy, objection())
    assert (refused.value.status_code, refused.value.reason_code) == (422, "OBJECTION_NOT_ALLOWED")
    with pytest.raises(CssConflict) as conflict:
        await client.lift_objection(plain, LossActionRequest("M-l", MONDAY_9AM, "GAIN", "paid"))
    assert conflict.value.reason_code == "NO_OBJECTION_TO_LIFT"
    simulator.sim.advance(timedelta(days=1))
    with pytest.raises(CssConflict) as late:
        await client.object_to_registration(plain, objection("M-late"))
    assert late.value.reason_code == "OBJECTION_WINDOW_CLOSED"


async def test_an_annulment_before_secured_ends_the_loss_annulled(
    control: httpx.AsyncClient, client: CssClient, simulator: RunningSimulator, stub: StubReceiver
) -> None:
    registration_id = (await start_loss(control))["registrationId"]
    simulator.sim.advance(timedelta(minutes=5))
    annulment = LossActionRequest("M-a", MONDAY_9AM, "GAIN", "the customer never agreed")
    await client.annul_registration(registration_id, annulment)
    await stub.wait_for(2)
    assert stub.types(registration_id) == ["LOSS_PENDING", "LOSS_ANNULLED"]


async def test_losses_start_by_themselves_at_a_rate_on_the_markets_meter_points(
    pki: PkiPaths, tmp_path: Path, receiver: tuple[StubReceiver, str]
) -> None:
    market = tmp_path / "market.jsonl"
    generate_market(MarketSpec(60, seed=5, our_supplier_id="GAIN"), market, lambda _: None)
    ours = {point.mpxn for point in our_meter_points(Market.load(market))}
    assert ours
    config = sim_config(pki, receiver[1], market=market, losses_per_day=2.0)
    async with running_simulator(config) as simulator:
        context = tls.supplier_client_context(pki)
        async with httpx.AsyncClient(base_url=simulator.base_url, verify=context) as control:
            simulator.sim.advance(timedelta(days=1, seconds=1))
            listed = (await control.get("/control/losses")).json()["result"]
            assert len(listed) == 2
            assert {loss["mpxn"] for loss in listed} <= ours
            stopped = await control.post("/control/losses/rate", json={"perDay": 0})
            assert stopped.json()["result"] == {"perDay": 0.0}
            simulator.sim.advance(timedelta(days=2))
            assert len((await control.get("/control/losses")).json()["result"]) == 2


async def test_a_bad_rate_is_refused(control: httpx.AsyncClient) -> None:
    bad = await control.post("/control/losses/rate", json={"perDay": -1})
    assert bad.status_code == 400
    assert bad.json()["error"] == "control request: 'perDay' must be a number, 0 or more"


async def test_a_bad_loss_order_is_refused_naming_the_field(control: httpx.AsyncClient) -> None:
    response = await control.post("/control/losses", json={"story": "vanished"})
    assert response.status_code == 400
    assert 'unknown story "vanished"' in response.json()["error"]
