"""Client <-> simulator over real loopback HTTPS with mutual TLS and JWS both ways."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from css.client import CssClient
from css.errors import CssConflict, CssRejected, CssUnavailable, UnknownKeyId
from css.messages import CssStatus, Validated
from css.pki import PkiPaths, init_pki
from domain.identifiers import Fuel
from domain.lifecycle import NotificationKind
from simulator import running_simulator
from simulator.server import RunningSimulator
from tests.integration.css.support import VALIDATION_DELAY, StubReceiver, registration, sim_config


async def test_registration_round_trip(
    client: CssClient, simulator: RunningSimulator, stub: StubReceiver
) -> None:
    req = registration()
    ack = await client.submit_registration(req)
    assert ack.message_id == req.message_id
    status = await client.get_registration(ack.registration_id)
    assert status.status is CssStatus.RECEIVED
    assert status.last_event_type is None

    simulator.sim.advance(VALIDATION_DELAY)
    [validated] = await stub.wait_for(1)
    assert isinstance(validated.notification, Validated)
    assert validated.notification.registration_id == ack.registration_id
    assert validated.kid == "css-2026-1"

    status = await client.get_registration(ack.registration_id)
    assert status.status is CssStatus.PENDING
    assert status.last_event_type is NotificationKind.VALIDATED
    assert status.last_message_id == validated.notification.message_id
    assert status.supply_start_date == date(2026, 3, 4)
    assert status.objection_window_end == datetime(2026, 3, 3, 9, 1, tzinfo=UTC)


async def test_submission_is_idempotent_on_message_id(
    client: CssClient, simulator: RunningSimulator
) -> None:
    req = registration()
    first = await client.submit_registration(req)
    again = await client.submit_registration(
        replace(req, sent_at=req.sent_at + timedelta(seconds=5))
    )
    assert again == first
    assert len(simulator.sim.registrations(req.message_id)) == 1
    assert len(simulator.sim.registrations()) == 1


async def test_a_reused_message_id_with_another_body_is_refused(client: CssClient) -> None:
    req = registration()
    await client.submit_registration(req)
    with pytest.raises(CssRejected) as refused:
        await client.submit_registration(replace(req, mpxn="2000000000019"))
    assert refused.value.status_code == 422
    assert refused.value.reason_code == "MESSAGE_ID_REUSED"
    assert not refused.value.retryable


async def test_withdrawal_before_secured_then_refused_after(
    client: CssClient, simulator: RunningSimulator, stub: StubReceiver
) -> None:
    early = await client.submit_registration(registration())
    late = await client.submit_registration(registration())
    await client.withdraw_registration(early.registration_id, "W-1", "customer cancelled")
    # A retried withdrawal (same message id) is answered the same way.
    await client.withdraw_registration(early.registration_id, "W-1", "customer cancelled")
    assert (await client.get_registration(early.registration_id)).status is CssStatus.WITHDRAWN

    # Tuesday 17:00 London is the gate closure for a Wednesday start.
    simulator.sim.advance(datetime(2026, 3, 3, 17, 0, 1, tzinfo=UTC) - simulator.sim.clock.now())
    assert (await client.get_registration(late.registration_id)).status is CssStatus.SECURED
    with pytest.raises(CssConflict) as refused:
        await client.withdraw_registration(late.registration_id, "W-2", "too late")
    assert refused.value.status_code == 409
    assert refused.value.reason_code == "ALREADY_SECURED"
    assert "2026-03-03T17:00:00+00:00" in refused.value.detail
    assert not refused.value.retryable

    with pytest.raises(CssConflict, match="REGISTRATION_CLOSED"):
        await client.withdraw_registration(early.registration_id, "W-3", "again")

    await stub.wait_for(4)
    assert stub.types(early.registration_id) == ["WITHDRAWN"]
    assert stub.types(late.registration_id) == ["VALIDATED", "CONFIRMED", "SECURED"]


async def test_unknown_registration_is_a_404_rejection(client: CssClient) -> None:
    with pytest.raises(CssRejected) as refused:
        await client.get_registration("REG-NOPE")
    assert (refused.value.status_code, refused.value.reason_code) == (404, "UNKNOWN_REGISTRATION")


async def test_a_malformed_request_is_a_400_naming_the_field(
    client: CssClient,
) -> None:
    with pytest.raises(CssRejected) as refused:
        await client.submit_registration(registration(fuel=Fuel.GAS, shipper_id=None))
    assert refused.value.status_code == 400
    assert refused.value.reason_code == "INVALID_REQUEST"
    assert "shipperId" in refused.value.detail


async def test_injected_5xx_is_retryable_and_the_retry_succeeds(
    client: CssClient, simulator: RunningSimulator
) -> None:
    simulator.sim.faults.configure(simulator.sim.faults.settings.updated({"fail_next": 1}))
    req = registration()
    with pytest.raises(CssUnavailable) as unavailable:
        await client.submit_registration(req)
    assert unavailable.value.retryable
    assert unavailable.value.status_code == 503
    assert simulator.sim.registrations(req.message_id) == []
    ack = await client.submit_registration(req)
    assert [r.registration_id for r in simulator.sim.registrations(req.message_id)] == [
        ack.registration_id
    ]


async def test_accepted_then_timed_out_leaves_exactly_one_registration(
    pki: PkiPaths, simulator: RunningSimulator
) -> None:
    simulator.sim.faults.configure(simulator.sim.faults.settings.updated({"stall_next": 1}))
    req = registration()
    impatient = httpx.Timeout(0.5, connect=5.0)
    async with CssClient.from_pki(simulator.base_url, pki.root, timeout=impatient) as css:
        with pytest.raises(CssUnavailable, match="in time") as timed_out:
            await css.submit_registration(req)
        assert timed_out.value.retryable
        assert len(simulator.sim.registrations(req.message_id)) == 1
        ack = await css.submit_registration(req)
    [only] = simulator.sim.registrations(req.message_id)
    assert only.registration_id == ack.registration_id
    assert len(simulator.sim.registrations()) == 1


async def test_nothing_listening_is_retryable(pki: PkiPaths) -> None:
    async with CssClient.from_pki("https://127.0.0.1:9", pki.root) as css:
        with pytest.raises(CssUnavailable, match="unreachable") as unreachable:
            await css.get_registration("REG-1")
    assert unreachable.value.retryable


async def test_a_response_signed_by_an_untrusted_key_is_refused(tmp_path: Path) -> None:
    # A PKI of its own: rotating past the provisioned keys creates a new one on disk.
    own = init_pki(tmp_path / "pki")
    async with (
        running_simulator(sim_config(own, None)) as running,
        CssClient.from_pki(running.base_url, own.root) as css,
    ):
        assert running.sim.rotate_key() == "css-2026-2"
        assert running.sim.rotate_key() == "css-2026-3"
        # CSS signs with a key whose public half never reached our folder.
        PkiPaths.jws_public(own.css_jws_dir, "css-2026-3").unlink()
        with pytest.raises(UnknownKeyId, match="css-2026-3") as refused:
            await css.get_registration("REG-1")
    assert not refused.value.retryable
    assert PkiPaths.kids(own.css_jws_dir) == ["css-2026-1", "css-2026-2"]


async def test_a_key_css_publishes_to_our_folder_is_trusted_without_a_restart(
    tmp_path: Path,
) -> None:
    own = init_pki(tmp_path / "pki")
    async with (
        running_simulator(sim_config(own, None)) as running,
        CssClient.from_pki(running.base_url, own.root) as css,
    ):
        running.sim.rotate_key()
        assert running.sim.rotate_key() == "css-2026-3"
        # Verified, then refused on its merits: the registration is unknown.
        with pytest.raises(CssRejected, match="UNKNOWN_REGISTRATION"):
            await css.get_registration("REG-1")
