"""The codec server's protocol, as the Temporal UI and CLI speak it: protobuf JSON payloads
in and out, the operator token, CORS for the UI's origin, and clear refusals."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from temporalio.api.common.v1 import Payload

from codecserver.app import CodecServerConfig, build_app
from privacy.codec import ENCODING, KEY_ID, EncryptionCodec
from privacy.customer_keys import MemoryCustomerKeys
from privacy.keys import KeyRing, MasterKey
from privacy.vault import Vault

TOKEN = "operator-token-0123456789"
UI = "http://127.0.0.1:8233"
ADDRESS = "Flat 2, 14 Example Road"

RING = KeyRing([MasterKey.generate()])
CODEC = EncryptionCodec(RING)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _wire(payload: Payload) -> dict[str, object]:
    return {
        "metadata": {k: _b64(v) for k, v in payload.metadata.items()},
        "data": _b64(payload.data),
    }


def _json_payload(value: object) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(value).encode())


@pytest.fixture
def vault() -> Vault:
    return Vault(MemoryCustomerKeys(), RING)


@pytest.fixture
async def http(vault: Vault) -> AsyncIterator[httpx.AsyncClient]:
    config = CodecServerConfig(TOKEN, frozenset({"default"}), frozenset({UI}))
    transport = httpx.ASGITransport(app=build_app(CODEC, vault, config))
    async with httpx.AsyncClient(transport=transport, base_url="http://codec") as client:
        yield client


def _bearer(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


async def test_decode_answers_the_payloads_decrypted_with_sealed_fields_opened(
    http: httpx.AsyncClient, vault: Vault
) -> None:
    sealed = await vault.seal("C-1", ADDRESS)
    value = {"mpxn": "1312345678907", "contact": sealed.to_json()}
    encrypted = await CODEC.encode([_json_payload(value), _json_payload("plain")])
    response = await http.post(
        "/default/decode", json={"payloads": [_wire(p) for p in encrypted]}, headers=_bearer()
    )
    assert response.status_code == 200, response.text
    decoded = response.json()["payloads"]
    assert base64.b64decode(decoded[0]["metadata"]["encoding"]) == b"json/plain"
    first = json.loads(base64.b64decode(decoded[0]["data"]))
    assert first == {
        "mpxn": "1312345678907",
        "contact": {"customer_ref": "C-1", "key_id": sealed.key_id, "opened": ADDRESS},
    }
    assert json.loads(base64.b64decode(decoded[1]["data"])) == "plain"

    await vault.forget("C-1")
    response = await http.post(
        "/decode", json={"payloads": [_wire(encrypted[0])]}, headers=_bearer()
    )
    erased = json.loads(base64.b64decode(response.json()["payloads"][0]["data"]))
    assert erased["contact"]["erased"] is True
    assert ADDRESS not in response.text


async def test_encode_answers_payloads_the_engine_decrypts(http: httpx.AsyncClient) -> None:
    plain = _json_payload({"reason": "customer cancelled"})
    response = await http.post(
        "/default/encode", json={"payloads": [_wire(plain)]}, headers=_bearer()
    )
    assert response.status_code == 200, response.text
    (wire,) = response.json()["payloads"]
    encrypted = Payload(
        metadata={k: base64.b64decode(v) for k, v in wire["metadata"].items()},
        data=base64.b64decode(wire["data"]),
    )
    assert encrypted.metadata["encoding"] == ENCODING
    assert encrypted.metadata[KEY_ID].decode() == CODEC.current_key_id
    assert await CODEC.decode([encrypted]) == [plain]


async def test_the_ui_path_carries_the_token_and_its_origin_passes_cors(
    http: httpx.AsyncClient,
) -> None:
    preflight = await http.options(
        f"/ui/{TOKEN}/decode",
        headers={
            "Origin": UI,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-namespace",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == UI
    assert "x-namespace" in preflight.headers["access-control-allow-headers"].lower()
    (encrypted,) = await CODEC.encode([_json_payload("hello")])
    response = await http.post(
        f"/ui/{TOKEN}/decode",
        json={"payloads": [_wire(encrypted)]},
        headers={"Origin": UI, "X-Namespace": "default"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == UI


async def test_another_origin_is_not_allowed(http: httpx.AsyncClient) -> None:
    preflight = await http.options(
        "/decode",
        headers={"Origin": "http://evil.invalid", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers


@pytest.mark.parametrize(
    ("path", "headers", "status", "message"),
    [
        ("/default/decode", {}, 401, "an operator token is required"),
        ("/default/decode", _bearer("wrong-token-0123456789"), 401, "not valid"),
        ("/ui/wrong-token/decode", {}, 401, "not valid"),
        ("/other/decode", _bearer(), 404, "namespace 'other' is not served here"),
    ],
)
async def test_callers_without_the_token_or_for_another_namespace_are_refused(
    http: httpx.AsyncClient, path: str, headers: dict[str, str], status: int, message: str
) -> None:
    response = await http.post(path, json={"payloads": []}, headers=headers)
    assert response.status_code == status
    assert message in response.json()["error"]


async def test_a_malformed_body_or_an_unknown_key_is_refused_with_the_reason(
    http: httpx.AsyncClient,
) -> None:
    response = await http.post("/decode", content=b'{"payloads": 3}', headers=_bearer())
    assert response.status_code == 400
    assert "protobuf JSON" in response.json()["error"]

    stranger = EncryptionCodec(KeyRing([MasterKey.generate()]))
    (foreign,) = await stranger.encode([_json_payload("x")])
    response = await http.post("/decode", json={"payloads": [_wire(foreign)]}, headers=_bearer())
    assert response.status_code == 422
    assert f"key '{stranger.current_key_id}'" in response.json()["error"]
