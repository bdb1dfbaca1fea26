"""A master key rotation in the middle of a running switch, on a real Temporal dev server:
payloads written before the rotation and after it are all decoded by the new key ring, the
switch carries on to its end, and a ring without the old key names it when it fails."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from accounts.port import InMemoryAccounts
from domain.lifecycle import Status
from eventstore.postgres import PostgresEventStore
from privacy.codec import KEY_ID, EncryptionCodec
from privacy.errors import UnknownKey
from privacy.keys import KeyRing, create_key_file, load_ring, rotate_key_file
from tests.integration.workflow.fake_css import FakeCss
from worker import build_worker
from workflows.converter import data_converter
from workflows.messages import WITHDRAW_UPDATE, SwitchResult, WithdrawRequest, WithdrawResult
from workflows.signup import SwitchRequest, SwitchTimings, request_switch


async def _client(server: WorkflowEnvironment, ring: KeyRing) -> Client:
    address = server.client.service_client.config.target_host
    return await Client.connect(address, data_converter=data_converter(EncryptionCodec(ring)))


async def _recorded(store: PostgresEventStore, switch_id: str) -> None:
    for _ in range(300):
        if await store.read_stream(switch_id):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{switch_id} recorded nothing")


def _key_ids(payloads: list[Payload]) -> set[str]:
    return {p.metadata[KEY_ID].decode() for p in payloads if KEY_ID in p.metadata}


async def test_a_switch_runs_across_a_rotation_and_every_payload_decodes(
    dev_server: WorkflowEnvironment, event_store: PostgresEventStore, tmp_path: Path
) -> None:
    key_file = tmp_path / "keys.json"
    create_key_file(key_file)
    before = load_ring(key_file)
    queue = f"rotation-{uuid.uuid4().hex[:8]}"
    switch_id = f"rot-{uuid.uuid4().hex[:10]}"

    first = await _client(dev_server, before)
    worker = build_worker(
        first,
        store=event_store,
        css=FakeCss(),
        accounts=InMemoryAccounts(),
        gaining_supplier_id="GAIN",
        task_queue=queue,
    )
    async with worker:
        handle = await request_switch(
            first,
            SwitchRequest(switch_id=switch_id, fuel="ELECTRICITY", mpxn="1312345678907"),
            task_queue=queue,
            timings=SwitchTimings(),
        )
        await _recorded(event_store, switch_id)

    added = rotate_key_file(key_file)
    after = load_ring(key_file)
    second = await _client(dev_server, after)
    worker = build_worker(
        second,
        store=event_store,
        css=FakeCss(),
        accounts=InMemoryAccounts(),
        gaining_supplier_id="GAIN",
        task_queue=queue,
    )
    async with worker:
        moved = second.get_workflow_handle(switch_id, result_type=SwitchResult)
        outcome = await moved.execute_update(
            WITHDRAW_UPDATE, WithdrawRequest("customer cancelled"), result_type=WithdrawResult
        )
        assert outcome.status is Status.WITHDRAWN
        assert (await moved.result()).status is Status.WITHDRAWN

    history = await handle.fetch_history()
    started = history.events[0].workflow_execution_started_event_attributes
    completed = history.events[-1].workflow_execution_completed_event_attributes
    assert _key_ids(list(started.input.payloads)) == {before.current.key_id}
    assert _key_ids(list(completed.result.payloads)) == {added.key_id}

    only_new = await _client(dev_server, KeyRing([after.get(added.key_id)]))
    assert (await only_new.get_workflow_handle(switch_id).result()) is not None
    with pytest.raises(UnknownKey, match=f"key '{before.current.key_id}'"):
        await only_new.data_converter.decode(list(started.input.payloads))
