"""What a switch shows in the Temporal UI while it runs: its current details (status, dates,
flags, and what it is waiting for until when), kept up to date by the workflow.

Workflow code only. Current details are metadata the UI reads through a query, not a
command, so keeping them changes nothing a replay checks. They hold identifiers, codes and
dates, never a customer's data.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from temporalio import workflow

from domain.switch_state import SwitchState


def _instant(at: datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC"


def _facts(state: SwitchState) -> list[str]:
    details = state.details
    head = f"**{state.status.value}** · {details.fuel.value} · sector {details.market_sector}"
    if state.registration_id is not None:
        head += f" · CSS registration {state.registration_id}"
    lines = [head]
    if state.supply_start_date is not None:
        lines.append(f"supply start date {state.supply_start_date}")
    if state.target_supply_start_date is not None:
        lines.append(
            f"target SSD {state.target_supply_start_date}, "
            f"backstop SSD {state.backstop_supply_start_date}"
        )
    flags = [
        text
        for on, text in (
            (state.deadline_missed, "target missed"),
            (state.compensation_due, f"£{state.compensation_pence / 100:.2f} compensation owed"),
            (state.compensation_waived, "compensation waived"),
            (state.stuck, f"stuck: CSS asked {state.reconciliations} time(s)"),
        )
        if on
    ]
    if flags:
        lines.append("flags: " + "; ".join(flags))
    if state.reason_code is not None:
        lines.append(f"reason code {state.reason_code}")
    return lines


def describe(state: SwitchState | None, waits: dict[str, datetime | None]) -> str:
    """The details text: facts, then each wait in progress (Temporal markdown)."""
    lines = ["**recording the request**"] if state is None else _facts(state)
    if waits:
        lines.append("waiting for:")
        timed = sorted((until, what) for what, until in waits.items() if until is not None)
        untimed = sorted(what for what, until in waits.items() if until is None)
        for until, what in [*timed, *((None, what) for what in untimed)]:
            lines.append(f"- {what}" + ("" if until is None else f" until {_instant(until)}"))
    return "\n".join(lines)


class Progress:
    """The waits in progress; `show` publishes them with the state as current details."""

    def __init__(self) -> None:
        self._waits: dict[str, datetime | None] = {}
        self._state: SwitchState | None = None

    def show(self, state: SwitchState | None) -> None:
        self._state = state
        workflow.set_current_details(describe(state, self._waits))

    @contextmanager
    def waiting(self, what: str, limit: timedelta | None) -> Iterator[None]:
        """Around a wait: shown as `what` until `limit` from now (None: no end)."""
        self._waits[what] = None if limit is None else workflow.now() + limit
        self.show(self._state)
        try:
            yield
        finally:
            self._waits.pop(what, None)
            # Not when the coroutine of an evicted run is collected, outside any workflow.
            if workflow.in_workflow():
                self.show(self._state)
