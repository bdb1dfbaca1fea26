"""Durable waits for workflow code: a condition or a timer, whichever comes first.

Each timer carries a summary, the name the Temporal UI shows for it instead of its number
("withdrawal window", "gate closure for the target SSD"); summaries are metadata, not part
of the command, so giving one does not change a workflow's shape.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow


def until(at: datetime) -> timedelta:
    return at - workflow.now()


async def wait(
    condition: Callable[[], bool], limit: timedelta | None = None, summary: str | None = None
) -> None:
    """Wait for a condition, or for a durable timer of `limit` (None: no timer)."""
    with contextlib.suppress(TimeoutError):
        await workflow.wait_condition(condition, timeout=limit, timeout_summary=summary)


async def sleep_until(at: datetime, summary: str | None = None) -> None:
    remaining = until(at)
    if remaining > timedelta(0):
        await workflow.sleep(remaining, summary=summary)
