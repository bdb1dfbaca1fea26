"""Helpers for the CSS gateway's integration tests.

`StubReceiver` is a minimal notification receiver: served over mutual TLS with the
receiver certificate, it verifies JWS with css/jws against CSS's published keys and parses
bodies with css/messages. The engine's real receiver lives in receiver/.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from css import jws
from css.errors import BadSignature, InvalidMessage
from css.messages import NotificationMessage, RegistrationRequest, parse_notification
from css.pki import PkiPaths
from domain.identifiers import Fuel, MarketSector
from simulator import LifecycleSettings, SimulatorConfig
from simulator.meter_points import MeterPoint
from simulator.scenarios import Scenario
from simulator.service import Simulator

# Monday 2 March 2026, 09:00 in London (GMT): a plain working week ahead.
MONDAY_9AM = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
VALIDATION_DELAY = timedelta(minutes=1)
MPAN = "1312345678907"


def registration(**changes: object) -> RegistrationRequest:
    """A valid domestic electricity request with a fresh message id."""
    base = RegistrationRequest(
        message_id=f"MSG-{uuid.uuid4().hex}",
        sent_at=MONDAY_9AM,
        gaining_supplier_id="GAIN",
        mpxn=MPAN,
        fuel=Fuel.ELECTRICITY,
        market_sector=MarketSector.DOMESTIC,
        requested_supply_start_date=None,
        change_of_occupancy=False,
        erroneous_transfer=False,
        shipper_id=None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def hold(sim: Simulator, scenario: Scenario, mpxn: str = MPAN, **point: object) -> None:
    """Make the simulated market hold `mpxn` as playing `scenario` (and any other fields)."""
    sim.meter_points.put(mpxn, MeterPoint(scenario=scenario, **point))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Received:
    notification: NotificationMessage
    kid: str
    body: bytes


class StubReceiver:
    def __init__(self, trusted: jws.TrustedKeys) -> None:
        self.trusted = trusted
        self.received: list[Received] = []
        self.refused: list[tuple[int, str]] = []
        self.fail_next = 0
        self.attempts = 0
        self._changed = asyncio.Condition()

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        self.attempts += 1
        if self.fail_next > 0:
            self.fail_next -= 1
            return JSONResponse({"reasonCode": "TRY_LATER"}, 503)
        try:
            verified = jws.verify(body, request.headers.get(jws.SIGNATURE_HEADER), self.trusted)
            notification = parse_notification(body)
        except (BadSignature, InvalidMessage) as exc:
            status = 401 if isinstance(exc, BadSignature) else 400
            self.refused.append((status, str(exc)))
            return JSONResponse({"reasonCode": exc.reason, "detail": str(exc)}, status)
        async with self._changed:
            self.received.append(Received(notification, verified.kid, body))
            self._changed.notify_all()
        return JSONResponse({"messageId": notification.message_id}, 202)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/notifications", self.handle, methods=["POST"])])

    async def wait_for(self, count: int, limit: float = 15.0) -> list[Received]:
        """Until `count` notifications arrived; fails the test rather than hang."""
        async with asyncio.timeout(limit), self._changed:
            await self._changed.wait_for(lambda: len(self.received) >= count)
        return list(self.received)

    def types(self, registration_id: str | None = None) -> list[str]:
        return [
            r.notification.event_type.value
            for r in self.received
            if registration_id is None or r.notification.registration_id == registration_id
        ]


def sim_config(pki: PkiPaths, receiver_url: str | None, **changes: object) -> SimulatorConfig:
    """The simulator on a free port, its clock frozen at MONDAY_9AM (tests advance it)."""
    base = SimulatorConfig(
        pki_dir=pki.root,
        port=0,
        receiver_url=receiver_url,
        clock_start=MONDAY_9AM,
        clock_speed=0.0,
        lifecycle=LifecycleSettings(validation_delay=VALIDATION_DELAY),
    )
    return replace(base, **changes)  # type: ignore[arg-type]
