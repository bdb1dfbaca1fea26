"""UK postcodes: the format rules, one normal form, and refusals that say what is wrong.

A postcode is an outward code (area letters, district digits, sometimes a letter) and an
inward code (sector digit and unit letters). People type them in lower case, without the
space, with two spaces or a hyphen; `parse_postcode` accepts all of that and returns the
normal form `"LS6 2AB"`. Anything that cannot be a postcode is refused with an
`InvalidPostcode` naming the part at fault, because an address search on a mistyped
postcode would quietly find the wrong street.

The rules are Royal Mail's published format rules; they say whether a postcode *can*
exist, not whether it does (only the industry services can tell that).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.errors import DomainError

_OUTWARD_FORMATS = "A9, A99, AA9, AA99, A9A or AA9A"
_OUTWARD = re.compile(r"^([A-Z]{1,2})([0-9])([0-9]|[A-Z])?$")
_INWARD = re.compile(r"^[0-9][A-Z]{2}$")
_NOT_FIRST = frozenset("QVX")
_NOT_SECOND = frozenset("IJZ")
_THIRD_AFTER_ONE_LETTER = frozenset("ABCDEFGHJKPSTUW")  # A9A
_FOURTH_AFTER_TWO_LETTERS = frozenset("ABEHMNPRVWXY")  # AA9A
_NOT_INWARD = frozenset("CIKMOV")
_SEPARATORS = frozenset(" \t-")
#: The one postcode outside the rules, kept by Royal Mail for historical reasons.
_GIRO = "GIR0AA"


class InvalidPostcode(DomainError):
    """A postcode was refused; the message quotes it and names the rule it breaks."""


@dataclass(frozen=True, order=True)
class Postcode:
    """A postcode in normal form: upper case, one space before the inward code."""

    value: str

    def __post_init__(self) -> None:
        if parse_postcode(self.value).value != self.value:
            raise InvalidPostcode(f"postcode {self.value!r} is not in normal form")

    @property
    def outward(self) -> str:
        return self.value.split(" ")[0]

    @property
    def inward(self) -> str:
        return self.value.split(" ")[1]

    @property
    def area(self) -> str:
        """The one or two letters that start it (`LS`, `M`): the postcode area."""
        letters = _OUTWARD.match(self.outward) if self.value != "GIR 0AA" else None
        return letters.group(1) if letters else "GIR"

    def __str__(self) -> str:
        return self.value


def parse_postcode(text: str) -> Postcode:
    """The postcode in `text`, normalised; `InvalidPostcode` says exactly what is wrong."""
    compact = "".join(ch for ch in text if ch not in _SEPARATORS).upper()
    shown = text.strip()
    if not compact:
        raise InvalidPostcode("postcode is empty")
    for position, ch in enumerate(compact, start=1):
        if not ch.isascii() or not ch.isalnum():
            raise InvalidPostcode(
                f"postcode {shown!r} has an invalid character {ch!r} at position {position}"
            )
    if compact == _GIRO:
        return _normal(compact)
    if not 5 <= len(compact) <= 7:
        raise InvalidPostcode(
            f"postcode {shown!r} has {len(compact)} letters and digits; "
            "a UK postcode has 5 to 7 (e.g. 'M1 1AE', 'LS6 2AB', 'EC1A 1BB')"
        )
    outward, inward = compact[:-3], compact[-3:]
    _check_inward(shown, inward)
    _check_outward(shown, outward)
    return _normal(compact)


def _normal(compact: str) -> Postcode:
    value = f"{compact[:-3]} {compact[-3:]}"
    # Built without re-running the checks in __post_init__ (they are what just passed).
    postcode = object.__new__(Postcode)
    object.__setattr__(postcode, "value", value)
    return postcode


def _check_inward(shown: str, inward: str) -> None:
    if not _INWARD.match(inward):
        raise InvalidPostcode(
            f"postcode {shown!r}: the inward code (the last three) must be a digit and two "
            f"letters, got {inward!r}"
        )
    wrong = [ch for ch in inward[1:] if ch in _NOT_INWARD]
    if wrong:
        raise InvalidPostcode(
            f"postcode {shown!r}: the inward code never uses {wrong[0]!r} "
            "(C, I, K, M, O and V are not used there)"
        )


def _check_outward(shown: str, outward: str) -> None:
    match = _OUTWARD.match(outward)
    if match is None:
        raise InvalidPostcode(
            f"postcode {shown!r}: the outward code {outward!r} does not follow a UK format "
            f"({_OUTWARD_FORMATS})"
        )
    letters, _, last = match.groups()
    if letters[0] in _NOT_FIRST:
        raise InvalidPostcode(f"postcode {shown!r}: a postcode never starts with Q, V or X")
    if len(letters) == 2 and letters[1] in _NOT_SECOND:
        raise InvalidPostcode(
            f"postcode {shown!r}: the second letter is never I, J or Z, got {letters[1]!r}"
        )
    if last is not None and last.isalpha():
        allowed = _THIRD_AFTER_ONE_LETTER if len(letters) == 1 else _FOURTH_AFTER_TWO_LETTERS
        if last not in allowed:
            raise InvalidPostcode(
                f"postcode {shown!r}: {last!r} cannot end the outward code {outward!r} "
                f"(only {', '.join(sorted(allowed))} can)"
            )
