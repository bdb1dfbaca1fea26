"""Matching a typed address to one fuel's records: every look-alike neighbour, the UPRN,
typos, and the cases the text cannot decide."""

from __future__ import annotations

from domain.address import ServiceAddress
from domain.matching import (
    AddressQuery,
    Candidate,
    DecidedBy,
    MatchOutcome,
    MatchResult,
    Standing,
    match_address,
)
from domain.matching_fuels import match_fuels
from domain.postcode import parse_postcode

POSTCODE = "LS6 2AB"


def lines(
    ref: str, *premises: str, uprn: str | None = None, related: tuple[str, ...] = ()
) -> Candidate:
    """A record as the electricity service writes it (free lines, upper case)."""
    address = ServiceAddress(POSTCODE, lines=premises, post_town="LEEDS", uprn=uprn)
    return Candidate(ref, address, related)


def fields(ref: str, uprn: str | None = None, **parts: str) -> Candidate:
    """A record as the gas service writes it (PAF-style fields)."""
    address = ServiceAddress(
        POSTCODE, post_town="Leeds", county="West Yorkshire", uprn=uprn, **parts
    )
    return Candidate(ref, address)


def match(text: str, candidates: list[Candidate], uprn: str | None = None) -> MatchResult:
    return match_address(AddressQuery(parse_postcode(POSTCODE), text, uprn), candidates)


def standing(result: MatchResult, ref: str) -> Standing:
    return next(c.standing for c in result.ranked if ref in c.refs)


TERRACE = [
    lines("12", "12 HIGH ST"),
    lines("12A", "12A HIGH ST"),
    lines("14", "14 HIGH ST"),
    lines("12-CHURCH", "12 CHURCH RD"),
]


class TestLookAlikeNeighbours:
    def test_12_is_not_12a_and_12a_is_not_12(self) -> None:
        twelve = match("12 High Street, Leeds", TERRACE)
        assert (twelve.outcome, twelve.matched) == (MatchOutcome.MATCHED, ("12",))
        assert standing(twelve, "12A") is Standing.EXCLUDED
        for written in ("12a High St", "12 A high street", "12A HIGH STREET"):
            assert match(written, TERRACE).matched == ("12A",)

    def test_flat_1_is_not_flat_11(self) -> None:
        block = [lines(f"F{n}", f"FLAT {n}", "WELLINGTON HSE", "5 PARK RD") for n in (1, 11, 2)]
        one = match("Flat 1, Wellington House, 5 Park Road", block)
        eleven = match("flat 11 wellington house 5 park rd", block)
        assert (one.outcome, one.matched) == (MatchOutcome.MATCHED, ("F1",))
        assert (eleven.outcome, eleven.matched) == (MatchOutcome.MATCHED, ("F11",))
        assert standing(one, "F11").value == "EXCLUDED"
        assert "flat 11 is not 1" in next(c.reason for c in one.ranked if c.refs == ("F11",))

    def test_the_same_number_on_two_streets_of_one_postcode_goes_by_the_street(self) -> None:
        high = match("12 High St", TERRACE)
        church = match("12 Church Road LS6", TERRACE)
        assert high.matched == ("12",)
        assert church.matched == ("12-CHURCH",)
        assert high.decided_by is DecidedBy.CLEAR_WINNER
        assert high.ranked[1].score < 50

    def test_the_postcode_typed_in_the_address_is_not_taken_for_a_word(self) -> None:
        assert match("12 Church Road, Leeds, ls6 2ab", TERRACE).matched == ("12-CHURCH",)
        assert match("12 Church Road LS62AB", TERRACE).decided_by is DecidedBy.CLEAR_WINNER

    def test_the_same_number_with_no_street_typed_is_left_to_a_person(self) -> None:
        result = match("12, Leeds", TERRACE)
        assert result.outcome is MatchOutcome.AMBIGUOUS

    def test_a_gas_style_flat_matches_across_layouts(self) -> None:
        block = [
            fields(
                "G1",
                sub_building="Apartment 1",
                building_name="Wellington House",
                building_number="5",
                street="Park Road",
            ),
            fields(
                "G11",
                sub_building="11",
                building_name="Wellington House",
                building_number="5",
                street="Park Road",
            ),
        ]
        assert match("FLAT 11, WELLINGTON HSE, 5 PARK RD", block).matched == ("G11",)
        assert match("Flat 1 Wellington House 5 Park Road", block).matched == ("G1",)


class TestWhatTheTextCannotDecide:
    BLOCK = [
        lines("F1", "FLAT 1", "WELLINGTON HOUSE", "5 PARK ROAD"),
        lines("F2", "FLAT 2", "WELLINGTON HOUSE", "5 PARK ROAD"),
        lines("LANDLORD", "WELLINGTON HOUSE", "5 PARK ROAD"),
    ]

    def test_a_missing_flat_number_in_a_block_is_never_matched_automatically(self) -> None:
        result = match("Wellington House, 5 Park Road", self.BLOCK)
        assert result.outcome is MatchOutcome.AMBIGUOUS
        assert {standing(result, "F1"), standing(result, "F2")} == {Standing.FLAT_NOT_GIVEN}
        # Even the landlord's supply, which fits the text exactly, is not chosen for it.
        assert result.decided_by is DecidedBy.CLOSE_SCORES

    def test_a_flat_the_records_do_not_have_is_not_found(self) -> None:
        result = match("Flat 9, Wellington House, 5 Park Road", self.BLOCK)
        assert result.outcome is MatchOutcome.NOT_FOUND
        assert result.decided_by is DecidedBy.ALL_EXCLUDED

    def test_a_street_without_a_number_or_name_is_left_to_a_person(self) -> None:
        result = match("Park Road, Leeds", [lines("5", "5 PARK RD"), lines("7", "7 PARK RD")])
        assert result.outcome is MatchOutcome.AMBIGUOUS
        assert result.decided_by is DecidedBy.NOT_ELIGIBLE

    def test_no_record_at_the_postcode_is_not_found(self) -> None:
        elsewhere = Candidate("X", ServiceAddress("LS6 2AD", lines=("12 HIGH ST",)))
        result = match("12 High Street", [elsewhere])
        assert (result.outcome, result.decided_by) == (
            MatchOutcome.NOT_FOUND,
            DecidedBy.NO_CANDIDATES,
        )


class TestNamedHouses:
    LANE = [
        fields("ROSE", building_name="Rose Cottage", street="Mill Lane"),
        fields("IVY", building_name="Ivy Cottage", street="Mill Lane"),
        fields("PRIMROSE", building_name="Primrose Cottage", street="Mill Lane"),
        fields("3", building_number="3", street="Mill Lane"),
    ]

    def test_a_house_name_alone_decides_when_it_agrees(self) -> None:
        for typed in ("Rose Cottage, Mill Lane, Leeds", "rose cottage mill ln", "Rose Cottage"):
            result = match(typed, self.LANE)
            assert (result.outcome, result.matched) == (MatchOutcome.MATCHED, ("ROSE",)), typed
        assert "building name ROSE COTTAGE agrees" in match("Rose Cottage", self.LANE).detail

    def test_a_number_typed_beside_a_name_the_record_lacks_still_needs_the_name(self) -> None:
        numbered = [
            fields("ROSE", building_name="Rose Cottage", building_number="7", street="Mill Lane"),
            *self.LANE[1:],
        ]
        assert match("Rose Cottage, Mill Lane", numbered).matched == ("ROSE",)
        assert match("3 Mill Lane", numbered).matched == ("3",)


class TestTypos:
    def test_a_typo_on_either_side_still_matches_the_right_premises(self) -> None:
        gardens = [lines("12", "12 GADRENS WALK"), lines("14", "14 GARDENS WALK")]
        assert match("12 Gardens Walk", gardens).matched == ("12",)
        street = [
            lines("12", "12 HIGH ST"),
            lines("14", "14 HIGH ST"),
            lines("12C", "12 CHURCH RD"),
        ]
        assert match("12 High Stret, Leeds", street).matched == ("12",)

    def test_a_typo_does_not_turn_one_street_into_another(self) -> None:
        result = match("12 Chruch Road", TERRACE)
        assert result.matched == ("12-CHURCH",)
        assert result.ranked[1].score < 60

    def test_a_short_word_one_letter_off_is_another_word_not_a_typo(self) -> None:
        # The customer's 12 Mill Lane is not in the records; 12 Hill Lane is a stranger.
        result = match("12 Mill Lane", [lines("H12", "12 HILL LANE"), lines("H14", "14 HILL LANE")])
        assert (result.outcome, result.decided_by) == (MatchOutcome.AMBIGUOUS, DecidedBy.LOW_SCORE)


class TestUprn:
    def test_the_uprn_decides_when_both_sides_carry_it(self) -> None:
        block = [
            lines("F1", "FLAT 1", "5 PARK RD", uprn="100"),
            lines("F2", "FLAT 2", "5 PARK RD", uprn="200"),
        ]
        result = match("Wellington House, 5 Park Road", block, uprn="200")
        assert (result.outcome, result.decided_by, result.matched) == (
            MatchOutcome.MATCHED,
            DecidedBy.UPRN,
            ("F2",),
        )

    def test_a_record_with_another_uprn_is_excluded_and_one_without_is_scored(self) -> None:
        candidates = [lines("A", "12 HIGH ST", uprn="999"), lines("B", "12 HIGH ST")]
        result = match("12 High Street", candidates, uprn="100")
        assert standing(result, "A") is Standing.EXCLUDED
        assert (result.outcome, result.matched) == (MatchOutcome.MATCHED, ("B",))

    def test_a_uprn_the_typed_text_contradicts_goes_to_a_person(self) -> None:
        result = match(
            "Flat 1, 5 Park Road", [lines("F2", "FLAT 2", "5 PARK RD", uprn="200")], "200"
        )
        assert (result.outcome, result.decided_by) == (
            MatchOutcome.AMBIGUOUS,
            DecidedBy.UPRN_CONFLICT,
        )

    def test_a_missing_uprn_leaves_the_text_to_decide(self) -> None:
        result = match("12a High St", TERRACE, uprn="123")
        assert (result.decided_by, result.matched) == (DecidedBy.CLEAR_WINNER, ("12A",))


def test_related_meter_points_are_one_premises_matched_together() -> None:
    heating = [
        lines("MAIN", "12 HIGH ST", related=("HEAT",)),
        lines("HEAT", "12 HIGH ST", related=("MAIN",)),
        lines("14", "14 HIGH ST"),
    ]
    result = match("12 High Street", heating)
    assert (result.outcome, set(result.matched)) == (MatchOutcome.MATCHED, {"MAIN", "HEAT"})


def test_unrelated_records_with_one_address_are_for_a_person() -> None:
    twins = [lines("A", "12 HIGH ST"), lines("B", "12 HIGH STREET")]
    assert match("12 High Street", twins).outcome is MatchOutcome.AMBIGUOUS


class TestBothFuels:
    def query(self, text: str) -> AddressQuery:
        return AddressQuery(parse_postcode(POSTCODE), text)

    def test_a_uprn_matched_on_one_fuel_decides_the_other(self) -> None:
        power = [lines("E1", "FLAT 1", "5 PARK RD", uprn="100"), lines("E2", "FLAT 2", "5 PARK RD")]
        # Gas holds the flats by building name only, which the customer did not type.
        gas = [
            fields(
                "G1",
                uprn="100",
                sub_building="Flat 1",
                building_name="Wellington House",
                street="Park Road",
            ),
            fields(
                "G2",
                uprn="200",
                sub_building="Flat 2",
                building_name="Wellington House",
                street="Park Road",
            ),
        ]
        alone = match("Flat 1, 5 Park Road", gas)
        assert (alone.outcome, alone.decided_by) == (MatchOutcome.AMBIGUOUS, DecidedBy.NOT_ELIGIBLE)
        both = match_fuels(self.query("Flat 1, 5 Park Road"), power, gas)
        assert both.electricity is not None
        assert both.gas is not None
        assert both.electricity.matched == ("E1",)
        assert (both.gas.decided_by, both.gas.matched) == (DecidedBy.OTHER_FUEL_UPRN, ("G1",))

    def test_two_automatic_matches_with_different_uprns_both_go_to_a_person(self) -> None:
        power = [lines("E", "12 HIGH ST", uprn="100")]
        gas = [fields("G", uprn="200", building_number="12", street="High Street")]
        both = match_fuels(self.query("12 High Street"), power, gas)
        for result in (both.electricity, both.gas):
            assert result is not None
            assert (result.outcome, result.decided_by) == (
                MatchOutcome.AMBIGUOUS,
                DecidedBy.FUELS_DISAGREE,
            )
            assert result.matched == ()

    def test_a_fuel_not_asked_for_has_no_result(self) -> None:
        both = match_fuels(self.query("12 High Street"), [lines("E", "12 HIGH ST")], None)
        assert both.gas is None
        assert both.electricity is not None
        assert both.electricity.matched == ("E",)
