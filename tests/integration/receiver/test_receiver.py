"""The real receiver over loopback HTTPS with mutual TLS, on a real PostgreSQL.

Hand-made requests use httpx with the industry (CSS) client certificate; the CSS simulator
pushes the lifecycle; the only stand-in is the recording sink behind our own interface.
"""

from __future__ import annotations

import asyncio
import base64
import json
import ssl
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from css import jws, tls
from css.client import CssClient
from css.pki import CSS_KIDS, PkiPaths, load_signing_key
from domain.events import RegistrationSubmitted, event_to_record
from domain.lifecycle import NotificationKind
from eventstore.model import NewEvent
from eventstore.postgres import PostgresEventStore
from readmodels.registrations import RegistrationDirectory
from receiver.delivery import RetryPolicy
from receiver.ledger import DeliveryStatus
from receiver.postgres import PostgresDeliveryLedger
from receiver.records import REJECTED_STREAM, inbound_stream, stored_body
from receiver.server import Receiver, ReceiverParts, ReceiverSettings
from receiver.sink import RecordingSink, SignalFailed
from simulator import running_simulator
from simulator.scenarios import Scenario
from tests.integration.css.support import hold, registration, sim_config

FAST = RetryPolicy(
    initial=timedelta(milliseconds=50),
    maximum=timedelta(milliseconds=200),
    poll_interval=timedelta(milliseconds=50),
)
PATH = "/v1/notifications"


def start_receiver(
    pki: PkiPaths, store: PostgresEventStore, sink: RecordingSink, **settings: Any
) -> Receiver:
    return Receiver(
        ReceiverSettings("127.0.0.1", 0, pki.root, retry=FAST, **settings),
        ReceiverParts(
            store=store,
            ledger=PostgresDeliveryLedger(store.pool),
            directory=RegistrationDirectory(store, store.pool),
            sink=sink,
        ),
    )


class Rig:
    def __init__(self, pki: PkiPaths, store: PostgresEventStore, receiver: Receiver) -> None:
        self.pki = pki
        self.store = store
        self.receiver = receiver
        self.ledger = PostgresDeliveryLedger(store.pool)
        self.key = load_signing_key(pki.css_jws_dir, CSS_KIDS[0])

    def http(self, context: ssl.SSLContext | None = None) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.receiver.base_url,
            verify=context or tls.simulator_client_context(self.pki),
            trust_env=False,
        )

    async def post(
        self, body: bytes, signature: str | None, content_type: str = "application/json"
    ) -> httpx.Response:
        headers = {"Content-Type": content_type}
        if signature is not None:
            headers[jws.SIGNATURE_HEADER] = signature
        async with self.http() as client:
            return await client.post(PATH, content=body, headers=headers)

    async def post_signed(self, payload: dict[str, Any]) -> httpx.Response:
        body = json.dumps(payload).encode()
        return await self.post(body, jws.sign(body, self.key))

    async def rejections(self) -> list[dict[str, Any]]:
        return [dict(event.data) for event in await self.store.read_stream(REJECTED_STREAM)]

    async def submitted(self, registration_id: str) -> str:
        """Record, as the workflow does, that CSS acknowledged a switch's registration."""
        switch_id = f"sw-{uuid.uuid4().hex[:12]}"
        fact = RegistrationSubmitted(
            registration_id, f"{switch_id}:registration", datetime.now(UTC)
        )
        type_name, data = event_to_record(fact)
        await self.store.append(switch_id, [NewEvent(type_name, data, f"{switch_id}/2")])
        return switch_id


@pytest.fixture
async def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
async def rig(
    pki: PkiPaths, event_store: PostgresEventStore, sink: RecordingSink
) -> AsyncIterator[Rig]:
    async with start_receiver(pki, event_store, sink) as receiver:
        yield Rig(pki, event_store, receiver)


def notification(
    registration_id: str, message_id: str | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "messageId": message_id or f"N-{uuid.uuid4().hex}",
        "eventType": "CONFIRMED",
        "registrationId": registration_id,
        "mpxn": "1312345678907",
        "occurredAt": "2026-03-03T09:00:00+00:00",
        **extra,
    }


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    for _ in range(400):
        if await check():
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"still not true after waiting: {what}")


async def test_simulator_lifecycle_arrives_signed_recorded_and_signalled(
    pki: PkiPaths, rig: Rig, sink: RecordingSink
) -> None:
    async with running_simulator(sim_config(pki, rig.receiver.base_url)) as sim:
        async with CssClient.from_pki(sim.base_url, pki.root) as client:
            ack = await client.submit_registration(registration())
        switch_id = await rig.submitted(ack.registration_id)
        sim.sim.advance(timedelta(days=10))
        async with asyncio.timeout(20):
            await sim.sim.pusher.wait_for_deliveries(4)
            delivered = await sink.wait_for(4)
    kinds = [item.signal.kind for item in delivered]
    assert kinds == [
        NotificationKind.VALIDATED,
        NotificationKind.CONFIRMED,
        NotificationKind.SECURED,
        NotificationKind.ACTIVE,
    ]
    assert {item.switch_id for item in delivered} == {switch_id}
    assert {d.status_code for d in sim.sim.pusher.deliveries} == {202}
    stored = await rig.store.read_stream(inbound_stream(ack.registration_id))
    assert [event.data["event_type"] for event in stored] == [k.value for k in kinds]
    for event in stored:
        body = stored_body(event)
        assert (
            jws.verify(body, event.data["signature"], sim.sim.keys.published()).kid == CSS_KIDS[0]
        )
        assert "CN=css-simulator-push" in event.data["client_subject"]
    rows = await rig.ledger.list()
    assert {(row.status, row.switch_id) for row in rows} == {(DeliveryStatus.DELIVERED, switch_id)}


async def test_rotated_keys_both_verify_while_both_are_trusted(
    pki: PkiPaths, rig: Rig, sink: RecordingSink
) -> None:
    async with running_simulator(sim_config(pki, rig.receiver.base_url)) as sim:
        hold(sim.sim, Scenario.MANUAL)
        async with CssClient.from_pki(sim.base_url, pki.root) as client:
            ack = await client.submit_registration(registration())
        await rig.submitted(ack.registration_id)
        sim.sim.notify(ack.registration_id, NotificationKind.OBJECTION_RAISED)
        async with asyncio.timeout(20):
            await sim.sim.pusher.wait_for_deliveries(1)
            assert sim.sim.rotate_key() == CSS_KIDS[1]
            sim.sim.notify(ack.registration_id, NotificationKind.OBJECTION_LIFTED)
            await sim.sim.pusher.wait_for_deliveries(2)
            await sink.wait_for(2)
    stored = await rig.store.read_stream(inbound_stream(ack.registration_id))
    assert [(e.data["event_type"], e.data["kid"]) for e in stored] == [
        ("OBJECTION_RAISED", CSS_KIDS[0]),
        ("OBJECTION_LIFTED", CSS_KIDS[1]),
    ]
    assert await rig.rejections() == []


def _alg_none(signature_part: bytes) -> str:
    header = jws.b64url_encode(json.dumps({"alg": "none", "kid": CSS_KIDS[0]}).encode())
    return f"{header}..{jws.b64url_encode(signature_part)}"


async def test_bad_signatures_get_401_with_a_reason_and_are_recorded(rig: Rig) -> None:
    stranger = jws.SigningKey.from_pem("css-unknown", rig.key._jwk.export_to_pem(True, None))
    body = json.dumps(notification("REG-BAD")).encode()
    tampered = body.replace(b"CONFIRMED", b"OBJECTED")
    cases = [
        ("unsigned", "MISSING_SIGNATURE", body, None),
        ("tampered", "SIGNATURE_MISMATCH", tampered, jws.sign(body, rig.key)),
        ("unknown kid", "UNKNOWN_KEY_ID", body, jws.sign(body, stranger)),
        # An unsecured JWS (RFC 7515 section 6) has an empty signature part...
        ("alg none, unsecured", "MALFORMED_SIGNATURE", body + b" ", _alg_none(b"")),
        # ...and one that carries some signature bytes anyway is refused by its alg.
        ("alg none, with bytes", "ALGORITHM_NOT_ALLOWED", body, _alg_none(b"sig")),
    ]
    for label, reason, sent, signature in cases:
        response = await rig.post(sent, signature)
        assert (response.status_code, response.json()["reason"]) == (401, reason), label
    recorded = [(r["status"], r["reason"], r["body_base64"]) for r in await rig.rejections()]
    assert recorded == [
        (401, reason, base64.b64encode(sent).decode()) for _, reason, sent, _ in cases
    ]
    assert await rig.store.read_stream(inbound_stream("REG-BAD")) == []
    assert await rig.ledger.list() == []


async def test_transport_and_content_refusals_are_answered_and_recorded(rig: Rig) -> None:
    big = json.dumps(notification("REG-1", padding="x" * 70_000)).encode()
    garbage = b"{not json"
    unknown = json.dumps(notification("REG-1", eventType="TELEPORTED")).encode()
    plain = json.dumps(notification("REG-1")).encode()
    answers = [
        await rig.post(big, jws.sign(big, rig.key)),
        await rig.post(plain, jws.sign(plain, rig.key), content_type="text/plain"),
        await rig.post(garbage, jws.sign(garbage, rig.key)),
        await rig.post(unknown, jws.sign(unknown, rig.key)),
    ]
    assert [(a.status_code, a.json()["reason"]) for a in answers] == [
        (413, "BODY_TOO_LARGE"),
        (415, "UNSUPPORTED_MEDIA_TYPE"),
        (400, "MALFORMED_JSON"),
        (422, "INVALID_MESSAGE"),
    ]
    assert answers[3].json()["field"] == "eventType"
    assert 'unknown eventType "TELEPORTED"' in answers[3].json()["detail"]
    recorded = [(r["status"], r["reason"]) for r in await rig.rejections()]
    assert recorded == [(a.status_code, a.json()["reason"]) for a in answers]
    assert await rig.ledger.list() == []


async def test_duplicate_message_id_changes_nothing(rig: Rig, sink: RecordingSink) -> None:
    await rig.submitted("REG-DUP")
    payload = notification("REG-DUP")
    first = await rig.post_signed(payload)
    async with asyncio.timeout(10):
        await sink.wait_for(1)

    async def recorded_as_delivered() -> bool:
        row = await rig.ledger.get(payload["messageId"])
        return row is not None and row.status is DeliveryStatus.DELIVERED

    # The signal lands before the loop writes its outcome; compare from the written row on.
    await eventually(recorded_as_delivered, "the delivery recorded")
    events_before = await rig.store.read_all()
    rows_before = await rig.ledger.list()
    second = await rig.post_signed(payload)
    assert (first.status_code, first.json()["status"]) == (202, "ACCEPTED")
    assert (second.status_code, second.json()["status"]) == (202, "DUPLICATE")
    assert await rig.store.read_all() == events_before
    assert await rig.ledger.list() == rows_before
    assert await rig.rejections() == []
    await rig.receiver.delivery.deliver_due()
    assert sink.message_ids() == [payload["messageId"]]


async def test_unknown_registration_is_kept_flagged_then_delivered_when_known(
    rig: Rig, sink: RecordingSink
) -> None:
    payload = notification("REG-LATE")
    assert (await rig.post_signed(payload)).status_code == 202

    async def flagged() -> bool:
        row = await rig.ledger.get(payload["messageId"])
        return row is not None and row.status is DeliveryStatus.UNROUTED

    await eventually(flagged, "the notification is flagged unrouted")
    assert sink.delivered == []
    switch_id = await rig.submitted("REG-LATE")
    async with asyncio.timeout(10):
        [delivered] = await sink.wait_for(1)
    assert (delivered.switch_id, delivered.signal.message_id) == (switch_id, payload["messageId"])


async def test_a_restarted_receiver_delivers_what_was_accepted_but_not_signalled(
    pki: PkiPaths, event_store: PostgresEventStore
) -> None:
    failing = RecordingSink(failure=SignalFailed("temporal is down"))
    payload = notification("REG-RESTART")
    async with start_receiver(pki, event_store, failing) as first:
        rig = Rig(pki, event_store, first)
        await rig.submitted("REG-RESTART")
        assert (await rig.post_signed(payload)).status_code == 202

        async def tried() -> bool:
            row = await rig.ledger.get(payload["messageId"])
            return row is not None and row.attempts >= 1

        await eventually(tried, "a delivery attempt was made")
    row = await rig.ledger.get(payload["messageId"])
    assert row is not None
    assert (row.status, row.last_error) == (
        DeliveryStatus.PENDING,
        "SignalFailed: temporal is down",
    )
    assert failing.delivered == []
    working = RecordingSink()
    async with start_receiver(pki, event_store, working):
        async with asyncio.timeout(10):
            await working.wait_for(1)
    assert working.message_ids() == [payload["messageId"]]
    row = await rig.ledger.get(payload["messageId"])
    assert row is not None
    assert row.status is DeliveryStatus.DELIVERED


@pytest.mark.parametrize("identity", ["supplier_client", None])
async def test_clients_without_an_industry_certificate_are_refused(
    rig: Rig, identity: str | None
) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cafile=rig.pki.supplier_ca.cert)
    if identity is not None:
        pair = getattr(rig.pki, identity)
        context.load_cert_chain(pair.cert, pair.key)
    body = json.dumps(notification("REG-TLS")).encode()
    async with rig.http(context) as client:
        with pytest.raises(httpx.TransportError):
            await client.post(PATH, content=body, headers={"Content-Type": "application/json"})
    assert await rig.store.read_all() == []


async def test_directory_routes_through_the_registration_projection(rig: Rig) -> None:
    switch_id = await rig.submitted("REG-IDX")
    directory = RegistrationDirectory(rig.store, rig.store.pool)
    assert await directory.switch_for("REG-IDX") == switch_id
    assert await directory.switch_for("REG-NONE") is None
    routed = await rig.store.pool.fetchval(
        "SELECT switch_id FROM registration_routes WHERE registration_id = $1", "REG-IDX"
    )
    assert routed == switch_id
    connection: asyncpg.Connection = await asyncpg.connect(rig.store.url)
    try:
        await connection.execute("SET enable_seqscan = off")
        plan = await connection.fetchval(
            "EXPLAIN (FORMAT JSON) SELECT switch_id FROM registration_routes"
            " WHERE registration_id = $1",
            "REG-IDX",
        )
    finally:
        await connection.close()
    assert "pk_registration_routes" in plan
