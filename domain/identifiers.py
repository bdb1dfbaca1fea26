"""Meter point and market participant identifiers: parsing, normalising, checking.

Every parser accepts the forms people actually type or copy from a bill (spaces, hyphens,
the two printed lines of a full MPAN) and returns a typed value holding only the
normalised characters. Anything else is refused with an `InvalidIdentifier` that says
exactly what is wrong; positions in messages are 1-based and count only the characters
that remain once separators are removed, i.e. positions within the identifier itself.

The MPAN core's first two digits are its distributor id: 10 to 23 are the distribution
network operators (one per GSP group), 24 to 36 the independent ones; no other value is
issued. The full MPAN's top line is the profile class (00 to 08), the meter timeswitch code
(001 to 999) and the line loss factor class (three letters or digits).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.errors import DomainError

_DIGITS = frozenset("0123456789")
_MPID_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_LLFC_CHARACTERS = _MPID_CHARACTERS
_MPAN_CORE_WEIGHTS = (3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43)
MPAN_CORE_LENGTH = 13
FULL_MPAN_LENGTH = 21
MPRN_MIN_LENGTH = 6
MPRN_MAX_LENGTH = 10
MPID_LENGTH = 4
TOP_LINE_LENGTH = 8
#: Distributor ids of the DNOs (one per GSP group) and of the IDNOs.
DNO_DISTRIBUTOR_IDS = range(10, 24)
IDNO_DISTRIBUTOR_IDS = range(24, 37)
PROFILE_CLASSES = range(9)
METER_TIMESWITCH_CODES = range(1, 1000)


class Fuel(StrEnum):
    ELECTRICITY = "ELECTRICITY"
    GAS = "GAS"


class MarketSector(StrEnum):
    DOMESTIC = "D"
    NON_DOMESTIC = "N"


class IdentifierKind(StrEnum):
    """The identifiers a person can ask us to check, as named on the command line."""

    MPAN = "mpan"
    MPRN = "mprn"
    MPID = "mpid"


class InvalidIdentifier(DomainError):
    """An identifier was refused; the message names the identifier and the exact fault."""


@dataclass(frozen=True)
class MpanCore:
    """The 13-digit MPAN core: the electricity meter point's identity in CSS."""

    value: str

    def __post_init__(self) -> None:
        _check_mpan_core(self.value, "MPAN core")

    @property
    def distributor_id(self) -> str:
        return self.value[:2]

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Mpan:
    """A full 21-digit MPAN: the supplementary top line followed by the core."""

    profile_class: str
    meter_timeswitch_code: str
    line_loss_factor_class: str
    core: MpanCore

    def __post_init__(self) -> None:
        _require_number_in(self.profile_class, 2, PROFILE_CLASSES, "MPAN profile class")
        _require_number_in(
            self.meter_timeswitch_code, 3, METER_TIMESWITCH_CODES, "MPAN meter timeswitch code"
        )
        _check_line_loss_factor_class(self.line_loss_factor_class)

    def __str__(self) -> str:
        return (
            f"{self.profile_class}{self.meter_timeswitch_code}"
            f"{self.line_loss_factor_class}{self.core}"
        )


@dataclass(frozen=True)
class Mprn:
    """A gas Meter Point Reference Number (6 to 10 digits, the last two a check)."""

    value: str

    def __post_init__(self) -> None:
        _check_mprn(self.value)

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Mpid:
    """A Market Participant Id: the 4-character code of a supplier or other party."""

    value: str

    def __post_init__(self) -> None:
        _check_mpid(self.value)

    def __str__(self) -> str:
        return self.value


def mpan_core_check_digit(first_twelve: str) -> int:
    """The 13th digit of an MPAN core, computed from its first 12.

    The final mod 10 folds residues 0 and 10 into the same digit, so a single-digit error
    that moves the residue between them goes unnoticed; that is the industry rule, kept.
    """
    total = sum(int(d) * w for d, w in zip(first_twelve, _MPAN_CORE_WEIGHTS, strict=True))
    return total % 11 % 10


def mprn_check_digits(body: str) -> str:
    """The two trailing check digits of an MPRN, computed from the digits before them.

    Digit i (0-based) of a body of length n is weighted n - i; the weighted sum modulo 11
    is written as two digits ("00" to "10"). Kept in this one function so that, should the
    published rule turn out to differ, it changes in one place.
    """
    n = len(body)
    total = sum(int(d) * (n - i) for i, d in enumerate(body))
    return f"{total % 11:02d}"


def parse_mpan_core(text: str) -> MpanCore:
    return MpanCore(_compact(text, "MPAN core"))


def parse_mpan(text: str) -> Mpan:
    """Parse a full 21-character MPAN, as printed on one line or on the two lines of a bill.

    The line loss factor class may be typed in lower case; it is kept in upper case.
    """
    compact = _compact(_drop_supplementary_marker(text), "MPAN")
    if len(compact) != FULL_MPAN_LENGTH:
        raise InvalidIdentifier(
            f"MPAN must be {FULL_MPAN_LENGTH} characters ({TOP_LINE_LENGTH} of top line and "
            f"{MPAN_CORE_LENGTH} of core), got {len(compact)}"
        )
    return _split_full_mpan(compact)


def parse_mpan_or_core(text: str) -> Mpan | MpanCore:
    """Parse either a 13-digit MPAN core or a full 21-character MPAN, told apart by length."""
    compact = _compact(_drop_supplementary_marker(text), "MPAN")
    if len(compact) == MPAN_CORE_LENGTH:
        return MpanCore(compact)
    if len(compact) == FULL_MPAN_LENGTH:
        return _split_full_mpan(compact)
    raise InvalidIdentifier(
        f"MPAN must be {MPAN_CORE_LENGTH} digits (core) or {FULL_MPAN_LENGTH} characters "
        f"(full), got {len(compact)}"
    )


def parse_mprn(text: str) -> Mprn:
    return Mprn(_compact(text, "MPRN"))


def parse_mpid(text: str) -> Mpid:
    return Mpid(_compact(text, "MPID").upper())


def parse_mpxn(text: str, fuel: Fuel) -> MpanCore | Mprn:
    """The meter point identifier CSS keys a switch on: MPAN core for power, MPRN for gas."""
    if fuel is Fuel.ELECTRICITY:
        return parse_mpan_core(text)
    return parse_mprn(text)


def parse_identifier(kind: IdentifierKind, text: str) -> MpanCore | Mpan | Mprn | Mpid:
    """Parse any identifier by kind; an MPAN may be a 13-digit core or a full 21 digits."""
    if kind is IdentifierKind.MPAN:
        return parse_mpan_or_core(text)
    if kind is IdentifierKind.MPRN:
        return parse_mprn(text)
    return parse_mpid(text)


def _compact(text: str, what: str) -> str:
    # Separators people type or copy from bills; anything else is kept so the check
    # below can name it rather than silently discarding it.
    compact = "".join(ch for ch in text if not ch.isspace() and ch != "-")
    if not compact:
        raise InvalidIdentifier(f"{what} is empty")
    return compact


def _drop_supplementary_marker(text: str) -> str:
    # Bills print the full MPAN in a box headed by a lone "S"; accept it as a label.
    stripped = text.lstrip()
    if len(stripped) > 1 and stripped[0] in "Ss" and stripped[1].isspace():
        return stripped[1:]
    return text


def _require_only_digits(value: str, what: str) -> None:
    for position, ch in enumerate(value, start=1):
        if ch not in _DIGITS:
            raise InvalidIdentifier(f"{what} has a non-digit {ch!r} at position {position}")


def _require_digits(value: str, length: int, what: str) -> None:
    _require_only_digits(value, what)
    if len(value) != length:
        raise InvalidIdentifier(f"{what} must be {length} digits, got {len(value)}")


def _require_number_in(value: str, length: int, allowed: range, what: str) -> None:
    _require_digits(value, length, what)
    if int(value) not in allowed:
        low, high = f"{allowed[0]:0{length}d}", f"{allowed[-1]:0{length}d}"
        raise InvalidIdentifier(f"{what} {value} is not valid ({low} to {high})")


def _check_line_loss_factor_class(value: str) -> None:
    what = "MPAN line loss factor class"
    for position, ch in enumerate(value, start=1):
        if ch not in _LLFC_CHARACTERS:
            raise InvalidIdentifier(
                f"{what} has an invalid character {ch!r} at position {position} "
                "(only upper-case letters and digits)"
            )
    if len(value) != 3:
        raise InvalidIdentifier(f"{what} must be 3 characters, got {len(value)}")


def _check_distributor_id(value: str, what: str) -> None:
    distributor = int(value[:2])
    if distributor not in DNO_DISTRIBUTOR_IDS and distributor not in IDNO_DISTRIBUTOR_IDS:
        raise InvalidIdentifier(
            f"{what} distributor id {value[:2]} is not valid (10 to 23 are the distribution "
            "network operators, 24 to 36 the independent ones)"
        )


def _check_mpan_core(value: str, what: str) -> None:
    _require_digits(value, MPAN_CORE_LENGTH, what)
    _check_distributor_id(value, what)
    expected = mpan_core_check_digit(value[:12])
    if int(value[12]) != expected:
        raise InvalidIdentifier(
            f"{what} check digit is wrong: expected {expected}, got {value[12]}"
        )


def _split_full_mpan(compact: str) -> Mpan:
    return Mpan(
        profile_class=compact[0:2],
        meter_timeswitch_code=compact[2:5],
        line_loss_factor_class=compact[5:8].upper(),
        core=MpanCore(compact[8:]),
    )


def _check_mprn(value: str) -> None:
    _require_only_digits(value, "MPRN")
    if not MPRN_MIN_LENGTH <= len(value) <= MPRN_MAX_LENGTH:
        raise InvalidIdentifier(
            f"MPRN must be {MPRN_MIN_LENGTH} to {MPRN_MAX_LENGTH} digits, got {len(value)}"
        )
    expected = mprn_check_digits(value[:-2])
    if value[-2:] != expected:
        raise InvalidIdentifier(
            f"MPRN check digits are wrong: expected {expected}, got {value[-2:]}"
        )


def _check_mpid(value: str) -> None:
    for position, ch in enumerate(value, start=1):
        if ch not in _MPID_CHARACTERS:
            raise InvalidIdentifier(
                f"MPID has an invalid character {ch!r} at position {position} "
                "(only upper-case letters and digits)"
            )
    if len(value) != MPID_LENGTH:
        raise InvalidIdentifier(f"MPID must be {MPID_LENGTH} characters, got {len(value)}")
