"""Reading addresses: the flat, the number and the words, however they were written."""

from __future__ import annotations

import pytest

from domain.address import ServiceAddress, parse_service_address, parse_typed


@pytest.mark.parametrize(
    ("typed", "flat", "number", "words"),
    [
        ("12 High St, Leeds", None, "12", "HIGH STREET LEEDS"),
        ("12a high street", None, "12A", "HIGH STREET"),
        ("12 A High Street", None, "12A", "HIGH STREET"),
        ("Flat 1, 12 High Street", "1", "12", "HIGH STREET"),
        ("flat 11 12 high st", "11", "12", "HIGH STREET"),
        ("Apt 3, The Maltings", "3", None, "THE MALTINGS"),
        ("Apartment 3 The Maltings", "3", None, "THE MALTINGS"),
        ("Unit 2B, 7 Mill Lane", "2B", "7", "MILL LANE"),
        ("1 Wellington House, 5 Park Road", "1", "5", "WELLINGTON HOUSE PARK ROAD"),
        ("Flat A 23 high st", "A", "23", "HIGH STREET"),
        ("Ground Floor Flat, 10 St John's Road", "FLOOR G", "10", "SAINT JOHNS ROAD"),
        ("Flat 1st Floor 10 High St", "FLOOR 1", "10", "HIGH STREET"),
        ("first floor, 10 high st", "FLOOR 1", "10", "HIGH STREET"),
        ("Basement Flat, 3 Church Rd", "FLOOR B", "3", "CHURCH ROAD"),
        ("Rose Cottage, Mill Lane", None, None, "ROSE COTTAGE MILL LANE"),
        ("ST MARYS RD", None, None, "SAINT MARYS ROAD"),
        ("12-14 Market Pl", None, "12-14", "MARKET PLACE"),
        ("Wellington Hse & Annexe", None, None, "WELLINGTON HOUSE AND ANNEXE"),
    ],
)
def test_typed_addresses_are_read_into_flat_number_and_words(
    typed: str, flat: str | None, number: str | None, words: str
) -> None:
    parsed = parse_typed(typed)
    assert (parsed.flat, parsed.number, " ".join(parsed.words)) == (flat, number, words)


def test_an_assumption_is_noted_for_the_reviewer() -> None:
    assert parse_typed("1 Wellington House, 5 Park Road").notes == (
        "flat 1 taken from the first of two numbers",
    )
    assert "other numbers ignored: 9" in parse_typed("Flat 2, 5 Park Road 9").notes[0]


def test_a_paf_style_record_keeps_its_name_street_and_place_apart() -> None:
    record = ServiceAddress(
        "LS6 2AB",
        sub_building="Apartment 11",
        building_name="Wellington Hse",
        building_number="5",
        street="Park Rd",
        dependent_locality="Headingley",
        post_town="Leeds",
        county="West Yorkshire",
    )
    parsed = parse_service_address(record)
    assert (parsed.flat, parsed.number) == ("11", "5")
    assert parsed.name == ("WELLINGTON", "HOUSE")
    assert parsed.street == ("PARK", "ROAD")
    assert parsed.place == ("HEADINGLEY", "LEEDS", "WEST", "YORKSHIRE")


def test_a_free_line_record_reads_like_its_paf_twin() -> None:
    lines = ServiceAddress(
        "LS6 2AB", lines=("FLAT 11 WELLINGTON HSE", "5 PARK RD"), post_town="LEEDS"
    )
    fields = ServiceAddress(
        "LS6 2AB",
        sub_building="Flat 11",
        building_name="Wellington House",
        building_number="5",
        street="Park Road",
        post_town="Leeds",
    )
    assert parse_service_address(lines) == parse_service_address(fields)


def test_a_suffixed_number_held_as_a_building_name_is_still_the_number() -> None:
    parsed = parse_service_address(ServiceAddress("LS6 2AB", building_name="12a", street="High St"))
    assert (parsed.number, parsed.name, parsed.street) == ("12A", (), ("HIGH", "STREET"))
