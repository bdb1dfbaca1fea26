"""Durable waits for workflow code: a condition or a timer, whichever comes first."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow


def until(at: datetime) -> timedelta:
    return at - workflow.now()


async def wait(condition: Callable[[], bool], limit: timedelta | None = None) -> None:
    """Wait for a condition, or for a durable timer of `limit` (None: no timer)."""
    with contextlib.suppress(TimeoutError):
        await workflow.wait_condition(condition, timeout=limit)


async def sleep_until(at: datetime) -> None:
    remaining = until(at)
    if remaining > timedelta(0):
        await asyncio.sleep(remaining.total_seconds())
