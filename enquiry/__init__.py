"""Clients of the industry's enquiry services, which say which meter points are at an
address: electricity (JSON, httpx) and gas (SOAP, zeep), both over mutual TLS.

Activities depend on the ports in `enquiry.model` (`ElectricityEnquiry`, `GasEnquiry`),
which return our own dataclasses; every failure is one of `enquiry.errors`, classified
retryable or not. `enquiry.clients.EnquiryClients` opens both from the settings and the
PKI; `enquiry.lookup` asks both services and matches an address against their answers.
"""
