"""Both enquiry clients, opened from the PKI: our enquiry client certificate, the
industry CA pinned (no system trust store)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from css import tls
from css.pki import PkiPaths
from css.reload import Reloader, ReloadingTls
from enquiry.electricity import ElectricityEnquiryClient
from enquiry.gas import GasEnquiryClient


@dataclass
class EnquiryClients:
    electricity: ElectricityEnquiryClient
    gas: GasEnquiryClient
    #: Our enquiry client certificate follows its files; a long-running process refreshes
    #: it on its timer and on SIGHUP (the one context is shared by both clients).
    reloader: Reloader = field(default_factory=lambda: Reloader([]))

    @classmethod
    async def connect(cls, electricity_url: str, gas_url: str, pki_dir: Path) -> EnquiryClients:
        """Open both; `EnquiryUnavailable` when the gas service's WSDL cannot be loaded."""
        paths = PkiPaths(pki_dir)
        context = tls.enquiry_client_context(paths)
        identity = ReloadingTls(
            "the enquiry client certificate",
            context,
            paths.supplier_enquiry_client,
            paths.industry_ca.cert,
        )
        electricity = ElectricityEnquiryClient(electricity_url, context)
        try:
            gas = await GasEnquiryClient.connect(gas_url, context)
        except BaseException:
            await electricity.aclose()
            raise
        return cls(electricity, gas, Reloader([identity]))

    async def aclose(self) -> None:
        await self.electricity.aclose()
        await self.gas.aclose()
