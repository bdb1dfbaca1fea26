"""The simulated electricity enquiry service (modelled on ECOES): JSON over mutual TLS.

    GET /v1/meter-points?postcode=LS6%202AB   200 {"postcode", "meterPoints": [...]}
    GET /v1/meter-points/{mpan}               200 {"meterPoint": {...}} | 404

A meter point::

    {"mpan": "2312345678903", "profileClass": "01", "meterTimeswitchCode": "801",
     "lineLossFactorClass": "021", "gspGroupId": "_M", "distributorId": "23",
     "energisationStatus": "E" | "D", "disconnected": false, "marketSector": "D" | "N",
     "supplierId": "SUPA", "relatedMpans": [], "registrationPending": false,
     "address": {"addressLines": [...], "postTown", "postcode", "uprn"}}

Errors are `{"code", "detail"}`: 400 INVALID_POSTCODE / INVALID_MPAN, 404
METER_POINT_NOT_FOUND, 429 RATE_LIMITED (with `Retry-After`), 503 SERVICE_UNAVAILABLE.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain.identifiers import InvalidIdentifier, parse_mpan_core
from domain.postcode import InvalidPostcode, parse_postcode
from simulator.enquiry.gate import Gate, Refused, control_routes
from simulator.market import ElectricityPoint, Market

_REFUSALS = {429: "RATE_LIMITED", 503: "SERVICE_UNAVAILABLE"}


def meter_point_json(point: ElectricityPoint) -> dict[str, Any]:
    return {
        "mpan": point.mpan,
        "profileClass": point.profile_class,
        "meterTimeswitchCode": point.meter_timeswitch_code,
        "lineLossFactorClass": point.line_loss_factor_class,
        "gspGroupId": point.gsp_group,
        "distributorId": point.distributor_id,
        "energisationStatus": "E" if point.energised else "D",
        "disconnected": point.deactivated,
        "marketSector": point.market_sector,
        "supplierId": point.supplier_id,
        "relatedMpans": list(point.related_mpans),
        "registrationPending": point.switch_pending,
        "address": dict(point.address),
    }


def _error(status_code: int, code: str, detail: str, refused: Refused | None = None) -> Response:
    headers = refused.headers() if refused else None
    return JSONResponse({"code": code, "detail": detail}, status_code, headers=headers)


class ElectricityEnquiryApp:
    def __init__(self, market: Market, gate: Gate) -> None:
        self.market = market
        self.gate = gate

    async def _guarded(self, request: Request, answer: Any) -> Response:
        refused = await self.gate.admit()
        if refused is not None:
            code = _REFUSALS[refused.status_code]
            return self.gate.count(_error(refused.status_code, code, code.lower(), refused))
        return self.gate.count(answer(request))

    def _search(self, request: Request) -> Response:
        try:
            postcode = parse_postcode(request.query_params.get("postcode", ""))
        except InvalidPostcode as error:
            return _error(400, "INVALID_POSTCODE", str(error))
        points = [meter_point_json(p) for p in self.market.electricity_at(postcode.value)]
        return JSONResponse({"postcode": postcode.value, "meterPoints": points})

    def _one(self, request: Request) -> Response:
        try:
            core = parse_mpan_core(request.path_params["mpan"])
        except InvalidIdentifier as error:
            return _error(400, "INVALID_MPAN", str(error))
        point = self.market.electricity(core.value)
        if point is None:
            return _error(404, "METER_POINT_NOT_FOUND", f"no meter point {core.value}")
        return JSONResponse({"meterPoint": meter_point_json(point)})

    async def search(self, request: Request) -> Response:
        return await self._guarded(request, self._search)

    async def one(self, request: Request) -> Response:
        return await self._guarded(request, self._one)


def build_electricity_app(market: Market, gate: Gate) -> Starlette:
    app = ElectricityEnquiryApp(market, gate)
    return Starlette(
        routes=[
            Route("/v1/meter-points", app.search, methods=["GET"]),
            Route("/v1/meter-points/{mpan}", app.one, methods=["GET"]),
            *control_routes(gate),
        ]
    )
