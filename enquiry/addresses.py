"""Each enquiry service's address layout, read into the domain's `ServiceAddress`.

The one place that knows the services' address field names; the simulators write the
same names (`simulator.market.records`), and the benchmark reads market records through
these functions so that it measures exactly what the clients hand to matching.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.address import ServiceAddress
from enquiry.errors import InvalidEnquiryAnswer


def _text(raw: Mapping[str, Any], name: str, what: str) -> str | None:
    value = raw.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidEnquiryAnswer(f"{what}: '{name}' must be text, got {type(value).__name__}")
    return value.strip() or None


def _required(raw: Mapping[str, Any], name: str, what: str) -> str:
    value = _text(raw, name, what)
    if value is None:
        raise InvalidEnquiryAnswer(f"{what}: '{name}' is missing")
    return value


def electricity_address(raw: Mapping[str, Any]) -> ServiceAddress:
    """`{"addressLines": [...], "postTown", "postcode", "uprn"}` (the electricity layout)."""
    what = "electricity address"
    lines = raw.get("addressLines")
    if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
        raise InvalidEnquiryAnswer(f"{what}: 'addressLines' must be a list of text")
    return ServiceAddress(
        postcode=_required(raw, "postcode", what),
        lines=tuple(line.strip() for line in lines if line.strip()),
        post_town=_text(raw, "postTown", what),
        uprn=_text(raw, "uprn", what),
    )


def gas_address(raw: Mapping[str, Any]) -> ServiceAddress:
    """The gas service's PAF-style fields (`subBuildingName` ... `postcode`, `uprn`)."""
    what = "gas address"
    return ServiceAddress(
        postcode=_required(raw, "postcode", what),
        sub_building=_text(raw, "subBuildingName", what),
        building_name=_text(raw, "buildingName", what),
        building_number=_text(raw, "buildingNumber", what),
        dependent_street=_text(raw, "dependentThoroughfare", what),
        street=_text(raw, "thoroughfare", what),
        dependent_locality=_text(raw, "dependentLocality", what),
        post_town=_text(raw, "postTown", what),
        county=_text(raw, "county", what),
        uprn=_text(raw, "uprn", what),
    )
