"""Delivery of notifications to the supplier's receiver: signed, over mutual TLS, retried
with backoff until a 2xx acknowledges them.

Each registration has its own ordered queue, so one registration's notifications leave
in order (unless the reorder fault swaps two) while a receiver that refuses one message
does not hold up every other registration. Nothing is dropped: without a receiver URL,
notifications wait in `outbox`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from css.jws import SIGNATURE_HEADER
from css.messages import NotificationMessage
from css.wire import NOTIFICATIONS_PATH, encode
from simulator.faults import FaultInjector

log = logging.getLogger("simulator.push")


@dataclass(frozen=True)
class Delivery:
    """One notification acknowledged by the receiver."""

    message_id: str
    registration_id: str
    event_type: str
    attempts: int
    status_code: int
    duplicate: bool


@dataclass(frozen=True)
class RawResult:
    status_code: int
    body: bytes


class Pusher:
    def __init__(
        self,
        receiver_url: str | None,
        http: httpx.AsyncClient,
        sign: Callable[[bytes], str],
        faults: FaultInjector,
        *,
        first_backoff: float = 0.1,
        max_backoff: float = 5.0,
    ) -> None:
        self.receiver_url = receiver_url
        self._http = http
        self._sign = sign
        self._faults = faults
        self._first_backoff = first_backoff
        self._max_backoff = max_backoff
        self._queues: dict[str, asyncio.Queue[NotificationMessage]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self.deliveries: list[Delivery] = []
        self.outbox: list[NotificationMessage] = []
        self._delivered = asyncio.Condition()

    def enqueue(self, notification: NotificationMessage) -> None:
        if self.receiver_url is None:
            self.outbox.append(notification)
            return
        key = notification.registration_id
        queue = self._queues.setdefault(key, asyncio.Queue())
        queue.put_nowait(notification)
        if key not in self._workers:
            self._workers[key] = asyncio.create_task(self._work(key, queue))

    async def _work(self, key: str, queue: asyncio.Queue[NotificationMessage]) -> None:
        try:
            while not queue.empty():
                current = queue.get_nowait()
                if self._faults.reorder():
                    follower = await self._next(queue)
                    if follower is not None:
                        await self._deliver(follower)
                await self._deliver(current)
        finally:
            del self._workers[key]
            del self._queues[key]

    async def _next(self, queue: asyncio.Queue[NotificationMessage]) -> NotificationMessage | None:
        if not queue.empty():
            return queue.get_nowait()
        hold = self._faults.settings.reorder_hold_seconds
        with contextlib.suppress(TimeoutError):
            return await asyncio.wait_for(queue.get(), timeout=hold)
        return None

    async def _deliver(self, notification: NotificationMessage) -> None:
        body = encode(notification.to_wire())
        delay = self._faults.delay()
        if delay:
            await asyncio.sleep(delay)
        copies = 2 if self._faults.duplicate() else 1
        for copy in range(copies):
            attempts, status = await self._post_until_acknowledged(notification, body)
            self.deliveries.append(
                Delivery(
                    notification.message_id,
                    notification.registration_id,
                    notification.event_type.value,
                    attempts,
                    status,
                    duplicate=copy > 0,
                )
            )
            async with self._delivered:
                self._delivered.notify_all()

    async def _post_until_acknowledged(
        self, notification: NotificationMessage, body: bytes
    ) -> tuple[int, int]:
        assert self.receiver_url is not None
        backoff, attempts = self._first_backoff, 0
        while True:
            attempts += 1
            outcome = await self._post(body, sign=True)
            if isinstance(outcome, RawResult) and 200 <= outcome.status_code < 300:
                return attempts, outcome.status_code
            shown = outcome.status_code if isinstance(outcome, RawResult) else outcome
            log.warning(
                "notification %s (%s) not acknowledged, attempt %d: %s",
                notification.message_id,
                notification.event_type.value,
                attempts,
                shown,
            )
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self._max_backoff)

    async def _post(self, body: bytes, *, sign: bool) -> RawResult | str:
        assert self.receiver_url is not None
        headers = {"Content-Type": "application/json"}
        if sign:
            headers[SIGNATURE_HEADER] = self._sign(body)
        url = self.receiver_url.rstrip("/") + NOTIFICATIONS_PATH
        try:
            response = await self._http.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        return RawResult(response.status_code, response.content)

    async def push_raw(self, body: bytes, *, sign: bool = True) -> RawResult:
        """One attempt with an arbitrary body, for testing a receiver's refusals."""
        if self.receiver_url is None:
            raise RuntimeError("no receiver URL is configured")
        outcome = await self._post(body, sign=sign)
        if isinstance(outcome, str):
            raise ConnectionError(outcome)
        return outcome

    async def wait_for_deliveries(self, count: int) -> list[Delivery]:
        """Until at least `count` deliveries are acknowledged (the caller bounds the wait)."""
        async with self._delivered:
            await self._delivered.wait_for(lambda: len(self.deliveries) >= count)
        return list(self.deliveries)

    async def aclose(self) -> None:
        workers = list(self._workers.values())
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        await self._http.aclose()
