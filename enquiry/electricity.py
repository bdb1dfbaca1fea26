"""The electricity enquiry client: JSON over HTTPS with mutual TLS (httpx).

HTTP and TLS failures become `enquiry.errors` in one place (`_get`): connection errors,
timeouts and 5xx are `EnquiryUnavailable`, 429 is `EnquiryRateLimited` with the service's
`Retry-After`, 404 is `MeterPointNotFound`, other 4xx `EnquiryRejected`; an answer of the
wrong shape is `InvalidEnquiryAnswer`. The client never retries: that is the caller's
retry policy.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from domain.identifiers import InvalidIdentifier, MarketSector, MpanCore, parse_mpan_core
from domain.postcode import Postcode
from enquiry.addresses import electricity_address
from enquiry.errors import (
    EnquiryRateLimited,
    EnquiryRejected,
    EnquiryUnavailable,
    InvalidEnquiryAnswer,
    MeterPointNotFound,
    unreachable,
)
from enquiry.model import ElectricityMeterPoint, MeterPointStatus
from observability import gateway

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def retry_after(headers: Mapping[str, str]) -> float:
    """Seconds from a `Retry-After` header in seconds (1 when absent or unreadable)."""
    try:
        return max(0.0, float(headers.get("Retry-After", "1")))
    except ValueError:
        return 1.0


def _field(raw: Mapping[str, Any], name: str, kind: type) -> Any:
    value = raw.get(name)
    if not isinstance(value, kind):
        raise InvalidEnquiryAnswer(
            f"electricity meter point: '{name}' is missing or not {kind.__name__}"
        )
    return value


def parse_meter_point(raw: Any) -> ElectricityMeterPoint:
    if not isinstance(raw, dict):
        raise InvalidEnquiryAnswer("electricity meter point: expected a JSON object")
    try:
        mpan = parse_mpan_core(_field(raw, "mpan", str)).value
        related = tuple(parse_mpan_core(m).value for m in _field(raw, "relatedMpans", list))
        sector = MarketSector(_field(raw, "marketSector", str))
    except (InvalidIdentifier, ValueError) as error:
        raise InvalidEnquiryAnswer(f"electricity meter point: {error}") from None
    if _field(raw, "disconnected", bool):
        status = MeterPointStatus.DEACTIVATED
    elif _field(raw, "energisationStatus", str) == "E":
        status = MeterPointStatus.ENERGISED
    else:
        status = MeterPointStatus.DE_ENERGISED
    return ElectricityMeterPoint(
        mpan=mpan,
        profile_class=_field(raw, "profileClass", str),
        meter_timeswitch_code=_field(raw, "meterTimeswitchCode", str),
        line_loss_factor_class=_field(raw, "lineLossFactorClass", str),
        gsp_group=_field(raw, "gspGroupId", str),
        distributor_id=_field(raw, "distributorId", str),
        status=status,
        market_sector=sector,
        supplier_id=_field(raw, "supplierId", str),
        related_mpans=related,
        registration_pending=_field(raw, "registrationPending", bool),
        address=electricity_address(_field(raw, "address", dict)),
    )


class ElectricityEnquiryClient:
    """An `ElectricityEnquiry` over the wire; an async context manager (one pool)."""

    def __init__(
        self, base_url: str, tls_context: ssl.SSLContext, timeout: httpx.Timeout = DEFAULT_TIMEOUT
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url, verify=tls_context, timeout=timeout, trust_env=False
        )

    async def __aenter__(self) -> ElectricityEnquiryClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def search(self, postcode: Postcode) -> tuple[ElectricityMeterPoint, ...]:
        with gateway.enquiry_call("electricity", "search"):
            body = await self._get("/v1/meter-points", {"postcode": postcode.value})
            points = body.get("meterPoints")
            if not isinstance(points, list):
                raise InvalidEnquiryAnswer("electricity search: 'meterPoints' must be a list")
            return tuple(parse_meter_point(p) for p in points)

    async def get(self, mpan: MpanCore) -> ElectricityMeterPoint:
        with gateway.enquiry_call("electricity", "get"):
            body = await self._get(f"/v1/meter-points/{quote(mpan.value)}", {})
            return parse_meter_point(body.get("meterPoint"))

    async def _get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        """One request; the single point where httpx errors and statuses become ours."""
        try:
            response = await self._http.get(
                path, params=params, headers={"Accept": "application/json"}
            )
        except httpx.HTTPError as error:
            raise unreachable("electricity enquiry", error) from error
        status = response.status_code
        if status == 429:
            wait = retry_after(response.headers)
            gateway.enquiry_rate_limited("electricity", wait)
            raise EnquiryRateLimited("electricity enquiry: rate limited", wait)
        if status >= 500:
            raise EnquiryUnavailable(f"electricity enquiry answered {status}", status)
        try:
            body = response.json()
        except ValueError:
            raise InvalidEnquiryAnswer(
                f"electricity enquiry answered {status} with no JSON"
            ) from None
        if not isinstance(body, dict):
            raise InvalidEnquiryAnswer("electricity enquiry: expected a JSON object")
        if status >= 400:
            code, detail = str(body.get("code", "UNKNOWN")), str(body.get("detail", ""))
            kind = MeterPointNotFound if status == 404 else EnquiryRejected
            raise kind(f"electricity enquiry refused ({status} {code}): {detail}", code)
        if status != 200:
            raise InvalidEnquiryAnswer(f"electricity enquiry answered {status}, expected 200")
        return body
