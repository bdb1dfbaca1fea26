"""The gas enquiry client: SOAP 1.1 through zeep, loading the service's own WSDL, over
HTTPS with mutual TLS.

zeep loads the WSDL (and the schema it imports) synchronously, so `connect` does that in
a worker thread; operations then run on zeep's async transport over one httpx pool.

Errors become `enquiry.errors` here and nowhere else:
- at the HTTP level (a response hook, which sees the status and headers before zeep
  parses anything): 429 is `EnquiryRateLimited` with the service's `Retry-After`; a bare
  502/503/504 is `EnquiryUnavailable`;
- SOAP faults by their `EnquiryFault` detail code and fault side: METER_POINT_NOT_FOUND
  is `MeterPointNotFound`, any other `soap:Client` fault `EnquiryRejected`, a
  `soap:Server` fault `EnquiryUnavailable`;
- connection errors and timeouts are `EnquiryUnavailable`; an answer zeep cannot read,
  or one of the wrong shape, is `InvalidEnquiryAnswer`.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import zeep
import zeep.exceptions
from lxml import etree
from zeep.helpers import serialize_object
from zeep.proxy import AsyncServiceProxy
from zeep.transports import AsyncTransport

from domain.identifiers import InvalidIdentifier, MarketSector, Mprn, parse_mprn
from domain.postcode import Postcode
from enquiry.addresses import gas_address
from enquiry.electricity import DEFAULT_TIMEOUT, retry_after
from enquiry.errors import (
    EnquiryError,
    EnquiryRateLimited,
    EnquiryRejected,
    EnquiryUnavailable,
    InvalidEnquiryAnswer,
    MeterPointNotFound,
    unreachable,
)
from enquiry.model import GasMeterPoint, MeterPointStatus
from observability import gateway

NAMESPACE = "urn:switching-engine:gas-enquiry:1"
BINDING = f"{{{NAMESPACE}}}GasEnquiryBinding"
PATH = "/gas-enquiry"
_STATUSES = {
    "LIVE": MeterPointStatus.ENERGISED,
    "ISOLATED": MeterPointStatus.DE_ENERGISED,
    "DEAD": MeterPointStatus.DEACTIVATED,
}
T = TypeVar("T")


async def _check_http(response: httpx.Response) -> None:
    """Statuses that are not SOAP at all, with the headers zeep would not show us."""
    if response.status_code == 429:
        wait = retry_after(response.headers)
        gateway.enquiry_rate_limited("gas", wait)
        raise EnquiryRateLimited("gas enquiry: rate limited", wait)
    if response.status_code in (502, 503, 504):
        raise EnquiryUnavailable(
            f"gas enquiry answered {response.status_code}", response.status_code
        )


def _fault_code(fault: zeep.exceptions.Fault) -> str:
    detail = fault.detail
    if isinstance(detail, etree._Element):
        code = detail.findtext(f".//{{{NAMESPACE}}}code")
        if code:
            return code
    return "UNKNOWN"


def _translate_fault(fault: zeep.exceptions.Fault) -> EnquiryError:
    code = _fault_code(fault)
    message = f"gas enquiry fault {code}: {fault.message}"
    if code == "METER_POINT_NOT_FOUND":
        return MeterPointNotFound(message, code)
    if str(fault.code or "").endswith("Client"):
        return EnquiryRejected(message, code)
    return EnquiryUnavailable(message, 500)


def parse_supply_point(raw: Any) -> GasMeterPoint:
    """A `supplyPoint` as zeep read it (serialised to a dict) in our terms."""
    if not isinstance(raw, dict):
        raise InvalidEnquiryAnswer("gas supply point: expected a supplyPoint element")
    try:
        mprn = parse_mprn(str(raw["mprn"])).value
        status = _STATUSES[str(raw["meterPointStatus"])]
        sector = MarketSector(str(raw["marketSector"]))
        address = raw["address"]
    except (KeyError, InvalidIdentifier, ValueError) as error:
        raise InvalidEnquiryAnswer(f"gas supply point: bad or missing {error}") from None
    if not isinstance(address, dict):
        raise InvalidEnquiryAnswer("gas supply point: 'address' is missing")
    return GasMeterPoint(
        mprn=mprn,
        status=status,
        market_sector=sector,
        supplier_id=str(raw.get("supplierId")),
        shipper_id=str(raw.get("shipperId")),
        registration_pending=bool(raw.get("registrationPending")),
        address=gas_address(address),
    )


class GasEnquiryClient:
    """A `GasEnquiry` over SOAP; create with `connect`, close with `aclose`."""

    def __init__(self, client: zeep.AsyncClient, service: AsyncServiceProxy) -> None:
        self._client = client
        self._service = service

    @classmethod
    async def connect(
        cls,
        base_url: str,
        tls_context: ssl.SSLContext,
        http_timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> GasEnquiryClient:
        """Load the service's WSDL (mutual TLS) and bind to its SOAP endpoint."""
        endpoint = f"{base_url.rstrip('/')}{PATH}"
        http = httpx.AsyncClient(
            verify=tls_context,
            timeout=http_timeout,
            trust_env=False,
            event_hooks={"response": [_check_http]},
        )

        def load() -> zeep.AsyncClient:
            with httpx.Client(verify=tls_context, timeout=http_timeout, trust_env=False) as loader:
                transport = AsyncTransport(client=http, wsdl_client=loader)
                return zeep.AsyncClient(f"{endpoint}?wsdl", transport=transport)

        try:
            client = await asyncio.to_thread(load)
        except (httpx.HTTPError, zeep.exceptions.Error, OSError) as error:
            await http.aclose()
            raise EnquiryUnavailable(f"cannot load the gas enquiry WSDL: {error}") from error
        return cls(
            client, AsyncServiceProxy(client, client.wsdl.bindings[BINDING], address=endpoint)
        )

    async def aclose(self) -> None:
        await self._client.transport.aclose()

    async def search(self, postcode: Postcode) -> tuple[GasMeterPoint, ...]:
        with gateway.enquiry_call("gas", "search"):
            answer = await self._call(
                lambda: self._service.GetSupplyPointsByPostcode(postcode=postcode.value)
            )
            points = answer.get("supplyPoint") or []
            if not isinstance(points, list):
                raise InvalidEnquiryAnswer("gas search: 'supplyPoint' must repeat")
            return tuple(parse_supply_point(p) for p in points)

    async def get(self, mprn: Mprn) -> GasMeterPoint:
        with gateway.enquiry_call("gas", "get"):
            answer = await self._call(lambda: self._service.GetSupplyPoint(mprn=mprn.value))
            # zeep hands back a response's only child element itself, not its wrapper.
            return parse_supply_point(answer.get("supplyPoint", answer))

    async def _call(self, operation: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
        """One SOAP call; the single point where zeep and httpx errors become ours."""
        try:
            result = await operation()
        except EnquiryError:
            raise
        except zeep.exceptions.Fault as fault:
            raise _translate_fault(fault) from fault
        except zeep.exceptions.TransportError as error:
            kind = EnquiryUnavailable if error.status_code >= 500 else InvalidEnquiryAnswer
            raise kind(f"gas enquiry answered {error.status_code}: {error}") from error
        except zeep.exceptions.Error as error:
            raise InvalidEnquiryAnswer(f"gas enquiry answer unreadable: {error}") from error
        except httpx.HTTPError as error:
            raise unreachable("gas enquiry", error) from error
        serialised = serialize_object(result, dict)
        if not isinstance(serialised, dict):
            raise InvalidEnquiryAnswer("gas enquiry: the answer has no fields")
        return serialised
