"""A subscription: catch up from a position, then follow new events, exactly once, in order.

It is the same loop for every store: read a batch after the last delivered position; when
there is nothing new, wait for a wake-up from the store (an in-process signal, or
PostgreSQL LISTEN/NOTIFY) or for the poll interval, whichever comes first. Wake-ups only
shorten the wait, so a lost notification costs latency, never an event. Ordering and
completeness come from the store's `read_all`, which never returns a position while an
earlier one could still commit.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Protocol

from eventstore.model import RecordedEvent

ReadBatch = Callable[[int, int], Awaitable[list[RecordedEvent]]]


class Waker(Protocol):
    """How a store tells a waiting subscription that something may have been appended."""

    async def start(self) -> None: ...

    def arm(self) -> None:
        """Forget earlier wake-ups; called just before each read so none is missed."""
        ...

    async def wait(self, at_most: float) -> None:
        """Return when woken after the last `arm`, or after `at_most` seconds."""
        ...

    async def close(self) -> None: ...


class Subscription:
    """An async iterator of recorded events; use `async with` or call `aclose()`."""

    def __init__(
        self,
        read: ReadBatch,
        waker: Waker,
        after_position: int = 0,
        batch_size: int = 500,
        poll_interval: float = 1.0,
    ) -> None:
        if after_position < 0:
            raise ValueError(f"after_position must not be negative, got {after_position}")
        self._read = read
        self._waker = waker
        self._read_position = after_position
        self._delivered_position = after_position
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._buffer: deque[RecordedEvent] = deque()
        self._started = False
        self._closed = False

    @property
    def position(self) -> int:
        """The position of the last event handed out (where to resume after a restart)."""
        return self._delivered_position

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> RecordedEvent:
        while not self._buffer:
            if self._closed:
                raise StopAsyncIteration
            await self._fill()
        event = self._buffer.popleft()
        self._delivered_position = event.position
        return event

    async def next_batch(self) -> list[RecordedEvent]:
        """Every event available now (at least one; waits for it), for batched consumers."""
        first = await self.__anext__()
        batch = [first, *self._buffer]
        self._buffer.clear()
        self._delivered_position = batch[-1].position
        return batch

    async def _fill(self) -> None:
        if not self._started:
            self._started = True
            await self._waker.start()
        self._waker.arm()
        batch = await self._read(self._read_position, self._batch_size)
        if batch:
            self._read_position = batch[-1].position
            self._buffer.extend(batch)
            return
        await self._waker.wait(self._poll_interval)

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._buffer.clear()
        if self._started:
            await self._waker.close()

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
