"""The simulator's HTTP surface as another process sees it: `/v1` signature rules and
the `/control` endpoints that demos and end-to-end tests drive."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from css import jws, tls
from css.client import CssClient
from css.messages import CssStatus
from css.pki import PkiPaths, load_signing_key, load_trusted_keys
from css.wire import encode
from simulator.server import RunningSimulator
from tests.integration.css.support import MPAN, StubReceiver, registration


@pytest.fixture
async def http(pki: PkiPaths, simulator: RunningSimulator) -> AsyncIterator[httpx.AsyncClient]:
    context = tls.supplier_client_context(pki)
    async with httpx.AsyncClient(base_url=simulator.base_url, verify=context) as client:
        yield client


def result(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["result"]


async def test_unsigned_requests_are_refused_with_a_signed_401(
    pki: PkiPaths, http: httpx.AsyncClient, simulator: RunningSimulator
) -> None:
    body = encode(registration().to_wire())
    response = await http.post("/v1/registrations", content=body)
    assert response.status_code == 401
    assert response.json()["reasonCode"] == "MISSING_SIGNATURE"
    css_keys = load_trusted_keys(pki.css_jws_dir)
    assert jws.verify(response.content, response.headers[jws.SIGNATURE_HEADER], css_keys)
    assert simulator.sim.registrations() == []


async def test_requests_signed_by_an_unknown_or_wrong_key_are_refused(
    pki: PkiPaths, http: httpx.AsyncClient, simulator: RunningSimulator
) -> None:
    body = encode(registration().to_wire())
    stranger = jws.SigningKey.from_private_key("other-1", ec.generate_private_key(ec.SECP256R1()))
    response = await http.post(
        "/v1/registrations", content=body, headers={jws.SIGNATURE_HEADER: jws.sign(body, stranger)}
    )
    assert (response.status_code, response.json()["reasonCode"]) == (401, "UNKNOWN_KEY_ID")
    ours = load_signing_key(pki.supplier_jws_dir, "supplier-1")
    tampered = body.replace(b"GAIN", b"EVIL")
    response = await http.post(
        "/v1/registrations", content=tampered, headers={jws.SIGNATURE_HEADER: jws.sign(body, ours)}
    )
    assert (response.status_code, response.json()["reasonCode"]) == (401, "SIGNATURE_MISMATCH")
    assert simulator.sim.registrations() == []


async def test_published_keys_list_both_css_keys(pki: PkiPaths, http: httpx.AsyncClient) -> None:
    response = await http.get("/v1/keys")
    published = jws.TrustedKeys.from_jwks(response.json())
    assert sorted(published) == ["css-2026-1", "css-2026-2"]
    assert jws.verify(response.content, response.headers[jws.SIGNATURE_HEADER], published)


async def test_control_surface_drives_a_registration(
    client: CssClient, http: httpx.AsyncClient, stub: StubReceiver, simulator: RunningSimulator
) -> None:
    point = {"scenario": "manual", "marketSector": "N", "reasonCode": None}
    put = result(await http.put(f"/control/meter-points/{MPAN}", json=point))
    assert put[MPAN]["scenario"] == "manual"
    assert result(await http.get("/control/meter-points"))[MPAN]["marketSector"] == "N"
    req = registration()
    ack = await client.submit_registration(req)
    await client.submit_registration(req)

    listed = result(await http.get("/control/registrations", params={"messageId": req.message_id}))
    assert [r["registrationId"] for r in listed] == [ack.registration_id]
    assert (listed[0]["scenario"], listed[0]["marketSector"]) == ("manual", "N")
    assert result(await http.get("/control/registrations", params={"messageId": "nope"})) == []

    sent = result(
        await http.post(
            f"/control/registrations/{ack.registration_id}/notifications",
            json={"eventType": "VALIDATED"},
        )
    )
    [received] = await stub.wait_for(1)
    assert received.notification.message_id == sent["messageId"]

    clock = result(await http.post("/control/clock", json={"advanceSeconds": 3600}))
    assert clock["now"] == "2026-03-02T10:00:00+00:00"

    assert result(await http.post("/control/rotate-key")) == {"activeKid": "css-2026-2"}
    result(
        await http.post(
            f"/control/registrations/{ack.registration_id}/notifications",
            json={"eventType": "OBJECTION_RAISED"},
        )
    )
    second = (await stub.wait_for(2))[1]
    assert second.kid == "css-2026-2"
    assert (await client.get_registration(ack.registration_id)).status is (
        CssStatus.OBJECTION_RECEIVED
    )
    async with asyncio.timeout(15):
        await simulator.sim.pusher.wait_for_deliveries(2)
    delivered = result(await http.get("/control/deliveries"))
    assert [d["message_id"] for d in delivered] == [
        sent["messageId"],
        second.notification.message_id,
    ]


async def test_control_refuses_a_bad_meter_point_and_a_forbidden_objection(
    client: CssClient, http: httpx.AsyncClient
) -> None:
    bad = await http.put(f"/control/meter-points/{MPAN}", json={"scenario": "sideways"})
    assert bad.status_code == 400
    assert "scenario" in bad.json()["error"]
    result(await http.put(f"/control/meter-points/{MPAN}", json={"scenario": "manual"}))
    ack = await client.submit_registration(registration(change_of_occupancy=True))
    refused = await http.post(
        f"/control/registrations/{ack.registration_id}/notifications",
        json={"eventType": "OBJECTION_RAISED", "reasonCode": "DEBT"},
    )
    assert refused.status_code == 409
    assert refused.json()["reasonCode"] == "OBJECTION_NOT_ALLOWED"


async def test_control_faults_round_trip_and_refuse_nonsense(http: httpx.AsyncClient) -> None:
    settings = result(await http.post("/control/faults", json={"fail_next": 1, "seed": 3}))
    assert (settings["fail_next"], settings["seed"]) == (1, 3)
    refused = await http.post("/control/faults", json={"error_rate": 2})
    assert refused.status_code == 400
    assert "between 0 and 1" in refused.json()["error"]
    unknown = await http.post(
        "/control/registrations/REG-NOPE/notifications", json={"eventType": "CONFIRMED"}
    )
    assert (unknown.status_code, unknown.json()["reasonCode"]) == (404, "UNKNOWN_REGISTRATION")
    bad_type = await http.post(
        "/control/registrations/REG-NOPE/notifications", json={"eventType": "NOPE"}
    )
    assert bad_type.status_code == 400
    assert 'unknown eventType "NOPE"' in bad_type.json()["error"]


async def test_control_raw_notification_reports_the_receiver_s_answer(
    http: httpx.AsyncClient, stub: StubReceiver
) -> None:
    body = json.dumps({"eventType": "CONFIRMED", "messageId": "m"})
    answer = result(await http.post("/control/raw-notification", json={"body": body}))
    assert answer["statusCode"] == 400
    assert "missing field 'registrationId'" in answer["body"]
    unsigned = result(
        await http.post("/control/raw-notification", json={"body": body, "sign": False})
    )
    assert unsigned["statusCode"] == 401
    assert stub.received == []
