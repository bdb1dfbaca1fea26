"""The bodies of `switching market generate` and `switching market serve`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import typer

from config import Settings
from domain.identifiers import InvalidIdentifier, parse_mpid
from ops.errors import InvalidInput, OperationError
from simulator.market.generate import MarketSpec, generate
from simulator.market.records import MarketHeader, Premises, write_market

#: Progress is reported every this many premises.
PROGRESS_EVERY = 5000


@dataclass(frozen=True)
class Generated:
    path: Path
    premises: int
    postcodes: int
    electricity: int
    gas: int
    ours: int

    def describe(self) -> str:
        return (
            f"wrote {self.path}: {self.premises} premises in {self.postcodes} postcodes, "
            f"{self.electricity} electricity and {self.gas} gas meter points "
            f"({self.ours} of them ours)"
        )


class _Tally:
    def __init__(self, ours: str, say: Callable[[str], None]) -> None:
        self.ours_id, self.say = ours, say
        self.postcodes: set[str] = set()
        self.electricity = self.gas = self.ours = 0

    def counting(self, items: Iterator[Premises]) -> Iterator[Premises]:
        for index, item in enumerate(items, start=1):
            self.postcodes.add(item.postcode)
            self.electricity += len(item.electricity)
            self.gas += len(item.gas)
            suppliers = [p.supplier_id for p in item.electricity] + [
                g.supplier_id for g in item.gas
            ]
            self.ours += suppliers.count(self.ours_id)
            if index % PROGRESS_EVERY == 0:
                self.say(f"... {index} premises")
            yield item


def generate_market(spec: MarketSpec, out: Path, say: Callable[[str], None]) -> Generated:
    """Write the market file for `spec` to `out` (replaced whole), reporting progress."""
    parse_mpid(spec.our_supplier_id)
    out.parent.mkdir(parents=True, exist_ok=True)
    tally = _Tally(spec.our_supplier_id, say)
    header = MarketHeader(spec.seed, spec.premises, spec.our_supplier_id)
    written = write_market(out, header, tally.counting(generate(spec)))
    return Generated(out, written, len(tally.postcodes), tally.electricity, tally.gas, tally.ours)


def ensure_market(path: Path, spec: MarketSpec, say: Callable[[str], None]) -> bool:
    """Generate the market at `path` unless a file is already there; True when generated."""
    if path.is_file():
        return False
    say(generate_market(spec, path, say).describe())
    return True


def generate_command(premises: int, seed: int, out: Path, our_supplier_id: str | None) -> int:
    """The body of `switching market generate`."""
    ours = our_supplier_id or Settings.from_env().gaining_supplier_id
    try:
        result = generate_market(MarketSpec(premises, seed, ours), out, typer.echo)
    except InvalidIdentifier as error:
        raise InvalidInput(f"--our-supplier-id: {error}") from None
    except OSError as error:
        raise OperationError(f"cannot write {out}: {error}") from None
    typer.echo(result.describe())
    return 0
