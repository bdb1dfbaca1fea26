"""The simulated market: one generated file of premises and meter points that every
simulated industry service serves from (dev and tests only).

`switching market generate --premises N --seed S --out FILE` writes it; `Market.load`
reads it (the reader API: look-ups by postcode, MPAN core and MPRN).

File format (JSON lines, UTF-8)
-------------------------------
Line 1, the header::

    {"format": "switching-market", "version": 1, "seed": 7, "premises": 2000,
     "ourSupplierId": "GAIN"}

Every further line, one premises::

    {"uprn": "100023336956",             the premises' UPRN (every premises has one)
     "postcode": "LS6 2AB",              normal form
     "address": {                        canonical, PAF-style: the truth
        "subBuilding": "Flat 11", "buildingName": "Wellington House",
        "buildingNumber": "5", "street": "Park Road", "locality": null,
        "postTown": "Leeds", "county": "West Yorkshire"},
     "electricity": [{                   one or more meter points (related ones together)
        "mpan": "2312345678903",         13-digit core; distributor id fits the postcode
        "profileClass": "01",            00-08 (the full MPAN's top line: profile class,
        "meterTimeswitchCode": "801",    meter timeswitch code 001-999 and line loss
        "lineLossFactorClass": "021",    factor class)
        "gspGroup": "_M",
        "energised": true, "deactivated": false,
        "marketSector": "D",             D domestic, N non-domestic
        "supplierId": "SUPA",            current supplier MPID ("ourSupplierId" = ours)
        "relatedMpans": [],              e.g. an off-peak heating meter at the premises
        "switchPending": false,          another switch is already in flight
        "address": {"addressLines": ["FLAT 11", "WELLINGTON HSE", "5 PARK RD"],
                    "postTown": "LEEDS", "postcode": "LS6 2AB",
                    "uprn": "100023336956"}}],   as the electricity service writes it
     "gas": [{                           none, or one meter point
        "mprn": "5123456701", "supplierId": "SUPA", "shipperId": "SHPB",
        "status": "LIVE",                LIVE, ISOLATED (capped) or DEAD (meter removed)
        "marketSector": "D", "switchPending": false,
        "address": {"subBuildingName": "Apartment 11", "buildingName": "Wellington House",
                    "buildingNumber": "5", "dependentThoroughfare": null,
                    "thoroughfare": "Park Road", "dependentLocality": null,
                    "postTown": "Leeds", "county": "West Yorkshire",
                    "postcode": "LS6 2AB", "uprn": null}}]}   as the gas service writes it

Each fuel's `address` is already in that service's own layout and habits (see
`simulator.market.styles`): the services serve it as it is, which is what makes matching
the two against what a customer typed a real problem. Some meter points belong to us
(`supplierId` = `ourSupplierId`), some are de-energised or deactivated, some have a
switch pending: what the order process must refuse at the door.
"""

from simulator.market.generate import MarketSpec, generate
from simulator.market.records import (
    Address,
    ElectricityPoint,
    GasPoint,
    Market,
    MarketFileError,
    MarketHeader,
    Premises,
    write_market,
)

__all__ = [
    "Address",
    "ElectricityPoint",
    "GasPoint",
    "Market",
    "MarketFileError",
    "MarketHeader",
    "MarketSpec",
    "Premises",
    "generate",
    "write_market",
]
