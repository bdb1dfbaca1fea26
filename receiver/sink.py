"""Telling a switch's workflow about a notification, behind a small interface.

Production signals Temporal (`receiver.temporal.TemporalSink`); tests use
`RecordingSink`. Either one raises only the two errors below, so the delivery loop decides
by type: `SignalFailed` is retried later, `WorkflowClosed` means there is nobody left to
tell (the notification stays stored, and the attempt is recorded as moot).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Protocol

from domain.notification import Notification


class DeliveryError(Exception):
    retryable: bool = False


class SignalFailed(DeliveryError):
    """The signal did not get through (service unreachable, timeout); try again later."""

    retryable = True


class WorkflowClosed(DeliveryError):
    """The switch's workflow has finished (or no longer exists): the signal is moot."""


class NotificationSink(Protocol):
    async def deliver(self, switch_id: str, signal: Notification) -> None:
        """Signal the workflow `switch_id`; raises `SignalFailed` or `WorkflowClosed`."""
        ...


@dataclass(frozen=True)
class Delivered:
    switch_id: str
    signal: Notification


@dataclass
class RecordingSink:
    """Keeps what it was asked to deliver; can be told to fail, to exercise the retries."""

    delivered: list[Delivered] = field(default_factory=list)
    #: Raised (instead of delivering) while set.
    failure: DeliveryError | None = None
    #: Switch ids whose workflows count as finished.
    closed: set[str] = field(default_factory=set)
    attempts: int = 0
    _arrived: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    async def deliver(self, switch_id: str, signal: Notification) -> None:
        self.attempts += 1
        if self.failure is not None:
            raise self.failure
        if switch_id in self.closed:
            raise WorkflowClosed(f"workflow {switch_id} has already finished")
        self.delivered.append(Delivered(switch_id, signal))
        self._arrived.set()

    async def wait_for(self, count: int) -> list[Delivered]:
        """Until at least `count` signals were delivered (the caller bounds the wait)."""
        while len(self.delivered) < count:
            self._arrived.clear()
            await self._arrived.wait()
        return list(self.delivered)

    def message_ids(self) -> list[str]:
        return [item.signal.message_id for item in self.delivered]
