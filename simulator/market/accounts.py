"""Billing's facts for the meter points the simulated market says we supply (dev and tests).

The market file holds who supplies each meter point but nothing of billing; this derives
plausible account facts for ours, the same for the same market, seed and day: most
accounts are paid up, some owe a little recently, some owe more than 28 days overdue (a few
of those agreed to assign the debt), and many business accounts are on a fixed term. The
dev stack loads them into the accounts table, as a billing export would be.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from domain.accounts import AccountFacts
from domain.identifiers import MarketSector
from simulator.losses import OurMeterPoint, our_meter_points
from simulator.market.records import Market


def account_facts(market: Market, as_of: date, seed: int = 1) -> Iterator[AccountFacts]:
    """One account per meter point we supply, as billing would hold it on `as_of`."""
    for point in our_meter_points(market):
        # Per meter point, so adding premises to a market changes no existing account.
        rng = random.Random(f"{seed}:{point.mpxn}")
        yield _facts(point, as_of, rng)


def _facts(point: OurMeterPoint, as_of: date, rng: random.Random) -> AccountFacts:
    owing = rng.random()
    arrears, oldest = 0, None
    if owing < 0.15:  # a recent bill not yet paid
        arrears, oldest = rng.randint(1_000, 15_000), as_of - timedelta(days=rng.randint(1, 28))
    elif owing < 0.30:  # arrears an objection could stand on
        arrears, oldest = rng.randint(2_000, 150_000), as_of - timedelta(days=rng.randint(29, 180))
    term_end = None
    if point.market_sector is MarketSector.NON_DOMESTIC and rng.random() < 0.6:
        term_end = as_of + timedelta(days=rng.randint(-90, 700))
    assigned = arrears > 0 and rng.random() < 0.1
    return AccountFacts(point.mpxn, point.market_sector, arrears, oldest, term_end, assigned)
