"""The gas enquiry service (SOAP, with its WSDL) and our zeep client, over real mutual
TLS: the WSDL loaded from the service, answers in our types, faults in our error tree."""

from __future__ import annotations

import httpx
import pytest
from lxml import etree

from css.pki import PkiPaths
from domain.identifiers import parse_mprn
from domain.matching import AddressQuery, MatchOutcome
from domain.postcode import parse_postcode
from enquiry.clients import EnquiryClients
from enquiry.errors import EnquiryRateLimited, EnquiryUnavailable, MeterPointNotFound
from enquiry.gas import GasEnquiryClient
from enquiry.lookup import FuelChoice, look_up
from enquiry.model import MeterPointStatus
from simulator.enquiry.gas import NAMESPACE, SOAP_ENV
from simulator.enquiry.server import RunningEnquiry
from simulator.market import Market
from tests.integration.enquiry.conftest import trusting_only


async def test_the_wsdl_names_this_server_and_imports_the_schema_beside_it(
    control: httpx.AsyncClient, services: RunningEnquiry
) -> None:
    wsdl = etree.fromstring((await control.get(services.gas_wsdl_url)).content)
    soap = "http://schemas.xmlsoap.org/wsdl/soap/"
    assert wsdl.find(f".//{{{soap}}}address").get("location") == f"{services.gas_url}/gas-enquiry"
    xsd = "http://www.w3.org/2001/XMLSchema"
    assert wsdl.find(f".//{{{xsd}}}import").get("schemaLocation") == "gas-enquiry.xsd"
    schema = await control.get(f"{services.gas_url}/gas-enquiry.xsd")
    assert b"EnquiryFault" in schema.content


async def test_supply_points_by_postcode_through_zeep(
    clients: EnquiryClients, market: Market
) -> None:
    item = next(i for i in market.premises if i.gas and i.address.sub_building)
    found = await clients.gas.search(parse_postcode(item.postcode))
    assert {p.mprn for p in found} == {p.mprn for p in market.gas_at(item.postcode)}
    mine = next(p for p in found if p.mprn == item.gas[0].mprn)
    written = item.gas[0].address
    assert mine.address.sub_building == written["subBuildingName"]
    assert mine.address.street == written["thoroughfare"]
    assert mine.address.county == written["county"]
    assert mine.address.uprn == written["uprn"]
    assert (mine.supplier_id, mine.shipper_id) == (item.gas[0].supplier_id, item.gas[0].shipper_id)


async def test_one_supply_point_by_mprn_with_its_state(
    clients: EnquiryClients, market: Market
) -> None:
    dead = next(p for i in market.premises for p in i.gas if p.status == "DEAD")
    found = await clients.gas.get(parse_mprn(dead.mprn))
    assert (found.mprn, found.status) == (dead.mprn, MeterPointStatus.DEACTIVATED)
    assert found.registration_pending is dead.switch_pending


async def test_an_unknown_mprn_is_a_soap_fault_read_as_not_found(clients: EnquiryClients) -> None:
    with pytest.raises(MeterPointNotFound, match="METER_POINT_NOT_FOUND") as refused:
        await clients.gas.get(parse_mprn("3938424403"))
    assert refused.value.retryable is False


async def test_the_rate_limit_is_read_from_the_http_answer(
    clients: EnquiryClients, control: httpx.AsyncClient, services: RunningEnquiry, market: Market
) -> None:
    await control.post(
        f"{services.gas_url}/control/rate-limit", json={"perSecond": 0.5, "burst": 1}
    )
    postcode = parse_postcode(market.premises[0].postcode)
    await clients.gas.search(postcode)
    with pytest.raises(EnquiryRateLimited) as limited:
        await clients.gas.search(postcode)
    assert limited.value.retryable is True
    assert limited.value.retry_after == 2


async def test_an_injected_failure_is_retryable(
    clients: EnquiryClients, control: httpx.AsyncClient, services: RunningEnquiry, market: Market
) -> None:
    await control.post(f"{services.gas_url}/control/faults", json={"fail_next": 1})
    postcode = parse_postcode(market.premises[0].postcode)
    with pytest.raises(EnquiryUnavailable) as failed:
        await clients.gas.search(postcode)
    assert (failed.value.status_code, failed.value.retryable) == (503, True)
    assert await clients.gas.search(postcode) is not None


def _envelope(body: str) -> bytes:
    return (
        f'<soap:Envelope xmlns:soap="{SOAP_ENV}" xmlns:ge="{NAMESPACE}"><soap:Body>{body}'
        "</soap:Body></soap:Envelope>"
    ).encode()


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"<not-xml", b"not XML"),
        (_envelope("<ge:GetSupplyPoint><ge:bogus>1</ge:bogus></ge:GetSupplyPoint>"), b"schema"),
        (_envelope("<ge:Unknown/>"), b"schema"),
    ],
)
async def test_a_request_that_breaks_the_contract_gets_a_client_fault(
    control: httpx.AsyncClient, services: RunningEnquiry, body: bytes, says: bytes
) -> None:
    answer = await control.post(
        f"{services.gas_url}/gas-enquiry", content=body, headers={"Content-Type": "text/xml"}
    )
    assert answer.status_code == 500
    fault = etree.fromstring(answer.content).find(f".//{{{SOAP_ENV}}}Fault")
    assert fault is not None
    assert fault.findtext("faultcode") == "soap:Client"
    assert fault.findtext(f".//{{{NAMESPACE}}}code") == "INVALID_REQUEST"
    assert says in answer.content


async def test_without_a_supplier_certificate_the_wsdl_cannot_even_be_loaded(
    enquiry_pki: PkiPaths, services: RunningEnquiry
) -> None:
    with pytest.raises(EnquiryUnavailable, match="WSDL"):
        await GasEnquiryClient.connect(services.gas_url, trusting_only(enquiry_pki))


async def test_both_fuels_are_looked_up_and_matched_over_the_wire(
    clients: EnquiryClients, market: Market
) -> None:
    item = next(i for i in market.premises if i.gas and i.address.building_number)
    query = AddressQuery(parse_postcode(item.postcode), item.address.one_line(item.postcode))
    found = await look_up(query, FuelChoice.BOTH, clients.electricity, clients.gas)
    assert found.electricity is not None
    assert found.gas is not None
    assert found.electricity.outcome is MatchOutcome.MATCHED
    assert set(found.electricity.matched) == {p.mpan for p in item.electricity}
    assert found.gas.matched == (item.gas[0].mprn,)
    assert found.gas_points is not None
    assert {p.mprn for p in found.gas_points} == {p.mprn for p in market.gas_at(item.postcode)}
