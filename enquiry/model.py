"""What the enquiry services tell us, in our own types, and the ports that ask them.

`ElectricityEnquiry` and `GasEnquiry` are the interfaces activities depend on; the real
clients (`ElectricityEnquiryClient`, `GasEnquiryClient`) implement them over the wire,
and tests may implement them in memory. Every value here is a frozen dataclass of plain
values, so an activity can return it to a workflow and an event can record it.

For the order process: an activity calls `search` for each fuel wanted (both at once,
as `enquiry.lookup` does), records what came back, and returns the meter points; the
workflow makes them candidates (`.candidate()`) and calls
`domain.matching_fuels.match_fuels`, which is pure and deterministic and so may run in
workflow code (pass `rapidfuzz`, a side-effect-free C extension, through the sandbox).
What must be refused at the door is on these records: `supplier_id` equal to our MPID
(already ours), `registration_pending` (a switch already in flight), `status`
DE_ENERGISED or DEACTIVATED. Meter points an operator names when resolving a review are
checked with `get`. Every failure is an `enquiry.errors.EnquiryError` whose `retryable`
tells the activity whether to try again; `EnquiryRateLimited.retry_after` is the delay
the service asked for (an `ApplicationError`'s `next_retry_delay`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from domain.address import ServiceAddress
from domain.identifiers import MarketSector, MpanCore, Mprn
from domain.matching import Candidate
from domain.postcode import Postcode


class MeterPointStatus(StrEnum):
    """Whether a meter point can be switched as it stands."""

    ENERGISED = "ENERGISED"
    DE_ENERGISED = "DE_ENERGISED"  # connected but switched off (electricity) / capped (gas)
    DEACTIVATED = "DEACTIVATED"  # permanently disconnected: cannot be registered


@dataclass(frozen=True)
class ElectricityMeterPoint:
    mpan: str  # the 13-digit core CSS keys the switch on
    profile_class: str
    meter_timeswitch_code: str
    line_loss_factor_class: str
    gsp_group: str
    distributor_id: str
    status: MeterPointStatus
    market_sector: MarketSector
    supplier_id: str  # the current supplier's MPID
    related_mpans: tuple[str, ...]  # switch together with this one
    registration_pending: bool  # a switch is already in flight for it
    address: ServiceAddress

    def candidate(self) -> Candidate:
        return Candidate(self.mpan, self.address, self.related_mpans)


@dataclass(frozen=True)
class GasMeterPoint:
    mprn: str
    status: MeterPointStatus
    market_sector: MarketSector
    supplier_id: str
    shipper_id: str
    registration_pending: bool
    address: ServiceAddress

    def candidate(self) -> Candidate:
        return Candidate(self.mprn, self.address)


class ElectricityEnquiry(Protocol):
    async def search(self, postcode: Postcode) -> tuple[ElectricityMeterPoint, ...]:
        """Every meter point the service holds at the postcode (possibly none)."""
        ...

    async def get(self, mpan: MpanCore) -> ElectricityMeterPoint:
        """One meter point; `MeterPointNotFound` if the service has none by that MPAN."""
        ...


class GasEnquiry(Protocol):
    async def search(self, postcode: Postcode) -> tuple[GasMeterPoint, ...]: ...

    async def get(self, mprn: Mprn) -> GasMeterPoint: ...
