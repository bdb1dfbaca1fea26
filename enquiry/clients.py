"""Both enquiry clients, opened from the PKI: our enquiry client certificate, the
industry CA pinned (no system trust store)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from css import tls
from css.pki import PkiPaths
from enquiry.electricity import ElectricityEnquiryClient
from enquiry.gas import GasEnquiryClient


@dataclass
class EnquiryClients:
    electricity: ElectricityEnquiryClient
    gas: GasEnquiryClient

    @classmethod
    async def connect(cls, electricity_url: str, gas_url: str, pki_dir: Path) -> EnquiryClients:
        """Open both; `EnquiryUnavailable` when the gas service's WSDL cannot be loaded."""
        context = tls.enquiry_client_context(PkiPaths(pki_dir))
        electricity = ElectricityEnquiryClient(electricity_url, context)
        try:
            gas = await GasEnquiryClient.connect(gas_url, context)
        except BaseException:
            await electricity.aclose()
            raise
        return cls(electricity, gas)

    async def aclose(self) -> None:
        await self.electricity.aclose()
        await self.gas.aclose()
