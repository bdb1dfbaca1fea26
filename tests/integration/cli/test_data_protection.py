"""Customer data protection through the real commands: Temporal stores ciphertext and the
codec server decodes it for the `temporal` CLI; `switching forget` crypto-shreds one
customer, and afterwards the audit still verifies, the customer's personal fields show as
erased everywhere, and nobody else's data is touched."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from codecserver.token import ensure_token
from eventstore.model import NewEvent
from eventstore.postgres import PostgresEventStore
from privacy.customer_keys import PostgresCustomerKeys
from privacy.keys import load_ring
from privacy.vault import Vault
from tests.codec import TEST_KEY_FILE
from tests.integration.cli.conftest import BIN, RunningEngine, free_port, switching
from tests.temporal_cli import temporal, texts
from workflows.signup import SwitchRequest, request_switch

MPAN = "1312345678907"
CONTACT = {"C-1": "ada.lovelace@example.invalid", "C-2": "charles.babbage@example.invalid"}


@dataclass(frozen=True)
class CodecServer:
    url: str
    token: str


@pytest.fixture
async def codec_server(running_engine: RunningEngine, tmp_path: Path) -> AsyncIterator[CodecServer]:
    port = free_port()
    token_file = tmp_path / "codec-token"
    token = ensure_token(token_file)
    log = (tmp_path / "codec-server.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        str(BIN / "switching"),
        *("codec-server", "--port", str(port), "--token-file", str(token_file)),
        env=running_engine.env,
        stdout=log,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await _listening(port, process)
        yield CodecServer(f"http://127.0.0.1:{port}", token)
    finally:
        if process.returncode is None:
            process.terminate()
            await asyncio.wait_for(process.wait(), timeout=30)
        log.close()
    logged = (tmp_path / "codec-server.log").read_text()
    for contact in CONTACT.values():
        assert contact not in logged, "the codec server logged a personal field"


async def _listening(port: int, process: asyncio.subprocess.Process) -> None:
    for _ in range(300):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            assert process.returncode is None, "the codec server exited"
            await asyncio.sleep(0.1)
            continue
        writer.close()
        return
    raise AssertionError("the codec server did not listen")


@pytest.fixture
async def vault(event_store: PostgresEventStore) -> Vault:
    return Vault(PostgresCustomerKeys(event_store.pool), load_ring(TEST_KEY_FILE))


async def _start(
    dev_server: WorkflowEnvironment, engine: RunningEngine, vault: Vault, customer: str
) -> str:
    """A switch whose memo carries the customer's contact, sealed, once recorded."""
    switch_id = f"dp-{uuid.uuid4().hex[:10]}"
    sealed = await vault.seal(customer, CONTACT[customer])
    handle = await request_switch(
        dev_server.client,
        SwitchRequest(switch_id=switch_id, fuel="ELECTRICITY", mpxn=MPAN),
        task_queue=engine.task_queue,
        memo={"customer": {"customer_ref": customer, "contact": sealed.to_json()}},
    )
    for _ in range(200):
        history = await handle.fetch_history()
        kinds = {event.event_type for event in history.events}
        if EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED in kinds:
            return switch_id
        await asyncio.sleep(0.1)
    raise AssertionError(f"{switch_id} recorded nothing")


async def _show(engine: RunningEngine, switch_id: str, *codec: str) -> str:
    address = engine.env["TEMPORAL_ADDRESS"]
    return await temporal(
        *("workflow", "show", "-w", switch_id, "--address", address, "--output", "json"), *codec
    )


def _through(server: CodecServer) -> list[str]:
    return [
        *("--codec-endpoint", f"{server.url}/{{namespace}}"),
        *("--codec-auth", f"Bearer {server.token}"),
    ]


def _holds(document: str, needle: str) -> bool:
    return needle in document or any(needle in text for text in texts(json.loads(document)))


async def test_temporal_holds_ciphertext_that_the_codec_server_decodes(
    dev_server: WorkflowEnvironment,
    running_engine: RunningEngine,
    vault: Vault,
    codec_server: CodecServer,
) -> None:
    switch_id = await _start(dev_server, running_engine, vault, "C-1")

    raw = await _show(running_engine, switch_id)
    assert not _holds(raw, MPAN), "the switch input is in clear in Temporal"
    assert not _holds(raw, CONTACT["C-1"])
    assert _holds(raw, "binary/encrypted")
    assert _holds(raw, '"REQUESTED"'), "search attributes stay readable for the UI's queries"

    decoded = await _show(running_engine, switch_id, *_through(codec_server))
    assert _holds(decoded, MPAN)
    assert _holds(decoded, CONTACT["C-1"]), "the sealed contact is opened for operators"

    # Without the operator token the server decodes nothing.
    started = json.loads(raw)["events"][0]["workflowExecutionStartedEventAttributes"]
    async with httpx.AsyncClient() as http:
        refused = await http.post(f"{codec_server.url}/default/decode", json=started["input"])
    assert refused.status_code == 401
    assert MPAN not in refused.text


async def _dump(url: str) -> str:
    """Every stored event, data and metadata, as text."""
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch("SELECT stream_id, data, metadata FROM events")
    finally:
        await connection.close()
    return "\n".join(f"{r['stream_id']} {r['data']} {r['metadata']}" for r in rows)


async def test_forgetting_a_customer_erases_their_fields_and_nothing_else(
    dev_server: WorkflowEnvironment,
    running_engine: RunningEngine,
    event_store: PostgresEventStore,
    vault: Vault,
    codec_server: CodecServer,
) -> None:
    env = running_engine.env
    switches = {c: await _start(dev_server, running_engine, vault, c) for c in CONTACT}
    for customer, contact in CONTACT.items():
        sealed = await vault.seal(customer, contact)
        record = NewEvent(
            "ContactRecorded", {"customer_ref": customer, "contact": sealed.to_json()}
        )
        await event_store.append(f"contacts-{customer}", [record])
    before = await switching("audit", "show", "contacts-C-1", env=env)
    assert "contact=[sealed for C-1]" in before.stdout, before.stdout + before.stderr

    forgot = await switching("forget", "C-1", env=env)
    assert forgot.code == 0, forgot.stderr
    assert "customer C-1: data key destroyed" in forgot.stdout
    assert "erasure recorded in customer/C-1" in forgot.stdout
    again = await switching("forget", "C-1", env=env)
    assert "already forgotten" in again.stdout
    assert "erasure already recorded" in again.stdout

    verified = await switching("audit", "verify", env=env)
    assert verified.code == 0, verified.stdout + verified.stderr
    assert "all chains intact" in verified.stdout
    shown = await switching("audit", "show", "contacts-C-1", env=env)
    assert shown.code == 0, shown.stderr
    assert "contact=[erased]" in shown.stdout
    other = await switching("audit", "show", "contacts-C-2", env=env)
    assert "contact=[sealed for C-2]" in other.stdout
    erasure = await switching("audit", "show", "customer/C-1", env=env)
    assert "CustomerForgotten" in erasure.stdout
    assert "chain: intact" in erasure.stdout

    # The history of C-1's switch no longer decodes the contact; C-2's still does.
    mine = await _show(running_engine, switches["C-1"], *_through(codec_server))
    assert _holds(mine, MPAN), "nothing but the personal field is lost"
    assert not _holds(mine, CONTACT["C-1"])
    assert '"erased":true' in "".join(texts(json.loads(mine)))
    theirs = await _show(running_engine, switches["C-2"], *_through(codec_server))
    assert _holds(theirs, CONTACT["C-2"])

    status = await switching("status", switches["C-1"], "--json", env=env)
    assert status.code == 0, status.stderr
    assert json.loads(status.stdout)["state"]["status"] == "REQUESTED"
    stored = await _dump(event_store.url)
    for contact in CONTACT.values():
        assert contact not in stored
