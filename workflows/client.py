"""Connecting to Temporal: one place for the data converter and the unreachable error.

Every process of the engine (worker, receiver, operator commands, audit, dev stack) connects
through `connect`, so each gets the same converter and the same error to report.
"""

from __future__ import annotations

from temporalio.client import Client

from workflows.converter import DATA_CONVERTER


class TemporalUnreachable(ConnectionError):
    """The Temporal frontend did not answer; the message names the address."""


async def connect(address: str, namespace: str = "default") -> Client:
    try:
        return await Client.connect(address, namespace=namespace, data_converter=DATA_CONVERTER)
    except RuntimeError as error:
        # The SDK reports a refused or failed connection as a RuntimeError from its core.
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise TemporalUnreachable(f"cannot reach Temporal at {address} ({reason})") from None
