"""The simulated gas enquiry service (modelled on the gas industry's data enquiry service):
SOAP 1.1, document/literal, over mutual TLS.

    GET  /gas-enquiry?wsdl      the WSDL (its soap:address is this server)
    GET  /gas-enquiry.xsd       the message schema the WSDL imports
    POST /gas-enquiry           GetSupplyPointsByPostcode(postcode) -> supplyPoint*
                                GetSupplyPoint(mprn) -> supplyPoint

Requests and answers are built and read with lxml and checked against the service's own
XSD (`wsdl/gas-enquiry.xsd`), so a message that does not fit the contract is refused, and
an answer that does not fit it is a bug here, not something a client must survive.

Faults are SOAP faults (HTTP 500) whose detail is an `EnquiryFault` {code, message,
retryAfterSeconds?}: `soap:Client` for INVALID_POSTCODE, INVALID_MPRN,
METER_POINT_NOT_FOUND and INVALID_REQUEST; `soap:Server` for INTERNAL_ERROR. A rate-limited
request is answered 429 with `Retry-After` (and a RATE_LIMITED fault); an injected fault
is a bare 503, as a gateway in front of the service would answer.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree
from lxml.builder import ElementMaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.identifiers import InvalidIdentifier, parse_mprn
from domain.postcode import InvalidPostcode, parse_postcode
from simulator.enquiry.gate import Gate, control_routes
from simulator.market import GasPoint, Market
from simulator.market.records import GAS_ADDRESS_FIELDS

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
NAMESPACE = "urn:switching-engine:gas-enquiry:1"
PATH = "/gas-enquiry"
_FILES = Path(__file__).resolve().parent / "wsdl"
_XML = "text/xml; charset=utf-8"
_GE = ElementMaker(namespace=NAMESPACE, nsmap={"ge": NAMESPACE})
_SOAP = ElementMaker(namespace=SOAP_ENV, nsmap={"soap": SOAP_ENV})


class SoapFault(Exception):
    def __init__(self, side: str, code: str, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.side = side  # "Client" or "Server"
        self.code = code
        self.message = message
        self.retry_after = retry_after


@cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(_FILES / "gas-enquiry.xsd")))


def _parser() -> etree.XMLParser:
    # Nothing from outside the message: no entities, no network, no DTD.
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=True
    )


def supply_point_xml(point: GasPoint) -> etree._Element:
    address = _GE.address(
        *(
            _GE(name, str(point.address[name]))
            for name in GAS_ADDRESS_FIELDS
            if point.address.get(name) is not None
        )
    )
    return _GE.supplyPoint(
        _GE.mprn(point.mprn),
        _GE.meterPointStatus(point.status),
        _GE.marketSector(point.market_sector),
        _GE.supplierId(point.supplier_id),
        _GE.shipperId(point.shipper_id),
        _GE.registrationPending("true" if point.switch_pending else "false"),
        address,
    )


def envelope(body: etree._Element) -> bytes:
    document = _SOAP.Envelope(_SOAP.Body(body))
    return etree.tostring(document, xml_declaration=True, encoding="utf-8")


def fault_envelope(fault: SoapFault) -> bytes:
    detail = _GE.EnquiryFault(_GE.code(fault.code), _GE.message(fault.message))
    if fault.retry_after is not None:
        detail.append(_GE.retryAfterSeconds(str(fault.retry_after)))
    body = etree.Element(etree.QName(SOAP_ENV, "Fault"), nsmap={"soap": SOAP_ENV})
    etree.SubElement(body, "faultcode").text = f"soap:{fault.side}"
    etree.SubElement(body, "faultstring").text = fault.message
    etree.SubElement(body, "detail").append(detail)
    return envelope(body)


def _request_element(body: bytes) -> etree._Element:
    try:
        document = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as error:
        raise SoapFault("Client", "INVALID_REQUEST", f"not XML: {error}") from None
    if document.tag != etree.QName(SOAP_ENV, "Envelope").text:
        raise SoapFault("Client", "INVALID_REQUEST", "not a SOAP 1.1 Envelope")
    found = document.find(f"{{{SOAP_ENV}}}Body")
    if found is None or len(found) != 1:
        raise SoapFault("Client", "INVALID_REQUEST", "the Body must hold exactly one element")
    element = found[0]
    if not schema().validate(etree.ElementTree(element)):
        why = schema().error_log.last_error
        raise SoapFault("Client", "INVALID_REQUEST", f"does not fit the schema: {why}")
    return element


class GasEnquiryApp:
    def __init__(self, market: Market, gate: Gate) -> None:
        self.market = market
        self.gate = gate

    async def wsdl(self, request: Request) -> Response:
        location = f"{request.url.scheme}://{request.url.netloc}{PATH}"
        text = (_FILES / "gas-enquiry.wsdl").read_text("utf-8")
        text = text.replace("https://gas-enquiry.invalid/gas-enquiry", location)
        return Response(text, media_type=_XML)

    async def xsd(self, request: Request) -> Response:
        return Response((_FILES / "gas-enquiry.xsd").read_bytes(), media_type=_XML)

    async def soap(self, request: Request) -> Response:
        refused = await self.gate.admit()
        if refused is not None and refused.status_code == 429:
            fault = SoapFault("Server", "RATE_LIMITED", "too many requests", refused.retry_after)
            answer = Response(fault_envelope(fault), 429, refused.headers(), media_type=_XML)
            return self.gate.count(answer)
        if refused is not None:
            return self.gate.count(Response(b"", refused.status_code))
        try:
            answer_body = self._answer(_request_element(await request.body()))
            response = Response(envelope(answer_body), media_type=_XML)
        except SoapFault as fault:
            response = Response(fault_envelope(fault), 500, media_type=_XML)
        return self.gate.count(response)

    def _answer(self, element: etree._Element) -> etree._Element:
        name = etree.QName(element).localname
        if name == "GetSupplyPointsByPostcode":
            answer = self._by_postcode(element.findtext(f"{{{NAMESPACE}}}postcode") or "")
        elif name == "GetSupplyPoint":
            answer = self._one(element.findtext(f"{{{NAMESPACE}}}mprn") or "")
        else:
            raise SoapFault("Client", "INVALID_REQUEST", f"no operation {name}")
        if not schema().validate(etree.ElementTree(answer)):
            why = schema().error_log.last_error
            raise SoapFault("Server", "INTERNAL_ERROR", f"answer does not fit the schema: {why}")
        return answer

    def _by_postcode(self, text: str) -> etree._Element:
        try:
            postcode = parse_postcode(text)
        except InvalidPostcode as error:
            raise SoapFault("Client", "INVALID_POSTCODE", str(error)) from None
        points = [supply_point_xml(p) for p in self.market.gas_at(postcode.value)]
        return _GE.GetSupplyPointsByPostcodeResponse(_GE.postcode(postcode.value), *points)

    def _one(self, text: str) -> etree._Element:
        try:
            mprn = parse_mprn(text)
        except InvalidIdentifier as error:
            raise SoapFault("Client", "INVALID_MPRN", str(error)) from None
        point = self.market.gas(mprn.value)
        if point is None:
            raise SoapFault("Client", "METER_POINT_NOT_FOUND", f"no supply point {mprn.value}")
        return _GE.GetSupplyPointResponse(supply_point_xml(point))


def build_gas_app(market: Market, gate: Gate) -> Starlette:
    app = GasEnquiryApp(market, gate)
    return Starlette(
        routes=[
            Route(PATH, app.wsdl, methods=["GET"]),
            Route(PATH, app.soap, methods=["POST"]),
            Route("/gas-enquiry.xsd", app.xsd, methods=["GET"]),
            *control_routes(gate),
        ]
    )
