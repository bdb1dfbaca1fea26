"""Billing's facts for the simulated market's accounts: ours only, the same every time, and
every kind of account an objection decision meets."""

from __future__ import annotations

from datetime import date

from domain.identifiers import MarketSector
from simulator.losses import our_meter_points
from simulator.market import Market, MarketHeader, MarketSpec, generate
from simulator.market.accounts import account_facts

ON = date(2026, 3, 2)


def market(premises: int = 400, seed: int = 3) -> Market:
    spec = MarketSpec(premises, seed, our_supplier_id="GAIN")
    return Market(MarketHeader(seed, premises, "GAIN"), generate(spec))


def test_one_account_per_meter_point_we_supply_and_the_same_every_time() -> None:
    first = list(account_facts(market(), ON))
    assert [item.mpxn for item in first] == [p.mpxn for p in our_meter_points(market())]
    assert first == list(account_facts(market(), ON))
    assert first != list(account_facts(market(), ON, seed=2))


def test_the_accounts_cover_what_an_objection_decision_meets() -> None:
    facts = list(account_facts(market(), ON))
    overdue = [item.days_overdue(ON) for item in facts if item.arrears_pence]
    assert any(days > 28 for days in overdue)
    assert any(days <= 28 for days in overdue)
    assert any(item.arrears_pence == 0 for item in facts)
    assert any(item.debt_assignment_agreed for item in facts)
    business = [item for item in facts if item.market_sector is MarketSector.NON_DOMESTIC]
    assert any(item.fixed_term_end is not None and item.fixed_term_end >= ON for item in business)
    assert all(item.fixed_term_end is None for item in facts if item not in business)
