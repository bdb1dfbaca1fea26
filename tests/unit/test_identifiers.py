"""MPAN, MPRN and MPID parsing: normalisation, precise refusals, check-digit strength."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli import app
from domain.errors import DomainError
from domain.identifiers import (
    Fuel,
    InvalidIdentifier,
    MarketSector,
    Mpan,
    MpanCore,
    Mpid,
    Mprn,
    mpan_core_check_digit,
    mprn_check_digits,
    parse_mpan,
    parse_mpan_core,
    parse_mpan_or_core,
    parse_mpid,
    parse_mprn,
    parse_mpxn,
)

_WEIGHTS = (3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43)


def digit_strings(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=min_size, max_size=max_size)


distributor_ids = st.integers(min_value=10, max_value=36).map(str)
valid_cores = st.builds(lambda head, body: head + body, distributor_ids, digit_strings(10, 10)).map(
    lambda twelve: twelve + str(mpan_core_check_digit(twelve))
)
valid_mprns = digit_strings(4, 8).map(lambda body: body + mprn_check_digits(body))


@st.composite
def grouped(draw: st.DrawFn, digits: str) -> str:
    """The digits with spaces, hyphens or line breaks between arbitrary characters."""
    separators = st.sampled_from(["", "", " ", "-", "  ", "\n", "\t"])
    return "".join(ch + draw(separators) for ch in digits)


def with_digit_changed(value: str, position: int, digit: str) -> str:
    return value[:position] + digit + value[position + 1 :]


class TestEnums:
    def test_wire_values(self) -> None:
        assert Fuel.ELECTRICITY == "ELECTRICITY"
        assert Fuel.GAS == "GAS"
        assert MarketSector.DOMESTIC == "D"
        assert MarketSector.NON_DOMESTIC == "N"


class TestMpanCore:
    def test_published_example_is_valid(self) -> None:
        core = parse_mpan_core("1312345678907")
        assert core == MpanCore("1312345678907")
        assert str(core) == "1312345678907"
        assert core.distributor_id == "13"

    @pytest.mark.parametrize(
        "text", ["13 1234 5678 907", "13-1234-5678-907", " 1312345678907\n", "13\t1234 5678-907"]
    )
    def test_printed_groupings_are_normalised(self, text: str) -> None:
        assert str(parse_mpan_core(text)) == "1312345678907"

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("131234567890", "MPAN core must be 13 digits, got 12"),
            ("13123456789071", "MPAN core must be 13 digits, got 14"),
            ("1312x45678907", "MPAN core has a non-digit 'x' at position 5"),
            ("13 12x4 5678 907", "MPAN core has a non-digit 'x' at position 5"),
            ("131234567890\u0667", "MPAN core has a non-digit '\u0667' at position 13"),
            ("1312345678903", "MPAN core check digit is wrong: expected 7, got 3"),
            ("  - ", "MPAN core is empty"),
            (
                "9912345678901",
                "MPAN core distributor id 99 is not valid (10 to 23 are the distribution "
                "network operators, 24 to 36 the independent ones)",
            ),
        ],
    )
    def test_refusals_say_exactly_what_is_wrong(self, text: str, message: str) -> None:
        with pytest.raises(InvalidIdentifier) as caught:
            parse_mpan_core(text)
        assert str(caught.value) == message

    def test_refusal_is_a_domain_error_and_a_value_error(self) -> None:
        with pytest.raises(DomainError):
            parse_mpan_core("0")
        assert issubclass(InvalidIdentifier, ValueError)

    def test_an_invalid_value_cannot_be_constructed_directly(self) -> None:
        with pytest.raises(InvalidIdentifier, match="check digit is wrong"):
            MpanCore("1312345678903")

    def test_values_are_frozen(self) -> None:
        core = parse_mpan_core("1312345678907")
        with pytest.raises(dataclasses.FrozenInstanceError):
            core.value = "0"  # type: ignore[misc]

    def test_the_mod_10_fold_is_a_known_blind_spot(self) -> None:
        # Residues 0 and 10 both write check digit 0, so a change that moves the weighted
        # sum between them keeps the core valid: two different valid cores, one digit apart.
        assert parse_mpan_core("1329141777630") != parse_mpan_core("1324141777630")

    @given(core=valid_cores, data=st.data())
    def test_any_grouping_of_a_valid_core_parses_to_the_digits(
        self, core: str, data: st.DataObject
    ) -> None:
        assert str(parse_mpan_core(data.draw(grouped(core)))) == core

    @given(
        core=valid_cores,
        position=st.integers(min_value=2, max_value=12),
        digit=st.sampled_from("0123456789"),
    )
    def test_changing_any_single_digit_invalidates_it_outside_the_blind_spot(
        self, core: str, position: int, digit: str
    ) -> None:
        assume(core[position] != digit)
        changed = with_digit_changed(core, position, digit)
        before = sum(int(d) * w for d, w in zip(core[:12], _WEIGHTS, strict=True)) % 11
        after = sum(int(d) * w for d, w in zip(changed[:12], _WEIGHTS, strict=True)) % 11
        if position < 12:
            # Every weight is non-zero mod 11 (a prime), so the residue always moves.
            assert before != after
        assume({before, after} != {0, 10})
        with pytest.raises(InvalidIdentifier, match="check digit is wrong"):
            parse_mpan_core(changed)


class TestFullMpan:
    def test_one_line_print_is_split_into_its_parts(self) -> None:
        mpan = parse_mpan("00 801 123 13 1234 5678 907")
        assert mpan == Mpan("00", "801", "123", MpanCore("1312345678907"))
        assert str(mpan) == "008011231312345678907"

    def test_two_line_print_with_the_s_label(self) -> None:
        mpan = parse_mpan("S 00 801 123\n13 1234 5678 907\n")
        assert str(mpan) == "008011231312345678907"
        assert mpan.core == parse_mpan_core("1312345678907")

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            (
                "1312345678907",
                "MPAN must be 21 characters (8 of top line and 13 of core), got 13",
            ),
            ("0x 801 123 13 1234 5678 907", "MPAN profile class has a non-digit 'x' at position 2"),
            ("09 801 123 13 1234 5678 907", "MPAN profile class 09 is not valid (00 to 08)"),
            (
                "00 000 123 13 1234 5678 907",
                "MPAN meter timeswitch code 000 is not valid (001 to 999)",
            ),
            (
                "00 8a1 123 13 1234 5678 907",
                "MPAN meter timeswitch code has a non-digit 'a' at position 2",
            ),
            (
                "00 801 1!3 13 1234 5678 907",
                "MPAN line loss factor class has an invalid character '!' at position 2 "
                "(only upper-case letters and digits)",
            ),
            ("00 801 123 13 1234 5678 903", "MPAN core check digit is wrong: expected 7, got 3"),
            ("00 801 123 40 1234 5678 907", "MPAN core distributor id 40 is not valid"),
        ],
    )
    def test_refusals(self, text: str, message: str) -> None:
        with pytest.raises(InvalidIdentifier) as caught:
            parse_mpan(text)
        assert str(caught.value).startswith(message)

    def test_top_line_parts_are_checked_on_construction(self) -> None:
        with pytest.raises(InvalidIdentifier, match="profile class must be 2 digits, got 1"):
            Mpan("0", "801", "123", MpanCore("1312345678907"))
        with pytest.raises(InvalidIdentifier, match="invalid character 'a' at position 1"):
            Mpan("00", "801", "a23", MpanCore("1312345678907"))

    def test_line_loss_factor_class_takes_letters_and_is_kept_upper_case(self) -> None:
        mpan = parse_mpan("05 845 a2b 13 1234 5678 907")
        assert mpan == Mpan("05", "845", "A2B", MpanCore("1312345678907"))
        assert str(mpan) == "05845A2B1312345678907"
        assert parse_mpan("S 00 801 XYZ\n13 1234 5678 907").line_loss_factor_class == "XYZ"

    @pytest.mark.parametrize(
        ("profile_class", "code"), [("00", "001"), ("08", "999"), ("03", "500")]
    )
    def test_top_line_bounds_are_accepted(self, profile_class: str, code: str) -> None:
        text = f"{profile_class}{code}1231312345678907"
        assert str(parse_mpan(text)) == text

    @given(
        profile_class=st.integers(0, 8),
        code=st.integers(1, 999),
        llfc=st.text(
            alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            min_size=3,
            max_size=3,
        ),
        core=valid_cores,
    )
    def test_every_valid_top_line_parses_and_keeps_its_parts(
        self, profile_class: int, code: int, llfc: str, core: str
    ) -> None:
        text = f"{profile_class:02d} {code:03d} {llfc} {core}"
        mpan = parse_mpan(text)
        assert (mpan.profile_class, mpan.meter_timeswitch_code) == (
            f"{profile_class:02d}",
            f"{code:03d}",
        )
        assert mpan.line_loss_factor_class == llfc.upper()
        assert str(mpan) == f"{profile_class:02d}{code:03d}{llfc.upper()}{core}"
        assert parse_mpan_or_core(text) == mpan

    @given(profile_class=st.integers(10, 99), core=valid_cores)
    def test_profile_classes_above_08_are_refused(self, profile_class: int, core: str) -> None:
        with pytest.raises(InvalidIdentifier, match=f"profile class {profile_class} is not valid"):
            parse_mpan(f"{profile_class}801123{core}")

    @given(core=valid_cores)
    def test_every_dno_and_idno_distributor_id_is_accepted(self, core: str) -> None:
        assert 10 <= int(parse_mpan_core(core).distributor_id) <= 36

    @pytest.mark.parametrize("distributor", ["00", "09", "37", "50", "98", "99"])
    def test_other_distributor_ids_are_refused_and_named(self, distributor: str) -> None:
        twelve = distributor + "1234567890"
        core = twelve + str(mpan_core_check_digit(twelve))
        with pytest.raises(InvalidIdentifier, match=f"distributor id {distributor} is not valid"):
            parse_mpan_core(core)
        with pytest.raises(InvalidIdentifier, match=f"distributor id {distributor} is not valid"):
            parse_mpxn(core, Fuel.ELECTRICITY)

    def test_core_or_full_is_told_apart_by_length(self) -> None:
        assert parse_mpan_or_core("13 1234 5678 907") == MpanCore("1312345678907")
        assert isinstance(parse_mpan_or_core("00 801 123 13 1234 5678 907"), Mpan)
        with pytest.raises(
            InvalidIdentifier, match=r"13 digits \(core\) or 21 characters \(full\), got 15"
        ):
            parse_mpan_or_core("001312345678907")


class TestMprn:
    def test_published_example_is_valid(self) -> None:
        assert str(parse_mprn("3938424403")) == "3938424403"
        assert mprn_check_digits("39384244") == "03"

    def test_shortest_and_groupings(self) -> None:
        # 1*4 + 2*3 + 3*2 + 4*1 = 20, and 20 mod 11 = 9.
        assert parse_mprn("123409") == Mprn("123409")
        assert str(parse_mprn("39 3842 4403")) == "3938424403"
        assert str(parse_mprn("393-842-4403")) == "3938424403"

    def test_check_value_ten_is_written_as_two_digits(self) -> None:
        # 5*4 + 0*3 + 0*2 + 1*1 = 21, and 21 mod 11 = 10.
        assert mprn_check_digits("5001") == "10"
        assert str(parse_mprn("500110")) == "500110"

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("12340", "MPRN must be 6 to 10 digits, got 5"),
            ("39384244031", "MPRN must be 6 to 10 digits, got 11"),
            ("3938x24403", "MPRN has a non-digit 'x' at position 5"),
            ("3938424404", "MPRN check digits are wrong: expected 03, got 04"),
            ("", "MPRN is empty"),
        ],
    )
    def test_refusals(self, text: str, message: str) -> None:
        with pytest.raises(InvalidIdentifier) as caught:
            parse_mprn(text)
        assert str(caught.value) == message

    @given(mprn=valid_mprns, data=st.data())
    def test_any_grouping_of_a_valid_mprn_parses_to_the_digits(
        self, mprn: str, data: st.DataObject
    ) -> None:
        assert str(parse_mprn(data.draw(grouped(mprn)))) == mprn

    @given(mprn=valid_mprns, data=st.data())
    def test_changing_any_single_digit_always_invalidates_it(
        self, mprn: str, data: st.DataObject
    ) -> None:
        # Guaranteed: body weights are 1..8, all non-zero mod 11, and the two check digits
        # spell out all 11 residues distinctly, so no single change can go unnoticed.
        position = data.draw(st.integers(min_value=0, max_value=len(mprn) - 1))
        digit = data.draw(st.sampled_from("0123456789").filter(lambda d: d != mprn[position]))
        with pytest.raises(InvalidIdentifier, match="check digits are wrong"):
            parse_mprn(with_digit_changed(mprn, position, digit))


class TestMpid:
    @pytest.mark.parametrize(("text", "expected"), [("ABC1", "ABC1"), (" abc1 ", "ABC1")])
    def test_normalised_to_upper_case(self, text: str, expected: str) -> None:
        assert parse_mpid(text) == Mpid(expected)
        assert str(parse_mpid(text)) == expected

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("ABC", "MPID must be 4 characters, got 3"),
            ("ABCDE", "MPID must be 4 characters, got 5"),
            ("AB!1", "MPID has an invalid character '!' at position 3"),
            ("\u00c9DFE", "MPID has an invalid character '\u00c9' at position 1"),
        ],
    )
    def test_refusals(self, text: str, message: str) -> None:
        with pytest.raises(InvalidIdentifier) as caught:
            parse_mpid(text)
        assert str(caught.value).startswith(message)


class TestMpxn:
    def test_fuel_chooses_the_identifier(self) -> None:
        assert parse_mpxn("1312345678907", Fuel.ELECTRICITY) == MpanCore("1312345678907")
        assert parse_mpxn("3938424403", Fuel.GAS) == Mprn("3938424403")

    def test_an_mpan_core_is_not_an_mprn(self) -> None:
        with pytest.raises(InvalidIdentifier, match="MPRN must be 6 to 10 digits, got 13"):
            parse_mpxn("1312345678907", Fuel.GAS)


class TestValidateCommand:
    runner = CliRunner()

    @pytest.mark.parametrize(
        ("args", "printed"),
        [
            (["mpan", "1312345678907"], "1312345678907"),
            (["mpan", "13", "1234", "5678", "907"], "1312345678907"),
            (["mpan", "S 00 801 123\n13 1234 5678 907"], "008011231312345678907"),
            (["mpan", "S 05 845 l2b\n13 1234 5678 907"], "05845L2B1312345678907"),
            (["mprn", "3938 424 403"], "3938424403"),
            (["mpid", "abc1"], "ABC1"),
        ],
    )
    def test_prints_the_normalised_value(self, args: list[str], printed: str) -> None:
        result = self.runner.invoke(app, ["validate", *args])
        assert result.exit_code == 0, result.output
        assert result.stdout == f"{printed}\n"

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["mpan", "1312345678903"], "MPAN core check digit is wrong: expected 7, got 3"),
            (["mpan", "1234"], "MPAN must be 13 digits (core) or 21 characters (full), got 4"),
            (
                ["mpan", "9912345678901"],
                "MPAN core distributor id 99 is not valid (10 to 23 are the distribution "
                "network operators, 24 to 36 the independent ones)",
            ),
            (["mpan", "09 801 123 1312345678907"], "MPAN profile class 09 is not valid (00 to 08)"),
            (["mprn", "3938424404"], "MPRN check digits are wrong: expected 03, got 04"),
        ],
    )
    def test_refuses_with_the_precise_message_and_exit_2(
        self, args: list[str], message: str
    ) -> None:
        result = self.runner.invoke(app, ["validate", *args])
        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr == f"error: {message}\n"
