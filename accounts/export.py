"""Billing's export of account facts: one JSON object a line, read strictly.

    {"mpxn": "1312345678907", "marketSector": "D", "arrearsPence": 12000,
     "oldestUnpaidDueDate": "2026-01-05", "fixedTermEndDate": null,
     "debtAssignmentAgreed": false}

Only `mpxn` and `marketSector` are required; a missing amount is 0, a missing date none,
a missing flag false. A line that cannot be true is refused with its number and field.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from domain.accounts import AccountFacts, InvalidAccountFacts
from domain.identifiers import MarketSector


class ExportError(ValueError):
    """The export is unreadable or a line is wrong; the message says where and why."""


def facts_to_json(facts: AccountFacts) -> dict[str, Any]:
    def day(value: date | None) -> str | None:
        return None if value is None else value.isoformat()

    return {
        "mpxn": facts.mpxn,
        "marketSector": facts.market_sector.value,
        "arrearsPence": facts.arrears_pence,
        "oldestUnpaidDueDate": day(facts.oldest_unpaid_due),
        "fixedTermEndDate": day(facts.fixed_term_end),
        "debtAssignmentAgreed": facts.debt_assignment_agreed,
    }


def facts_from_json(raw: Mapping[str, Any], where: str) -> AccountFacts:
    def field(name: str, kind: type, default: Any) -> Any:
        value = raw.get(name, default)
        if value is None:
            return None
        # JSON's true and false are ints to Python; a flag must be one and a number not.
        fits = isinstance(value, kind) and (kind is bool or not isinstance(value, bool))
        if not fits:
            raise ExportError(f"{where}: '{name}' must be a {kind.__name__}, got {value!r}")
        return value

    def day(name: str) -> date | None:
        value = field(name, str, None)
        try:
            return None if value is None else date.fromisoformat(value)
        except ValueError:
            raise ExportError(
                f"{where}: '{name}' must be a date YYYY-MM-DD, got {value!r}"
            ) from None

    mpxn = field("mpxn", str, None)
    sector = field("marketSector", str, None)
    if mpxn is None or sector is None:
        raise ExportError(f"{where}: 'mpxn' and 'marketSector' are required")
    if sector not in {member.value for member in MarketSector}:
        raise ExportError(f"{where}: 'marketSector' must be D or N, got {sector!r}")
    arrears = field("arrearsPence", int, 0) or 0
    oldest, term_end = day("oldestUnpaidDueDate"), day("fixedTermEndDate")
    assigned = bool(field("debtAssignmentAgreed", bool, False))
    try:
        return AccountFacts(mpxn, MarketSector(sector), arrears, oldest, term_end, assigned)
    except InvalidAccountFacts as error:
        raise ExportError(f"{where}: {error}") from None


def read_export(path: Path) -> Iterator[AccountFacts]:
    try:
        handle = path.open(encoding="utf-8")
    except OSError as error:
        raise ExportError(f"cannot read the accounts export {path}: {error.strerror}") from None
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                raw = json.loads(line)
            except ValueError as error:
                raise ExportError(f"{where}: not JSON ({error})") from None
            if not isinstance(raw, dict):
                raise ExportError(f"{where}: expected a JSON object")
            yield facts_from_json(raw, where)


def write_export(path: Path, facts: Iterable[AccountFacts]) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for item in facts:
            out.write(json.dumps(facts_to_json(item), separators=(",", ":")) + "\n")
            count += 1
    return count
