"""TLS contexts for mutual TLS, each side trusting only the other side's CA.

No context here loads the system trust store: a certificate from a public CA must not be
enough to talk to CSS or to our receiver.
"""

from __future__ import annotations

import ssl
from pathlib import Path

from css.pki import CertPair, PkiPaths


def server_context(identity: CertPair, client_ca: Path) -> ssl.SSLContext:
    """A server presenting `identity` and requiring a client certificate from `client_ca`."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(identity.cert, identity.key)
    context.load_verify_locations(cafile=client_ca)
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def client_context(identity: CertPair, server_ca: Path) -> ssl.SSLContext:
    """A client presenting `identity` and trusting only servers certified by `server_ca`."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(identity.cert, identity.key)
    context.load_verify_locations(cafile=server_ca)
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def simulator_server_context(paths: PkiPaths) -> ssl.SSLContext:
    """CSS (the simulator) answering suppliers."""
    return server_context(paths.simulator_server, paths.supplier_ca.cert)


def supplier_client_context(paths: PkiPaths) -> ssl.SSLContext:
    """Us calling CSS."""
    return client_context(paths.supplier_client, paths.industry_ca.cert)


def receiver_server_context(paths: PkiPaths) -> ssl.SSLContext:
    """Our receiver accepting notifications from CSS."""
    return server_context(paths.receiver_server, paths.industry_ca.cert)


def simulator_client_context(paths: PkiPaths) -> ssl.SSLContext:
    """CSS (the simulator) pushing notifications to our receiver."""
    return client_context(paths.simulator_client, paths.supplier_ca.cert)


def enquiry_server_context(paths: PkiPaths, identity: CertPair) -> ssl.SSLContext:
    """An industry enquiry service (the simulators) answering suppliers."""
    return server_context(identity, paths.supplier_ca.cert)


def enquiry_client_context(paths: PkiPaths) -> ssl.SSLContext:
    """Us calling the industry's enquiry services."""
    return client_context(paths.supplier_enquiry_client, paths.industry_ca.cert)
