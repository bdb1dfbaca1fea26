"""UK postcodes: every format accepted and normalised, each wrong one refused by name."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import DomainError
from domain.postcode import InvalidPostcode, Postcode, parse_postcode


@pytest.mark.parametrize(
    ("typed", "normal", "area"),
    [
        ("M1 1AE", "M1 1AE", "M"),
        ("m11ae", "M1 1AE", "M"),
        ("B33 8TH", "B33 8TH", "B"),
        ("cr2 6xh", "CR2 6XH", "CR"),
        ("DN55  1PT", "DN55 1PT", "DN"),
        ("W1A 0AX", "W1A 0AX", "W"),
        ("EC1A-1BB", "EC1A 1BB", "EC"),
        (" ls6 2ab ", "LS6 2AB", "LS"),
        ("GIR 0AA", "GIR 0AA", "GIR"),
    ],
)
def test_every_format_is_accepted_in_normal_form(typed: str, normal: str, area: str) -> None:
    postcode = parse_postcode(typed)
    assert postcode.value == normal
    assert postcode.area == area
    assert (postcode.outward, postcode.inward) == tuple(normal.split(" "))


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("", "empty"),
        ("LS6", "5 to 7"),
        ("LS62ABCD", "5 to 7"),
        ("LS6 2A8", "inward code"),
        ("LS6 2CB", "never uses 'C'"),
        ("QS6 2AB", "never starts with Q, V or X"),
        ("LI6 2AB", "second letter is never I, J or Z"),
        ("W1I 2AB", "'I' cannot end the outward code"),
        ("EC1C 1BB", "'C' cannot end the outward code"),
        ("L$6 2AB", "invalid character '$'"),
        ("123 4AB", "does not follow a UK format"),
    ],
)
def test_a_wrong_postcode_is_refused_naming_the_rule(typed: str, says: str) -> None:
    with pytest.raises(InvalidPostcode, match=re.escape(says)) as refused:
        parse_postcode(typed)
    assert isinstance(refused.value, DomainError)


def test_a_postcode_value_must_already_be_normal() -> None:
    assert Postcode("LS6 2AB").value == "LS6 2AB"
    with pytest.raises(InvalidPostcode, match="normal form"):
        Postcode("ls62ab")


letters = st.sampled_from("ABDEFGHJLNPQRSTUWXYZ")


@given(
    area=st.sampled_from(["M", "B", "LS", "EC", "SW", "NE"]),
    district=st.integers(1, 99),
    sector=st.integers(0, 9),
    unit=st.tuples(letters, letters),
    spacing=st.sampled_from(["", " ", "  ", "-"]),
    lower=st.booleans(),
)
def test_normalising_is_idempotent_and_ignores_case_and_spacing(
    area: str, district: int, sector: int, unit: tuple[str, str], spacing: str, lower: bool
) -> None:
    text = f"{area}{district}{spacing}{sector}{''.join(unit)}"
    normal = parse_postcode(text.lower() if lower else text)
    assert normal == parse_postcode(normal.value)
    assert normal.value == f"{area}{district} {sector}{''.join(unit)}"
