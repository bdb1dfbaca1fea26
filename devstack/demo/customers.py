"""The demo's customers: each demo switch is signed up for a made-up customer whose supply
address, as typed, travels sealed in the switch's memo.

It stands in for the personal data that orders bring, so the demo exercises the whole
protection path: the address is sealed under its customer's data key, encrypted again with
every payload, shown opened by the codec server in the UI, and found nowhere in clear (the
end-to-end test scans logs, events and histories for every address listed here).
"""

from __future__ import annotations

import random
from typing import Any

from devstack.demo.scenarios import DemoSwitch
from privacy.errors import ForgottenCustomer
from privacy.vault import Vault

_STREETS = ("Acacia Avenue", "Mill Lane", "Station Road", "Church Street", "Park View")


def customer_ref(switch: DemoSwitch) -> str:
    return f"cust-{switch.switch_id}"


def supply_address(switch: DemoSwitch) -> str:
    """The address the demo customer typed: made up, the same on every run of the batch."""
    rng = random.Random(switch.switch_id)
    number, district = rng.randint(1, 250), rng.randint(1, 9)
    letters = "".join(rng.choice("ABDEFGHJLNPQRSTUWXYZ") for _ in range(2))
    return f"{number} {rng.choice(_STREETS)}, Demoton DT{district} {district}{letters}"


async def memo(switch: DemoSwitch, vault: Vault) -> dict[str, Any] | None:
    """The switch's memo: its customer and their address, sealed. None for a customer who
    has since been forgotten (their switch is started, or found, without it)."""
    reference = customer_ref(switch)
    try:
        sealed = await vault.seal(reference, supply_address(switch))
    except ForgottenCustomer:
        return None
    return {"customer": {"customer_ref": reference, "supply_address": sealed.to_json()}}
