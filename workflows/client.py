"""Connecting to Temporal: one place for the data converter and the unreachable error.

Every process of the engine (worker, receiver, operator commands, audit, dev stack) connects
through `connect`, so each gets the same converter and the same error to report. The codec
is a required argument so that no caller connects without encryption by omission. When the
process exports traces, the client (and a worker built on it) carries them.
"""

from __future__ import annotations

from temporalio.client import Client
from temporalio.converter import PayloadCodec

from observability import tracing
from workflows.converter import data_converter


class TemporalUnreachable(ConnectionError):
    """The Temporal frontend did not answer; the message names the address."""


async def connect(address: str, namespace: str, *, codec: PayloadCodec | None) -> Client:
    try:
        return await Client.connect(
            address,
            namespace=namespace,
            data_converter=data_converter(codec),
            interceptors=tracing.interceptors(),
        )
    except RuntimeError as error:
        # The SDK reports a refused or failed connection as a RuntimeError from its core.
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise TemporalUnreachable(f"cannot reach Temporal at {address} ({reason})") from None
