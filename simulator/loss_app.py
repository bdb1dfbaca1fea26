"""The losing side's HTTP surface in the simulator.

Under `/v1`, as CSS: our objection, its lift and our annulment on another supplier's
registration (signed, verified, fault-injected like every `/v1` call). Under `/control`,
for tests, demos and `switching market lose`:

    POST /control/losses            {"mpxn"?, "fuel"?, "marketSector"?, "story"?,
                                     "changeOfOccupancy"?, "erroneousTransfer"?,
                                     "gainingSupplierId"?}: start one now
    GET  /control/losses            every loss played so far
    GET  /control/losses/{id}       one of them
    POST /control/losses/rate       {"perDay"}: start one every 1/perDay simulated days
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from css.errors import InvalidMessage
from css.losses import (
    ANNULMENT,
    LIFT,
    OBJECTION,
    LossRequestAck,
    parse_loss_action_request,
    parse_objection_request,
)
from css.wire import Fields
from domain.identifiers import Fuel, MarketSector
from simulator.losses import LossDesk, LossOrder, LossRegistration, LossStory

Handler = Callable[[Request], Awaitable[Response]]
CssHandler = Callable[[Request, bytes], Awaitable[Response]]
ControlHandler = Callable[[Request, Fields], Awaitable[Response]]


class CssSurface(Protocol):
    """What the CSS app gives every `/v1` endpoint: faults, verification, signed answers."""

    def css(self, handler: CssHandler) -> Handler: ...

    def signed(self, status_code: int, payload: dict[str, Any]) -> Response: ...


class LossApp:
    def __init__(
        self,
        desk: LossDesk,
        surface: CssSurface,
        guarded: Callable[[ControlHandler], Handler],
        answer: Callable[[object], Response],
    ) -> None:
        self.desk = desk
        self.surface = surface
        self.guarded = guarded
        self.answer = answer

    # --- as CSS ------------------------------------------------------------------------------

    async def objection(self, request: Request, body: bytes) -> Response:
        objection = parse_objection_request(body)
        loss = self.desk.object(request.path_params["rid"], objection)
        return self._accepted(loss, objection.message_id)

    async def lift(self, request: Request, body: bytes) -> Response:
        lift = parse_loss_action_request(body, "objection lift request")
        loss = self.desk.lift(request.path_params["rid"], lift)
        return self._accepted(loss, lift.message_id)

    async def annulment(self, request: Request, body: bytes) -> Response:
        annulment = parse_loss_action_request(body, "annulment request")
        loss = self.desk.annul(request.path_params["rid"], annulment)
        return self._accepted(loss, annulment.message_id)

    def _accepted(self, loss: LossRegistration, message_id: str) -> Response:
        ack = LossRequestAck(loss.registration_id, message_id, loss.status.value)
        return self.surface.signed(202, ack.to_wire())

    # --- controls ----------------------------------------------------------------------------

    async def start(self, request: Request, fields: Fields) -> Response:
        return self.answer(self.desk.start(order_from_fields(fields)).view())

    async def list_losses(self, request: Request, fields: Fields) -> Response:
        return self.answer([loss.view() for loss in self.desk.losses()])

    async def one(self, request: Request, fields: Fields) -> Response:
        return self.answer(self.desk.get(request.path_params["rid"]).view())

    async def rate(self, request: Request, fields: Fields) -> Response:
        per_day = fields.raw.get("perDay")
        if not isinstance(per_day, int | float) or isinstance(per_day, bool) or per_day < 0:
            raise InvalidMessage("control request: 'perDay' must be a number, 0 or more")
        self.desk.set_rate(float(per_day))
        return self.answer({"perDay": self.desk.per_day})

    def routes(self) -> list[Route]:
        css, g = self.surface.css, self.guarded
        base = "/v1/registrations/{rid}/"
        return [
            Route(base + OBJECTION, css(self.objection), methods=["POST"]),
            Route(base + LIFT, css(self.lift), methods=["POST"]),
            Route(base + ANNULMENT, css(self.annulment), methods=["POST"]),
            Route("/control/losses", g(self.start), methods=["POST"]),
            Route("/control/losses", g(self.list_losses), methods=["GET"]),
            Route("/control/losses/rate", g(self.rate), methods=["POST"]),
            Route("/control/losses/{rid}", g(self.one), methods=["GET"]),
        ]


def order_from_fields(fields: Fields) -> LossOrder:
    """A control request's loss order; every field may be left out."""

    def flag(name: str) -> bool:
        return fields.flag(name) if fields.raw.get(name) is not None else False

    return LossOrder(
        mpxn=fields.optional_text("mpxn"),
        fuel=fields.choice("fuel", Fuel) if fields.raw.get("fuel") is not None else None,
        market_sector=(
            fields.choice("marketSector", MarketSector)
            if fields.raw.get("marketSector") is not None
            else None
        ),
        story=(
            fields.choice("story", LossStory)
            if fields.raw.get("story") is not None
            else LossStory.COMPLETE
        ),
        change_of_occupancy=flag("changeOfOccupancy"),
        erroneous_transfer=flag("erroneousTransfer"),
        gaining_supplier_id=fields.optional_text("gainingSupplierId"),
    )
