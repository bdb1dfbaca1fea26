"""Mutual TLS: each side trusts only the other side's CA, and nothing else gets through."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from pathlib import Path

import pytest

from css import tls
from css.client import CssClient
from css.errors import CssUnavailable
from css.pki import PkiPaths, init_pki, load_signing_key, load_trusted_keys
from simulator.server import RunningSimulator

TLS12 = ssl.TLSVersion.TLSv1_2


def no_certificate_context(
    server_ca: Path, maximum: ssl.TLSVersion | None = None
) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cafile=server_ca)
    if maximum is not None:
        context.maximum_version = maximum
    return context


async def handshake_and_request(port: int, context: ssl.SSLContext) -> bytes:
    """A TLS connection and one HTTP request; returns the first bytes of the answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context)
    try:
        writer.write(b"GET /v1/keys HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        await writer.drain()
        return await reader.read(64)
    finally:
        writer.close()
        with contextlib.suppress(ssl.SSLError, ConnectionError):
            await writer.wait_closed()


async def handshake(port: int, context: ssl.SSLContext) -> None:
    """Open a TLS connection (the handshake completes or raises) and close it."""
    _, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context)
    writer.close()
    await writer.wait_closed()


# The server aborts the connection on a refused client certificate, so the client sees
# the alert (SSLError) or the reset (ConnectionResetError), depending on timing.
HANDSHAKE_REFUSED = (ssl.SSLError, ConnectionResetError)


@pytest.fixture(scope="module")
def rogue(tmp_path_factory: pytest.TempPathFactory) -> PkiPaths:
    """A second, unrelated dev PKI: same names, other CAs."""
    return init_pki(tmp_path_factory.mktemp("rogue") / "pki")


async def test_the_right_client_certificate_is_served(
    pki: PkiPaths, simulator: RunningSimulator
) -> None:
    answer = await handshake_and_request(simulator.port, tls.supplier_client_context(pki))
    assert answer.startswith(b"HTTP/1.1 200")


async def test_a_client_without_a_certificate_fails_the_handshake(
    pki: PkiPaths, simulator: RunningSimulator
) -> None:
    # TLS 1.2 settles client authentication inside the handshake itself.
    good = tls.supplier_client_context(pki)
    good.maximum_version = TLS12
    await handshake(simulator.port, good)
    context = no_certificate_context(pki.industry_ca.cert, TLS12)
    with pytest.raises(HANDSHAKE_REFUSED):
        await handshake(simulator.port, context)


async def test_tls13_without_a_certificate_gets_no_answer(
    pki: PkiPaths, simulator: RunningSimulator
) -> None:
    # TLS 1.3 finishes the client's side of the handshake before the server checks the
    # client certificate; the refusal then arrives instead of any answer.
    try:
        answer = await handshake_and_request(
            simulator.port, no_certificate_context(pki.industry_ca.cert)
        )
    except HANDSHAKE_REFUSED:
        answer = b""
    assert answer == b""


async def test_a_certificate_from_the_wrong_ca_fails_the_handshake(
    pki: PkiPaths, simulator: RunningSimulator
) -> None:
    # The simulator's own push certificate is genuine, but from the industry CA: CSS
    # accepts supplier-CA clients only.
    wrong_side = tls.client_context(pki.simulator_client, pki.industry_ca.cert)
    wrong_side.maximum_version = TLS12
    with pytest.raises(HANDSHAKE_REFUSED):
        await handshake(simulator.port, wrong_side)


async def test_a_certificate_from_another_pki_fails_the_handshake(
    pki: PkiPaths, rogue: PkiPaths, simulator: RunningSimulator
) -> None:
    impostor = tls.client_context(rogue.supplier_client, pki.industry_ca.cert)
    impostor.maximum_version = TLS12
    with pytest.raises(HANDSHAKE_REFUSED):
        await handshake(simulator.port, impostor)


async def test_the_client_refuses_a_server_from_another_ca(
    pki: PkiPaths, rogue: PkiPaths, simulator: RunningSimulator
) -> None:
    # Our client pins the industry CA; a server certified by another CA is not CSS.
    pinned_elsewhere = tls.client_context(pki.supplier_client, rogue.industry_ca.cert)
    with pytest.raises(ssl.SSLCertVerificationError, match="certificate verify failed"):
        await handshake(simulator.port, pinned_elsewhere)


async def test_css_client_without_a_certificate_is_refused(
    pki: PkiPaths, simulator: RunningSimulator
) -> None:
    client = CssClient(
        simulator.base_url,
        tls_context=no_certificate_context(pki.industry_ca.cert),
        signing_key=load_signing_key(pki.supplier_jws_dir, "supplier-1"),
        css_keys=load_trusted_keys(pki.css_jws_dir),
    )
    async with client:
        with pytest.raises(CssUnavailable, match="unreachable"):
            await client.get_registration("REG-1")
    assert simulator.sim.registrations() == []


def test_client_contexts_do_not_trust_the_system_store(pki: PkiPaths) -> None:
    context = tls.supplier_client_context(pki)
    subjects = [dict(item[0] for item in ca["subject"]) for ca in context.get_ca_certs()]
    assert subjects == [
        {"organizationName": "Switching engine dev PKI", "commonName": "Industry CA"}
    ]
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
