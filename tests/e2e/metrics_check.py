"""Each process's `/metrics`, scraped over HTTP, against what the demo batch did: the
business counters equal the batch's outcomes and the event store's flags, the receiver's
counters equal its ledger, and the SDK's own metrics are served beside ours."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import httpx

from devstack.demo.scenarios import Action
from eventstore.postgres import PostgresEventStore
from observability.business import SWITCH_FLAGS
from ops.lockfile import StackInfo
from receiver.postgres import PostgresDeliveryLedger
from tests.e2e.conftest import Ports, demo_switches
from tests.e2e.prometheus import Sample, scrape, total


def _url(ports: Ports, offset: int) -> str:
    return f"http://127.0.0.1:{ports.metrics + offset}/metrics"


async def _flags_in_the_store(info: StackInfo, switch_ids: list[str]) -> tuple[Counter[str], int]:
    """Deadline flags by flag, and the pence owed, from the demo's streams."""
    store = await PostgresEventStore.connect(info.database_url, min_size=1, max_size=2)
    flags: Counter[str] = Counter()
    owed = 0
    try:
        for switch_id in switch_ids:
            for event in await store.read_stream(switch_id):
                if event.type in SWITCH_FLAGS:
                    flags[SWITCH_FLAGS[event.type]] += 1
                if event.type in ("CompensationOwed", "CompensationDue"):
                    owed += int(event.data["pence"])
        ledger = PostgresDeliveryLedger(store.pool)
        flags["stored notifications"] = len(await ledger.list())
    finally:
        await store.close()
    return flags, owed


async def _worker(info: StackInfo, data: Path, ports: Ports) -> None:
    switches = demo_switches(data)
    worker = await scrape(_url(ports, 0))
    for fuel, count in Counter(s.scenario.fuel.value for s in switches).items():
        assert total(worker, "switching_switches_started_total", fuel=fuel) == count, fuel
    ends = Counter((s.scenario.fuel.value, s.scenario.expected.value) for s in switches)
    for (fuel, outcome), count in ends.items():
        found = total(worker, "switching_switches_ended_total", fuel=fuel, outcome=outcome)
        assert found == count, (fuel, outcome)
    assert total(worker, "switching_switches_ended_total") == len(switches)
    flags, owed = await _flags_in_the_store(info, [s.switch_id for s in switches])
    for flag in set(SWITCH_FLAGS.values()):
        assert total(worker, "switching_deadline_flags_total", flag=flag) == flags[flag], flag
    assert total(worker, "switching_compensation_owed_pence_total") == owed
    submitted = sum(1 for s in switches if s.scenario.action is not Action.WITHDRAW_HELD)
    posted = total(
        worker, "switching_css_requests_total", endpoint="POST /v1/registrations", outcome="ok"
    )
    assert posted >= submitted
    assert total(worker, "switching_css_request_seconds_count") >= posted
    assert any(s.name.startswith("temporal_") for s in worker), "the SDK's own metrics"
    _credentials(worker)


def _credentials(samples: list[Sample]) -> None:
    left = total(
        samples, "switching_credential_expiry_seconds", credential="receiver-server.crt.pem"
    )
    assert left > 86400 * 300


async def _receiver(info: StackInfo, data: Path, ports: Ports) -> None:
    switches = demo_switches(data)
    flags, _ = await _flags_in_the_store(info, [s.switch_id for s in switches])
    # The backlog gauge is measured every few seconds; it settles at nothing undelivered.
    for _ in range(100):
        receiver = await scrape(_url(ports, 1))
        if total(receiver, "switching_delivery_backlog") == 0 and any(
            s.name == "switching_delivery_backlog" for s in receiver
        ):
            break
        await asyncio.sleep(0.2)
    else:
        raise AssertionError("the delivery backlog never read 0")
    assert total(receiver, "switching_delivery_oldest_age_seconds") == 0
    accepted = total(receiver, "switching_receiver_notifications_total", answer="accepted")
    assert accepted == flags["stored notifications"]
    # The demo's CSS sends every notification twice.
    assert total(receiver, "switching_receiver_notifications_total", answer="duplicate") > 0
    assert total(receiver, "switching_receiver_refusals_total") == 0
    assert total(receiver, "switching_deliveries_total", outcome="delivered") >= accepted / 2
    assert any(s.name.startswith("temporal_") for s in receiver), "its client's SDK metrics"
    _credentials(receiver)


async def _codec_server(data: Path, ports: Ports) -> None:
    token = (data / "keys" / "codec-token").read_text().strip()
    async with httpx.AsyncClient(trust_env=False) as http:
        answer = await http.post(
            f"http://127.0.0.1:{ports.codec}/default/decode",
            json={"payloads": []},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 200, answer.text
        refused = await http.post(f"http://127.0.0.1:{ports.codec}/default/decode", json={})
        assert refused.status_code == 401
    codec = await scrape(_url(ports, 2))
    assert total(codec, "switching_codec_requests_total", route="decode", status="200") >= 1
    assert total(codec, "switching_codec_requests_total", route="decode", status="401") >= 1


async def metrics_agree_with_the_demo(info: StackInfo, data: Path, ports: Ports) -> None:
    await _worker(info, data, ports)
    await _receiver(info, data, ports)
    await _codec_server(data, ports)
