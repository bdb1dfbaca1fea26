"""The simulated market: deterministic, valid identifiers that fit their region, the
look-alike neighbours matching must survive, and a reader that refuses a bad file."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

from domain.identifiers import parse_mpan_core, parse_mpid, parse_mprn
from domain.postcode import parse_postcode
from simulator.market import Market, MarketFileError, MarketSpec
from simulator.market.commands import generate_market
from simulator.market.records import ELECTRICITY_ADDRESS_FIELDS, GAS_ADDRESS_FIELDS
from simulator.market.regions import AREAS, GSP_GROUPS, distributor_fits


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Market:
    path = tmp_path_factory.mktemp("market") / "market.jsonl"
    generate_market(MarketSpec(1500, seed=11, our_supplier_id="GAIN"), path, lambda _: None)
    return Market.load(path)


def test_the_same_seed_writes_the_same_file_and_another_seed_another(tmp_path: Path) -> None:
    files = []
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        path = tmp_path / f"{name}.jsonl"
        generate_market(MarketSpec(200, seed), path, lambda _: None)
        files.append(path.read_bytes())
    assert files[0] == files[1]
    assert files[0] != files[2]


def test_every_identifier_is_valid_and_unique(market: Market) -> None:
    mpans = [p.mpan for item in market.premises for p in item.electricity]
    mprns = [p.mprn for item in market.premises for p in item.gas]
    uprns = [item.uprn for item in market.premises]
    for values in (mpans, mprns, uprns):
        assert len(set(values)) == len(values)
    for mpan in mpans:
        parse_mpan_core(mpan)
    for mprn in mprns:
        parse_mprn(mprn)
    for item in market.premises:
        assert parse_postcode(item.postcode).value == item.postcode
        for gas in item.gas:
            parse_mpid(gas.supplier_id)
            parse_mpid(gas.shipper_id)


def test_each_mpan_fits_its_postcode_s_region_and_top_line(market: Market) -> None:
    idno = 0
    for item in market.premises:
        area = parse_postcode(item.postcode).area
        for point in item.electricity:
            assert distributor_fits(point.distributor_id, area), (item.postcode, point.mpan)
            assert point.gsp_group == AREAS[area].gsp_group
            idno += point.distributor_id not in {d for d, _ in GSP_GROUPS.values()}
            assert "00" <= point.profile_class <= "08"
            assert "001" <= point.meter_timeswitch_code <= "999"
            assert len(point.line_loss_factor_class) == 3
            assert len(point.full_mpan) == 21
    assert idno > 0


def test_related_mpans_point_at_each_other_at_one_premises(market: Market) -> None:
    related = [item for item in market.premises if len(item.electricity) > 1]
    assert related
    for item in related:
        first, second = item.electricity
        assert first.related_mpans == (second.mpan,)
        assert second.related_mpans == (first.mpan,)
        assert first.profile_class == second.profile_class == "02"


def test_the_states_the_order_process_must_refuse_are_present(market: Market) -> None:
    electricity = [p for item in market.premises for p in item.electricity]
    gas = [p for item in market.premises for p in item.gas]
    assert any(p.supplier_id == "GAIN" for p in electricity)
    assert any(p.supplier_id == "GAIN" for p in gas)
    assert any(not p.energised and not p.deactivated for p in electricity)
    assert any(p.deactivated for p in electricity)
    assert any(p.switch_pending for p in electricity)
    assert any(p.switch_pending for p in gas)
    assert {p.status for p in gas} == {"LIVE", "ISOLATED", "DEAD"}
    assert {p.market_sector for p in electricity} == {"D", "N"}


def test_the_look_alike_neighbours_are_there(market: Market) -> None:
    by_postcode = collections.defaultdict(list)
    for item in market.premises:
        by_postcode[item.postcode].append(item.address)
    suffix_pairs = flat_pairs = two_streets = 0
    for addresses in by_postcode.values():
        houses = {(a.building_number, a.street) for a in addresses if a.sub_building is None}
        suffix_pairs += sum((n + "A", s) in houses for n, s in houses if n and n.isdigit())
        flats = {(a.sub_building, a.building_name) for a in addresses if a.sub_building}
        flat_pairs += sum(("Flat 11", b) in flats for sub, b in flats if sub == "Flat 1")
        numbers = collections.defaultdict(set)
        for a in addresses:
            if a.building_number and a.sub_building is None:
                numbers[a.building_number].add(a.street)
        two_streets += any(len(streets) > 1 for streets in numbers.values())
    assert suffix_pairs > 5
    assert flat_pairs > 5
    assert two_streets > 5


def test_each_fuel_writes_the_address_in_its_own_layout(market: Market) -> None:
    item = next(i for i in market.premises if i.gas and i.address.sub_building)
    assert tuple(item.electricity[0].address) == ELECTRICITY_ADDRESS_FIELDS
    assert tuple(item.gas[0].address) == GAS_ADDRESS_FIELDS
    lines = item.electricity[0].address["addressLines"]
    assert all(line == line.upper() for line in lines)
    missing = collections.Counter(
        (fuel, p.address["uprn"] is None)
        for i in market.premises
        for fuel, points in (("E", i.electricity), ("G", i.gas))
        for p in points
    )
    assert missing[("E", True)] > 0
    assert missing[("G", True)] > missing[("E", True)] / 2


def test_the_reader_finds_by_postcode_mpan_and_mprn(market: Market) -> None:
    item = next(i for i in market.premises if i.gas)
    assert item in market.at_postcode(item.postcode)
    assert market.electricity(item.electricity[0].mpan) == item.electricity[0]
    assert market.gas(item.gas[0].mprn) == item.gas[0]
    assert market.premises_of(item.gas[0].mprn) == item
    assert market.electricity("1312345678907") is None
    assert market.header.our_supplier_id == "GAIN"


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("", "not a market file"),
        ('{"format": "other"}\n', "not a market file"),
        ('{"format": "switching-market", "version": 9}\n', "version 9"),
        ('{"format": "switching-market", "version": 1, "seed": 1}\n', "header lacks"),
        (
            '{"format": "switching-market", "version": 1, "seed": 1, "premises": 1, '
            '"ourSupplierId": "GAIN"}\n{"uprn": "1"}\n',
            ":2: missing or wrong field",
        ),
        ("not json\n", ":1: not JSON"),
    ],
)
def test_a_bad_market_file_is_refused_saying_where(tmp_path: Path, content: str, says: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    with pytest.raises(MarketFileError, match=says):
        Market.load(path)
