"""The CSS simulator's `/control` endpoints the demo uses: clock speed, faults, deliveries.

Over the same mutual TLS as the CSS interface, with the supplier's client certificate.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from css import tls
from css.pki import PkiPaths
from devstack.errors import StackError
from simulator.meter_points import MeterPoint


class SimulatorControl:
    def __init__(self, css_url: str, pki_dir: Path) -> None:
        self._url = css_url.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=self._url,
            verify=tls.supplier_client_context(PkiPaths(pki_dir)),
            timeout=10.0,
            trust_env=False,
        )

    async def __aenter__(self) -> SimulatorControl:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self._http.aclose()

    async def set_speed(self, speed: float) -> None:
        await self._call("POST", "/control/clock", {"speed": speed})

    async def set_faults(self, **changes: float) -> None:
        await self._call("POST", "/control/faults", changes)

    async def put_meter_point(self, mpxn: str, point: MeterPoint) -> None:
        """Set what the simulated market holds for a meter point (its sector and story)."""
        await self._call("PUT", f"/control/meter-points/{mpxn}", point.to_wire())

    async def deliveries(self) -> list[dict[str, Any]]:
        """Every notification the receiver acknowledged: messageId, registrationId, copy."""
        found: list[dict[str, Any]] = await self._call("GET", "/control/deliveries", None)
        return found

    async def _call(self, method: str, path: str, body: dict[str, Any] | None) -> Any:
        try:
            response = await self._http.request(method, path, json=body)
        except httpx.HTTPError as error:
            raise StackError(f"the CSS simulator at {self._url} does not answer: {error}") from None
        if response.status_code != 200:
            raise StackError(
                f"the CSS at {self._url} refused {path} ({response.status_code}); "
                "the demo needs the CSS simulator"
            )
        return response.json()["result"]
