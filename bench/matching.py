"""Address matching quality and speed, on a generated market and labelled signup addresses.

Quality: every labelled address is matched against each fuel's records for its postcode,
read through the same functions the enquiry clients use, with both fuels reconciled
(`match_fuels`), and graded per fuel:

- precision of automatic matches: matched to exactly the premises' meter points
  (a customer asking for gas where the premises has none must get no match);
- automatic matches on addresses the text cannot decide (should be 0);
- share of decidable addresses matched automatically and correctly (coverage);
- share sent to review (AMBIGUOUS or NOT_FOUND).

Speed: fuel lookups a second in process (matching alone), and addresses a second through
both simulated services over HTTPS with mutual TLS (search by postcode on both, then the
match), several in flight.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.report import BenchResult, Say, machine, print_setup, table
from bench.typed_addresses import TypedAddress, typed_addresses
from css.pki import init_pki
from domain.matching import AddressQuery, Candidate, MatchOutcome, MatchResult
from domain.matching_fuels import match_fuels
from domain.postcode import parse_postcode
from enquiry import addresses
from enquiry.clients import EnquiryClients
from enquiry.lookup import FuelChoice, look_up
from simulator.enquiry.server import EnquiryConfig, running_enquiry_services
from simulator.market import Market, MarketHeader, MarketSpec, Premises, generate

TARGETS = {"precision": 0.999, "undecidable_auto": 0, "decidable_auto": 0.95}


@dataclass(frozen=True)
class MatchingOptions:
    premises: int = 20_000
    addresses: int = 10_000
    seed: int = 7
    wire_addresses: int = 300
    wire_concurrency: int = 8

    def __post_init__(self) -> None:
        if self.premises < 1 or self.addresses < 1 or self.wire_concurrency < 1:
            raise ValueError("premises, addresses and concurrency must be at least 1")
        if self.wire_addresses < 0:
            raise ValueError("wire addresses must not be negative")


@dataclass
class _Grade:
    lookups: int = 0
    auto: int = 0
    wrong: int = 0
    auto_undecidable: int = 0
    decidable: int = 0
    decidable_right: int = 0
    review: int = 0

    def add(self, result: MatchResult, truth: set[str], typed: TypedAddress) -> None:
        self.lookups += 1
        matched = result.outcome is MatchOutcome.MATCHED
        right = matched and set(result.matched) == truth
        self.auto += matched
        self.wrong += matched and not right
        self.review += not matched
        self.auto_undecidable += matched and not typed.decidable
        if typed.decidable and truth:
            self.decidable += 1
            self.decidable_right += right

    def row(self, fuel: str) -> dict[str, Any]:
        return {
            "fuel": fuel,
            "lookups": self.lookups,
            "auto": self.auto,
            "wrong": self.wrong,
            "precision": (self.auto - self.wrong) / self.auto if self.auto else None,
            "auto_on_undecidable": self.auto_undecidable,
            "decidable": self.decidable,
            "decidable_auto": self.decidable_right / self.decidable if self.decidable else None,
            "review_share": self.review / self.lookups if self.lookups else None,
        }


def _candidates(market: Market, postcode: str) -> tuple[list[Candidate], list[Candidate]]:
    power = [
        Candidate(p.mpan, addresses.electricity_address(p.address), p.related_mpans)
        for p in market.electricity_at(postcode)
    ]
    gas = [Candidate(p.mprn, addresses.gas_address(p.address)) for p in market.gas_at(postcode)]
    return power, gas


def grade_quality(market: Market, typed: list[TypedAddress]) -> tuple[list[dict[str, Any]], float]:
    """Rows per fuel and in all; and fuel lookups a second (matching only)."""
    power, gas, both = _Grade(), _Grade(), _Grade()
    by_uprn = {item.uprn: item for item in market.premises}
    blocks = {t.postcode: _candidates(market, t.postcode) for t in typed}
    started = time.perf_counter()
    results = []
    for address in typed:
        query = AddressQuery(parse_postcode(address.postcode), address.text)
        results.append(match_fuels(query, *blocks[address.postcode]))
    elapsed = time.perf_counter() - started
    for address, found in zip(typed, results, strict=True):
        item: Premises = by_uprn[address.uprn]
        assert found.electricity is not None
        assert found.gas is not None
        for grade, result, truth in (
            (power, found.electricity, {p.mpan for p in item.electricity}),
            (gas, found.gas, {p.mprn for p in item.gas}),
        ):
            grade.add(result, truth, address)
            both.add(result, truth, address)
    rows = [power.row("electricity"), gas.row("gas"), both.row("both")]
    return rows, 2 * len(typed) / elapsed


async def _through_services(
    market: Market, typed: list[TypedAddress], concurrency: int
) -> tuple[float, int]:
    """Addresses a second through both services (HTTPS, mutual TLS), and how many matched."""
    pki = init_pki(Path(tempfile.mkdtemp(prefix="bench-matching-pki-")))
    config = EnquiryConfig(pki.root, market, electricity_port=0, gas_port=0)
    async with running_enquiry_services(config) as running:
        clients = await EnquiryClients.connect(running.electricity_url, running.gas_url, pki.root)
        gate = asyncio.Semaphore(concurrency)
        matched = Counter[bool]()

        async def one(address: TypedAddress) -> None:
            query = AddressQuery(parse_postcode(address.postcode), address.text)
            async with gate:
                found = await look_up(query, FuelChoice.BOTH, clients.electricity, clients.gas)
            matched[found.electricity is not None and found.electricity.matched != ()] += 1

        try:
            started = time.perf_counter()
            await asyncio.gather(*(one(t) for t in typed))
            elapsed = time.perf_counter() - started
        finally:
            await clients.aclose()
    return len(typed) / elapsed, matched[True]


def _print(say: Say, rows: list[dict[str, Any]]) -> None:
    columns = [
        "fuel",
        "lookups",
        "auto",
        "wrong",
        "precision",
        "auto_on_undecidable",
        "decidable",
        "decidable_auto",
        "review_share",
    ]
    shown = [
        {k: (f"{v:.2%}" if isinstance(v, float) else v) for k, v in row.items()} for row in rows
    ]
    for line in table(shown, columns):
        say(line)


async def run_matching(options: MatchingOptions, say: Say) -> BenchResult:
    rng = random.Random(options.seed)
    spec = MarketSpec(options.premises, options.seed)
    market = Market(MarketHeader(spec.seed, spec.premises, spec.our_supplier_id), generate(spec))
    typed = typed_addresses(rng, market.premises, options.addresses)
    ways = Counter(t.way for t in typed)
    setup = {
        **machine(),
        "market": f"{len(market.premises)} premises in "
        f"{len({p.postcode for p in market.premises})} postcodes, seed {options.seed}",
        "addresses": f"{len(typed)} typed addresses, {sum(t.decidable for t in typed)} decidable "
        f"by their text; ways: " + ", ".join(f"{w} {n}" for w, n in ways.most_common()),
        "matching": "per fuel, both fuels asked for every address, reconciled by UPRN",
        "wire": f"{options.wire_addresses} addresses through both simulated services over "
        f"HTTPS + mutual TLS on loopback, {options.wire_concurrency} in flight, no rate limit",
    }
    print_setup(say, setup)
    rows, per_second = grade_quality(market, typed)
    _print(say, rows)
    wire_rate, wire_matched = 0.0, 0
    if options.wire_addresses:
        sample = typed[: options.wire_addresses]
        wire_rate, wire_matched = await _through_services(market, sample, options.wire_concurrency)
    total = rows[2]
    summary = {
        "precision": total["precision"],
        "auto_on_undecidable": total["auto_on_undecidable"],
        "decidable_auto": total["decidable_auto"],
        "review_share": total["review_share"],
        "lookups_per_s_in_process": round(per_second, 1),
        "addresses_per_s_through_services": round(wire_rate, 1),
        "wire_electricity_matched": wire_matched,
        "targets": TARGETS,
    }
    say(
        f"fuel lookups/s in process: {per_second:,.0f}; addresses/s through both services: "
        f"{wire_rate:,.1f} (each address = 2 searches over HTTPS + matching)"
    )
    return BenchResult("matching", setup, rows, summary)
