"""How the operator commands print: rich tables for people, JSON for tools."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from domain.switch import SwitchState
from ops import timeline
from ops.switches import Started, SwitchReport, SwitchSummary
from workflows.messages import WithdrawResult


def started(result: Started) -> str:
    if result.created:
        return f"started switch {result.switch_id} ({result.status})"
    return f"switch {result.switch_id} already exists ({result.status}); nothing started"


def withdrawn(switch_id: str, result: WithdrawResult) -> str:
    return f"switch {switch_id}: {result.status} - {result.detail}"


def report(result: SwitchReport) -> RenderableType:
    state = result.state
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    rows: list[tuple[str, Any]] = [
        ("switch", state.switch_id),
        ("status", f"{state.status} (workflow {result.execution.lower()})"),
        ("fuel / sector", f"{state.details.fuel} / {_sector(state)}"),
        ("meter point", state.details.mpxn),
        ("registration", state.registration_id),
        ("supply start date", state.supply_start_date),
        ("objection window ends", state.objection_window_end),
        ("request day", state.request_day),
        *_deadline_rows(state),
        ("reason code", state.reason_code),
        ("stuck", "yes, reconciling with CSS" if state.stuck else None),
    ]
    for label, value in rows:
        if value is not None:
            facts.add_row(label, _text(value))
    return Group(facts, Text(""), timeline.table(result.timeline))


def report_json(result: SwitchReport) -> str:
    report = {
        "state": asdict(result.state),
        "execution": result.execution,
        "timeline": [entry.to_json() for entry in result.timeline],
    }
    return json.dumps(report, default=_json_default, indent=2, sort_keys=True)


def switch_list(found: Sequence[SwitchSummary]) -> RenderableType:
    if not found:
        return Text("no switches match")
    table = Table()
    for column in ("switch", "status", "fuel", "supply start", "flags", "started"):
        table.add_column(column)
    for item in found:
        flags = [
            name
            for name, on in (
                ("deadline missed", item.deadline_missed),
                ("£30 due", item.compensation_due),
                ("stuck", item.stuck),
            )
            if on
        ]
        table.add_row(
            item.switch_id,
            item.status,
            item.fuel,
            _text(item.supply_start_date),
            ", ".join(flags),
            _text(item.started_at),
        )
    table.caption = f"{len(found)} switch(es)"
    return table


def _sector(state: SwitchState) -> str:
    held, requested = state.held_market_sector, state.details.market_sector
    if held is None or held is requested:
        return str(requested)
    return f"{held} (held by CSS; requested {requested})"


def _deadline_rows(state: SwitchState) -> list[tuple[str, Any]]:
    if state.target_supply_start_date is None:  # a switch begun under the instant rules
        return [
            ("two-day target", _flagged(state.two_day_target, state.deadline_missed, "missed")),
            ("five-day backstop", _flagged(state.backstop, state.compensation_due, "£30 due")),
        ]
    owed = "£30 due" if state.compensation_due else None
    if state.compensation_waived:
        owed = f"£30 waived: {state.compensation_waiver_reason}"
    return [
        (
            "target SSD",
            _flagged(state.target_supply_start_date, state.deadline_missed, "missed"),
        ),
        ("backstop SSD", _flagged(state.backstop_supply_start_date, owed is not None, owed or "")),
    ]


def _flagged(value: date | None, flag: bool, label: str) -> str | None:
    if value is None:
        return None
    return f"{_text(value)}{f' ({label})' if flag else ''}"


def _text(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    return str(value)


def _json_default(value: object) -> object:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, tuple | frozenset | set):
        return list(value)
    raise TypeError(f"cannot encode {type(value).__name__}")
