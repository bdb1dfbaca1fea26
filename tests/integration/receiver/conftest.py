"""The loopback mutual-TLS rig of the CSS gateway's tests (PKI, simulator, stub receiver)."""

from tests.integration.css.conftest import client, pki, receiver, simulator, stub

__all__ = ["client", "pki", "receiver", "simulator", "stub"]
