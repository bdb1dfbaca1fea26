"""The electricity enquiry service and its httpx client, over real mutual TLS: answers
in our types, errors in our tree, the rate limit and injected faults."""

from __future__ import annotations

import httpx
import pytest

from css import tls
from css.pki import PkiPaths
from domain.identifiers import parse_mpan_core
from domain.postcode import parse_postcode
from enquiry.clients import EnquiryClients
from enquiry.electricity import ElectricityEnquiryClient
from enquiry.errors import (
    EnquiryRateLimited,
    EnquiryRejected,
    EnquiryUnavailable,
    MeterPointNotFound,
)
from enquiry.model import MeterPointStatus
from simulator.enquiry.server import RunningEnquiry
from simulator.market import Market
from tests.integration.enquiry.conftest import trusting_only


async def test_a_postcode_search_returns_every_meter_point_there(
    clients: EnquiryClients, market: Market
) -> None:
    item = next(i for i in market.premises if len(i.electricity) > 1)
    found = await clients.electricity.search(parse_postcode(item.postcode))
    assert {p.mpan for p in found} == {p.mpan for p in market.electricity_at(item.postcode)}
    mine = {p.mpan: p for p in found}
    first, second = item.electricity
    assert mine[first.mpan].related_mpans == (second.mpan,)
    assert mine[first.mpan].address.lines == tuple(first.address["addressLines"])
    assert mine[first.mpan].address.postcode == item.postcode
    assert mine[first.mpan].candidate().related == (second.mpan,)


async def test_one_meter_point_by_mpan_with_its_top_line_and_state(
    clients: EnquiryClients, market: Market
) -> None:
    point = next(p for i in market.premises for p in i.electricity if p.deactivated)
    found = await clients.electricity.get(parse_mpan_core(point.mpan))
    assert found.status is MeterPointStatus.DEACTIVATED
    assert (found.profile_class, found.meter_timeswitch_code, found.line_loss_factor_class) == (
        point.profile_class,
        point.meter_timeswitch_code,
        point.line_loss_factor_class,
    )
    assert found.distributor_id == point.mpan[:2]
    assert found.supplier_id == point.supplier_id
    off = next(
        p for i in market.premises for p in i.electricity if not p.energised and not p.deactivated
    )
    assert (
        await clients.electricity.get(parse_mpan_core(off.mpan))
    ).status is MeterPointStatus.DE_ENERGISED


async def test_an_unknown_mpan_is_not_found_and_not_retryable(clients: EnquiryClients) -> None:
    with pytest.raises(MeterPointNotFound, match="METER_POINT_NOT_FOUND") as refused:
        await clients.electricity.get(parse_mpan_core("1312345678907"))
    assert refused.value.retryable is False


async def test_a_bad_postcode_is_refused_with_its_reason(
    control: httpx.AsyncClient, services: RunningEnquiry
) -> None:
    answer = await control.get(
        f"{services.electricity_url}/v1/meter-points", params={"postcode": "LS6 2CB"}
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "INVALID_POSTCODE"
    assert "never uses 'C'" in answer.json()["detail"]


async def test_the_rate_limit_answers_429_with_retry_after(
    clients: EnquiryClients, control: httpx.AsyncClient, services: RunningEnquiry, market: Market
) -> None:
    await control.post(
        f"{services.electricity_url}/control/rate-limit", json={"perSecond": 0.25, "burst": 2}
    )
    postcode = parse_postcode(market.premises[0].postcode)
    await clients.electricity.search(postcode)
    await clients.electricity.search(postcode)
    with pytest.raises(EnquiryRateLimited) as limited:
        await clients.electricity.search(postcode)
    assert limited.value.retryable is True
    assert 1 <= limited.value.retry_after <= 4
    stats = (await control.get(f"{services.electricity_url}/control/stats")).json()
    assert stats["answered"] == {"200": 2, "429": 1}


async def test_an_injected_failure_is_retryable_and_the_next_call_succeeds(
    clients: EnquiryClients, control: httpx.AsyncClient, services: RunningEnquiry, market: Market
) -> None:
    await control.post(f"{services.electricity_url}/control/faults", json={"fail_next": 1})
    postcode = parse_postcode(market.premises[0].postcode)
    with pytest.raises(EnquiryUnavailable) as failed:
        await clients.electricity.search(postcode)
    assert (failed.value.status_code, failed.value.retryable) == (503, True)
    assert await clients.electricity.search(postcode)


async def test_a_late_answer_is_a_retryable_timeout(
    enquiry_pki: PkiPaths, control: httpx.AsyncClient, services: RunningEnquiry, market: Market
) -> None:
    await control.post(
        f"{services.electricity_url}/control/faults", json={"delay_rate": 1.0, "delay_seconds": 2.0}
    )
    context = tls.enquiry_client_context(enquiry_pki)
    async with ElectricityEnquiryClient(
        services.electricity_url, context, httpx.Timeout(0.3)
    ) as slow:
        with pytest.raises(EnquiryUnavailable, match="did not answer in time") as late:
            await slow.search(parse_postcode(market.premises[0].postcode))
    assert late.value.retryable is True


async def test_only_a_supplier_certificate_gets_an_answer(
    enquiry_pki: PkiPaths, services: RunningEnquiry, market: Market
) -> None:
    postcode = parse_postcode(market.premises[0].postcode)
    anonymous = ElectricityEnquiryClient(services.electricity_url, trusting_only(enquiry_pki))
    # The industry's own push certificate is not a supplier's: the wrong CA for this door.
    wrong_ca = tls.client_context(enquiry_pki.simulator_client, enquiry_pki.industry_ca.cert)
    industry = ElectricityEnquiryClient(services.electricity_url, wrong_ca)
    for client in (anonymous, industry):
        async with client:
            with pytest.raises(EnquiryUnavailable, match="unreachable"):
                await client.search(postcode)


async def test_a_rejection_that_is_not_a_missing_meter_point_is_a_plain_rejection(
    enquiry_pki: PkiPaths, services: RunningEnquiry
) -> None:
    # An MPAN core with a bad check digit, sent as the path, is refused by the service.
    context = tls.enquiry_client_context(enquiry_pki)
    async with ElectricityEnquiryClient(services.electricity_url, context) as client:
        with pytest.raises(EnquiryRejected, match="INVALID_MPAN") as refused:
            await client._get("/v1/meter-points/1312345678900", {})
    assert not isinstance(refused.value, MeterPointNotFound)
