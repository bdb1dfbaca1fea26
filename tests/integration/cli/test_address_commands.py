"""`switching market generate` and `switching address match`, run as a person runs them,
against both enquiry services over mutual TLS."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from css.pki import init_pki
from simulator.enquiry.server import EnquiryConfig, RunningEnquiry, running_enquiry_services
from simulator.market import Market, Premises
from tests.integration.cli.conftest import base_env, free_port, switching
from tests.integration.cli.test_operator_commands import assert_one_line_error


@pytest.fixture
async def market_file(tmp_path: Path) -> Path:
    out = tmp_path / "data" / "market.jsonl"
    run = await switching(
        "market",
        "generate",
        "--premises",
        "250",
        "--seed",
        "4",
        "--out",
        str(out),
        env=base_env(tmp_path / "data"),
    )
    assert run.code == 0, run.stderr
    assert run.stdout.startswith(f"wrote {out}: 250 premises in ")
    return out


@pytest.fixture
async def services(tmp_path: Path, market_file: Path) -> AsyncIterator[RunningEnquiry]:
    pki = init_pki(tmp_path / "data" / "pki")
    config = EnquiryConfig(pki.root, Market.load(market_file), electricity_port=0, gas_port=0)
    async with running_enquiry_services(config) as running:
        yield running


def _env(tmp_path: Path, running: RunningEnquiry) -> dict[str, str]:
    return base_env(
        tmp_path / "data",
        ELECTRICITY_ENQUIRY_URL=running.electricity_url,
        GAS_ENQUIRY_URL=running.gas_url,
    )


def _house_with_gas(market_file: Path) -> Premises:
    market = Market.load(market_file)
    return next(
        item
        for item in market.premises
        if item.gas
        and item.address.sub_building is None
        and item.address.building_number
        and len(market.at_postcode(item.postcode)) > 3
        and sum(
            p.address.building_number == item.address.building_number
            for p in market.at_postcode(item.postcode)
        )
        == 1
    )


async def test_an_address_is_matched_for_both_fuels(
    tmp_path: Path, services: RunningEnquiry, market_file: Path
) -> None:
    item = _house_with_gas(market_file)
    typed = f"{item.address.building_number} {item.address.street}".lower()
    run = await switching(
        "address",
        "match",
        "--postcode",
        item.postcode.replace(" ", "").lower(),
        "--address",
        typed,
        env=_env(tmp_path, services),
    )
    assert run.code == 0, run.stdout + run.stderr
    assert f"MPAN {item.electricity[0].mpan}" in run.stdout
    assert f"MPRN {item.gas[0].mprn}" in run.stdout
    assert "electricity: MATCHED (CLEAR_WINNER)" in run.stdout


async def test_json_output_carries_the_evidence(
    tmp_path: Path, services: RunningEnquiry, market_file: Path
) -> None:
    item = _house_with_gas(market_file)
    run = await switching(
        "address",
        "match",
        "--postcode",
        item.postcode,
        "--fuel",
        "gas",
        "--json",
        "--address",
        f"{item.address.building_number} {item.address.street}",
        env=_env(tmp_path, services),
    )
    assert run.code == 0, run.stderr
    found = json.loads(run.stdout)
    assert found["electricity"] is None
    assert found["gas"]["outcome"] == "MATCHED"
    assert found["gas"]["matched"] == [item.gas[0].mprn]
    assert {c["standing"] for c in found["gas"]["ranked"]} >= {"ELIGIBLE", "EXCLUDED"}
    assert {p["mprn"] for p in found["gas_points"]} >= {item.gas[0].mprn}


async def test_a_street_without_a_number_goes_to_a_person(
    tmp_path: Path, services: RunningEnquiry, market_file: Path
) -> None:
    item = _house_with_gas(market_file)
    run = await switching(
        "address",
        "match",
        "--postcode",
        item.postcode,
        "--address",
        item.address.street or "",
        env=_env(tmp_path, services),
    )
    assert run.code == 1
    assert "electricity: AMBIGUOUS" in run.stdout


async def test_bad_input_and_an_unreachable_service_are_one_line(
    tmp_path: Path, services: RunningEnquiry
) -> None:
    env = _env(tmp_path, services)
    bad = await switching(
        "address", "match", "--postcode", "LS6 2CB", "--address", "1 A St", env=env
    )
    assert_one_line_error(bad, 2, "never uses 'C'")
    fuel = await switching(
        "address",
        "match",
        "--postcode",
        "LS6 2AB",
        "--address",
        "1 A St",
        "--fuel",
        "oil",
        env=env,
    )
    assert_one_line_error(fuel, 2, "--fuel must be electricity, gas or both")
    down = {**env, "ELECTRICITY_ENQUIRY_URL": f"https://127.0.0.1:{free_port()}"}
    gone = await switching(
        "address", "match", "--postcode", "LS6 2AB", "--address", "1 A St", env=down
    )
    assert_one_line_error(gone, 3, "electricity enquiry unreachable")


async def test_a_bad_supplier_id_for_the_market_is_refused(tmp_path: Path) -> None:
    run = await switching(
        "market",
        "generate",
        "--premises",
        "5",
        "--out",
        str(tmp_path / "m.jsonl"),
        "--our-supplier-id",
        "TOOLONG",
        env=base_env(tmp_path),
    )
    assert_one_line_error(run, 2, "--our-supplier-id", "MPID must be 4 characters")
    assert not (tmp_path / "m.jsonl").exists()
