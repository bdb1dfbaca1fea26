"""The dev tools of losses as a person runs them: billing's facts written for the market's
accounts and loaded into the engine's table, then another supplier gaining one of our
customers in a running simulator, on demand and at a rate."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from accounts.export import read_export
from css.pki import init_pki
from simulator import running_simulator
from simulator.losses import our_meter_points
from simulator.market import Market, MarketSpec
from simulator.market.commands import generate_market
from simulator.server import RunningSimulator
from tests.integration.cli.conftest import base_env, switching
from tests.integration.cli.test_operator_commands import assert_one_line_error
from tests.integration.css.support import sim_config


@pytest.fixture
def market(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "market.jsonl"
    generate_market(MarketSpec(150, seed=9, our_supplier_id="GAIN"), path, lambda _: None)
    return path


@pytest.fixture
async def simulator(tmp_path: Path, market: Path) -> AsyncIterator[RunningSimulator]:
    pki = init_pki(tmp_path / "data" / "pki")
    async with running_simulator(sim_config(pki, None, market=market)) as running:
        yield running


async def test_billing_facts_for_our_accounts_are_written_then_loaded_and_read(
    tmp_path: Path, market: Path, fresh_database_url: str
) -> None:
    export = tmp_path / "accounts.jsonl"
    env = base_env(tmp_path / "data", DATABASE_URL=fresh_database_url)
    wrote = await switching(
        "market", "accounts", "--market", str(market), "--out", str(export),
        "--as-of", "2026-03-02", env=env,
    )  # fmt: skip
    assert wrote.code == 0, wrote.stderr
    facts = list(read_export(export))
    ours = {point.mpxn for point in our_meter_points(Market.load(market))}
    assert {item.mpxn for item in facts} == ours
    assert any(item.days_overdue(date(2026, 3, 2)) > 28 for item in facts)
    loaded = await switching("accounts", "load", str(export), env=env)
    assert loaded.code == 0, loaded.stderr
    assert loaded.stdout.strip() == f"loaded {len(facts)} account(s) from {export}"
    shown = await switching("accounts", "show", facts[0].mpxn, env=env)
    assert shown.stdout.startswith(f"{facts[0].mpxn}: sector {facts[0].market_sector.value}")
    unknown = await switching("accounts", "show", "9999999999", env=env)
    assert "billing holds no account for 9999999999" in unknown.stdout


async def test_a_bad_export_line_is_one_line_naming_it(tmp_path: Path) -> None:
    export = tmp_path / "bad.jsonl"
    export.write_text(json.dumps({"mpxn": "1", "marketSector": "D", "arrearsPence": 5}) + "\n")
    run = await switching("accounts", "load", str(export), env=base_env(tmp_path / "data"))
    assert_one_line_error(run, 2, f"{export}:1", "oldest_unpaid_due")


async def test_another_supplier_gains_one_of_ours_on_demand_and_at_a_rate(
    tmp_path: Path, market: Path, simulator: RunningSimulator
) -> None:
    env = base_env(tmp_path / "data", CSS_URL=simulator.base_url)
    ours = {point.mpxn for point in our_meter_points(Market.load(market))}
    lost = await switching("market", "lose", "--change-of-occupancy", env=env)
    assert lost.code == 0, lost.stderr
    [loss] = simulator.losses.losses()
    assert loss.meter_point.mpxn in ours
    assert loss.order.change_of_occupancy
    assert f"registration {loss.registration_id}" in lost.stdout
    rate = await switching("market", "loss-rate", "3", env=env)
    assert rate.stdout.strip() == "the simulator starts 3 loss(es) per simulated day by itself"
    assert simulator.losses.per_day == 3.0
    bad = await switching("market", "lose", "--story", "eloped", env=env)
    assert_one_line_error(bad, 2, "unknown story 'eloped'")
