"""The body of `switching address match`: ask both enquiry services (where `ops.engine`
locates them), match the typed address, and say what decided it."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from pathlib import Path

from domain.matching import AddressQuery, MatchOutcome, MatchResult
from domain.postcode import parse_postcode
from enquiry.clients import EnquiryClients
from enquiry.lookup import AddressLookup, FuelChoice, look_up
from enquiry.model import ElectricityMeterPoint, GasMeterPoint
from ops.engine import locate
from ops.errors import InvalidInput

#: How many ranked candidates the text output shows per fuel.
SHOWN = 5


def query_from(postcode: str, address: str, uprn: str | None) -> AddressQuery:
    """The query, validated; `InvalidPostcode` (a `DomainError`) names what is wrong."""
    if not address.strip():
        raise InvalidInput("the address is empty")
    return AddressQuery(parse_postcode(postcode), address.strip(), uprn or None)


async def _match(
    query: AddressQuery, fuels: FuelChoice, urls: tuple[str, str], pki_dir: Path
) -> AddressLookup:
    clients = await EnquiryClients.connect(urls[0], urls[1], pki_dir)
    try:
        return await look_up(query, fuels, clients.electricity, clients.gas)
    finally:
        await clients.aclose()


def match(postcode: str, *, address_text: str, fuel: str, uprn: str | None, as_json: bool) -> int:
    """Exit 0 when every fuel asked for matched, 1 when one needs a person; a service that
    fails raises `EnquiryError` (unreachable: exit 3)."""
    try:
        fuels = FuelChoice(fuel.lower())
    except ValueError:
        raise InvalidInput(f"--fuel must be electricity, gas or both, got {fuel!r}") from None
    query = query_from(postcode, address_text, uprn)
    settings = locate()
    urls = (settings.electricity_enquiry_url, settings.gas_enquiry_url)
    lookup = asyncio.run(_match(query, fuels, urls, settings.pki_dir))
    if as_json:
        print(_as_json(lookup))
    else:
        for line in describe(lookup):
            print(line)
    return 0 if all_matched(lookup) else 1


def all_matched(lookup: AddressLookup) -> bool:
    results = [r for r in (lookup.electricity, lookup.gas) if r is not None]
    return all(r.outcome is MatchOutcome.MATCHED for r in results)


def _as_json(lookup: AddressLookup) -> str:
    return json.dumps(asdict(lookup), indent=2, default=str)


def _point_line(point: ElectricityMeterPoint | GasMeterPoint) -> str:
    if isinstance(point, ElectricityMeterPoint):
        ident = f"MPAN {point.mpan} (profile {point.profile_class}, GSP {point.gsp_group})"
        related = f", related {', '.join(point.related_mpans)}" if point.related_mpans else ""
    else:
        ident, related = f"MPRN {point.mprn} (shipper {point.shipper_id})", ""
    pending = ", a switch is pending" if point.registration_pending else ""
    return (
        f"    {ident}: {point.status.value.lower()}, sector {point.market_sector.value}, "
        f"supplier {point.supplier_id}{related}{pending}"
    )


def _ref(point: ElectricityMeterPoint | GasMeterPoint) -> str:
    return point.mpan if isinstance(point, ElectricityMeterPoint) else point.mprn


def _fuel_lines(
    fuel: str,
    result: MatchResult,
    points: tuple[ElectricityMeterPoint, ...] | tuple[GasMeterPoint, ...] | None,
) -> list[str]:
    lines = [f"{fuel}: {result.outcome.value} ({result.decided_by.value}) {result.detail}"]
    by_id = {_ref(p): p for p in points or ()}
    for ref in result.matched:
        if ref in by_id:
            lines.append(_point_line(by_id[ref]))
    shown = result.ranked[:SHOWN]
    if shown:
        lines.append(f"  candidates ({len(result.ranked)} at the postcode, best first):")
    for candidate in shown:
        lines.append(
            f"    {candidate.score:5.1f}  {candidate.standing.value:<14} {candidate.address}"
            f"  [{', '.join(candidate.refs)}] {candidate.reason}"
        )
    return lines


def describe(lookup: AddressLookup) -> list[str]:
    reference = lookup.electricity or lookup.gas
    understood = reference.understood_as if reference else ""
    lines = [f"postcode {lookup.query.postcode}; address read as: {understood}"]
    if reference and reference.notes:
        lines.append(f"  ({'; '.join(reference.notes)})")
    if lookup.electricity is not None:
        lines += _fuel_lines("electricity", lookup.electricity, lookup.electricity_points)
    if lookup.gas is not None:
        lines += _fuel_lines("gas", lookup.gas, lookup.gas_points)
    return lines
