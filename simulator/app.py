"""The simulator's HTTP surface: the CSS interface under `/v1` and controls under `/control`.

`/v1` behaves as CSS: every request must carry a valid detached JWS from a supplier key
(401 with the reason otherwise), every answer is signed with the active CSS key, and
fault injection applies. `/control` is for tests and demos (mutual TLS still applies,
JWS does not): list registrations, set what the simulated market holds for a meter point,
send a notification now, advance the clock, set faults, rotate the signing key, release
held notifications, push a raw body.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from css import jws
from css.errors import BadSignature, InvalidMessage
from css.messages import RegistrationAck, parse_registration_request, parse_withdrawal_request
from css.wire import Fields, encode, wire_datetime
from domain.lifecycle import NotificationKind
from simulator.lifecycle import Registration
from simulator.loss_app import LossApp
from simulator.losses import LossDesk
from simulator.meter_points import MeterPoint
from simulator.service import Refusal, Simulator

Handler = Callable[[Request], Awaitable[Response]]


def registration_view(registration: Registration) -> dict[str, Any]:
    facts = registration.facts
    return {
        "registrationId": registration.registration_id,
        "messageId": registration.request.message_id,
        "mpxn": registration.request.mpxn,
        "scenario": registration.meter_point.scenario.value,
        "marketSector": registration.meter_point.market_sector.value,
        "status": registration.status.value,
        "receivedAt": wire_datetime(registration.received_at),
        "supplyStartDate": facts.supply_start_date.isoformat(),
        "objectionWindowEnd": wire_datetime(facts.objection_window_end),
        "gateClosure": wire_datetime(facts.gate_closure),
        "notifications": [n.event_type.value for n in registration.history],
        "held": len(registration.held),
    }


class CssApp:
    def __init__(
        self, sim: Simulator, supplier_keys: Mapping[str, jws.VerificationKey], losses: LossDesk
    ) -> None:
        self.sim = sim
        self.supplier_keys = supplier_keys
        self.losses = losses

    def signed(self, status_code: int, payload: dict[str, Any]) -> Response:
        body = encode(payload)
        headers = {jws.SIGNATURE_HEADER: self.sim.keys.sign(body)}
        return Response(body, status_code, headers, media_type="application/json")

    def refused(self, status_code: int, reason_code: str, detail: str) -> Response:
        return self.signed(status_code, {"reasonCode": reason_code, "detail": detail})

    def css(self, handler: Callable[[Request, bytes], Awaitable[Response]]) -> Handler:
        """Faults, signature check and error mapping common to every `/v1` endpoint."""

        async def endpoint(request: Request) -> Response:
            if self.sim.faults.fail_request():
                return self.refused(503, "SERVICE_UNAVAILABLE", "injected fault")
            body = await request.body()
            try:
                verified = jws.verify(
                    body, request.headers.get(jws.SIGNATURE_HEADER), self.supplier_keys
                )
                self.sim.signed_by[verified.kid] += 1
                return await handler(request, body)
            except BadSignature as exc:
                return self.refused(401, exc.reason, str(exc))
            except InvalidMessage as exc:
                return self.refused(400, "INVALID_REQUEST", str(exc))
            except Refusal as exc:
                return self.refused(exc.status_code, exc.reason_code, exc.detail)

        return endpoint

    async def submit(self, request: Request, body: bytes) -> Response:
        registration, created = self.sim.submit(parse_registration_request(body))
        if created and self.sim.faults.stall_registration():
            # Accepted and recorded, but answered after the caller has given up.
            with contextlib.suppress(TimeoutError):
                stall = self.sim.faults.settings.stall_seconds
                await asyncio.wait_for(self.sim.stop.wait(), timeout=stall)
        ack = RegistrationAck(
            registration.registration_id,
            registration.request.message_id,
            registration.received_at,
        )
        return self.signed(202, ack.to_wire())

    async def withdraw(self, request: Request, body: bytes) -> Response:
        withdrawal = parse_withdrawal_request(body)
        registration = self.sim.withdraw(request.path_params["rid"], withdrawal)
        payload = {"registrationId": registration.registration_id, "status": "WITHDRAWN"}
        return self.signed(202, payload)

    async def status(self, request: Request, body: bytes) -> Response:
        return self.signed(200, self.sim.status(request.path_params["rid"]).to_wire())

    async def keys(self, request: Request) -> Response:
        return self.signed(200, self.sim.keys.published().to_jwks())

    def routes(self) -> list[Route]:
        return [
            Route("/v1/registrations", self.css(self.submit), methods=["POST"]),
            Route("/v1/registrations/{rid}/withdrawal", self.css(self.withdraw), methods=["POST"]),
            Route("/v1/registrations/{rid}", self.css(self.status), methods=["GET"]),
            Route("/v1/keys", self.keys, methods=["GET"]),
            *ControlApp(self.sim).routes(),
            *LossApp(self.losses, self, ControlApp(self.sim).guarded, _json).routes(),
        ]


def _json(payload: object, status_code: int = 200) -> Response:
    return Response(encode({"result": payload}), status_code, media_type="application/json")


class ControlApp:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    def guarded(self, handler: Callable[[Request, Fields], Awaitable[Response]]) -> Handler:
        async def endpoint(request: Request) -> Response:
            try:
                body = await request.body()
                fields = Fields.from_body(body or b"{}", "control request")
                return await handler(request, fields)
            except (InvalidMessage, ValueError) as exc:
                return Response(encode({"error": str(exc)}), 400, media_type="application/json")
            except Refusal as exc:
                error = {"error": exc.detail, "reasonCode": exc.reason_code}
                return Response(encode(error), exc.status_code, media_type="application/json")

        return endpoint

    async def list_registrations(self, request: Request, fields: Fields) -> Response:
        found = self.sim.registrations(request.query_params.get("messageId"))
        return _json([registration_view(r) for r in found])

    async def notify(self, request: Request, fields: Fields) -> Response:
        event_type = fields.choice("eventType", NotificationKind)
        reason = fields.optional_text("reasonCode")
        sent = self.sim.notify(request.path_params["rid"], event_type, reason)
        return _json(sent.to_wire())

    async def meter_points(self, request: Request, fields: Fields) -> Response:
        return _json({mpxn: point.to_wire() for mpxn, point in self.sim.meter_points})

    async def put_meter_point(self, request: Request, fields: Fields) -> Response:
        mpxn = request.path_params["mpxn"]
        point = MeterPoint.from_fields(Fields(fields.raw, f"meter point {mpxn}"))
        self.sim.meter_points.put(mpxn, point)
        return _json({mpxn: point.to_wire()})

    async def release(self, request: Request, fields: Fields) -> Response:
        return _json({"released": self.sim.release(request.path_params["rid"])})

    async def clock(self, request: Request, fields: Fields) -> Response:
        if "advanceSeconds" in fields.raw:
            seconds = fields.raw["advanceSeconds"]
            if not isinstance(seconds, int | float) or isinstance(seconds, bool):
                raise InvalidMessage("control request: 'advanceSeconds' must be a number")
            self.sim.advance(timedelta(seconds=seconds))
        if "speed" in fields.raw:
            self.sim.set_speed(float(fields.raw["speed"]))
        now = self.sim.clock.now()
        return _json({"now": wire_datetime(now), "speed": self.sim.clock.speed})

    async def faults(self, request: Request, fields: Fields) -> Response:
        if request.method == "POST":
            self.sim.faults.configure(self.sim.faults.settings.updated(fields.raw))
        return _json(self.sim.faults.settings.to_wire())

    async def rotate_key(self, request: Request, fields: Fields) -> Response:
        return _json({"activeKid": self.sim.rotate_key()})

    async def raw_notification(self, request: Request, fields: Fields) -> Response:
        body = fields.text("body").encode("utf-8")
        sign = fields.raw.get("sign", True) is not False
        result = await self.sim.pusher.push_raw(body, sign=sign)
        answer = result.body.decode("utf-8", errors="replace")
        return _json({"statusCode": result.status_code, "body": answer})

    async def deliveries(self, request: Request, fields: Fields) -> Response:
        return _json([d.__dict__ for d in self.sim.pusher.deliveries])

    def routes(self) -> list[Route]:
        g = self.guarded
        return [
            Route("/control/registrations", g(self.list_registrations), methods=["GET"]),
            Route("/control/registrations/{rid}/notifications", g(self.notify), methods=["POST"]),
            Route("/control/registrations/{rid}/release", g(self.release), methods=["POST"]),
            Route("/control/meter-points", g(self.meter_points), methods=["GET"]),
            Route("/control/meter-points/{mpxn}", g(self.put_meter_point), methods=["PUT"]),
            Route("/control/clock", g(self.clock), methods=["GET", "POST"]),
            Route("/control/faults", g(self.faults), methods=["GET", "POST"]),
            Route("/control/rotate-key", g(self.rotate_key), methods=["POST"]),
            Route("/control/raw-notification", g(self.raw_notification), methods=["POST"]),
            Route("/control/deliveries", g(self.deliveries), methods=["GET"]),
        ]


def build_app(
    sim: Simulator, supplier_keys: Mapping[str, jws.VerificationKey], losses: LossDesk
) -> Starlette:
    return Starlette(routes=CssApp(sim, supplier_keys, losses).routes())
