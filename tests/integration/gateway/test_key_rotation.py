"""Both signers rotate while switches run, and nothing is refused: our key (`pki rotate`)
with an overlap, CSS's to a key published the moment it signs with it. Neither the worker's
CSS client, the simulator nor the receiver restarts."""

from __future__ import annotations

from datetime import timedelta

from css.keyring import rotate_signing_key
from domain.lifecycle import Status
from receiver.records import REJECTED_STREAM, inbound_stream
from tests.integration.gateway.conftest import Gateway


async def test_rotating_both_signing_keys_mid_flight_refuses_no_message(gateway: Gateway) -> None:
    sim = gateway.simulator.sim
    first = await gateway.start(3)
    await gateway.submit(first)
    sim.advance(timedelta(minutes=5))  # CSS validates the first batch, signing with its key
    await gateway.wait(first, lambda s: s.status is Status.PENDING)
    assert sim.signed_by.keys() == {"supplier-1"}

    done = rotate_signing_key(gateway.pki.supplier_jws_dir, overlap=timedelta(hours=1))
    assert done.new_kid == "supplier-2"
    # CSS moves past its pre-published second key to a third it creates and signs with at once.
    assert sim.rotate_key() == "css-2026-2"
    assert sim.rotate_key() == "css-2026-3"
    gateway.css.reloader.refresh()  # what the worker does on SIGHUP (or within seconds)
    assert gateway.css.signing_kid == "supplier-2"

    second = await gateway.start(3)
    await gateway.submit(second)
    statuses = await gateway.finish(first + second)

    assert statuses == [Status.ACTIVE] * 6
    assert sim.signed_by["supplier-2"] >= 3
    assert {d.status_code for d in sim.pusher.deliveries} == {202}
    assert await gateway.store.read_stream(REJECTED_STREAM) == []
    kids = set()
    for state in await gateway.wait(first + second, lambda s: s.terminal):
        assert state.registration_id is not None
        stored = await gateway.store.read_stream(inbound_stream(state.registration_id))
        kids |= {event.data["kid"] for event in stored}
    assert kids == {"css-2026-1", "css-2026-3"}
