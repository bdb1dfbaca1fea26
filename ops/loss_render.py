"""How the loss commands print: a table of losses, one loss's facts and timeline, JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from domain.loss_state import LossState, RequestOutcome
from ops import timeline
from ops.losses import LossReport, LossSummary
from ops.render import json_default, text
from workflows.loss_messages import LossUpdateResult


def acted(loss: str, result: LossUpdateResult) -> str:
    return f"loss {loss}: {result.status}, decision {result.decision} - {result.detail}"


def loss_list(found: Sequence[LossSummary]) -> RenderableType:
    if not found:
        return Text("no losses match")
    table = Table()
    for column in ("loss", "status", "decision", "fuel", "supply start", "final bill", "started"):
        table.add_column(column)
    for item in found:
        bill = item.final_bill or "-"
        if item.compensation_due:
            bill += " (£30 due)"
        table.add_row(
            item.loss_id,
            item.status,
            item.decision,
            item.fuel,
            text(item.supply_start_date),
            bill,
            text(item.started_at),
        )
    table.caption = f"{len(found)} loss(es)"
    return table


def report(result: LossReport) -> RenderableType:
    state = result.state
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    for label, value in _facts(state, result.execution):
        if value is not None:
            facts.add_row(label, text(value))
    return Group(facts, Text(""), timeline.table(result.timeline))


def _facts(state: LossState, execution: str) -> list[tuple[str, Any]]:
    assessment = state.assessment
    return [
        ("loss (registration)", state.loss_id),
        ("status", f"{state.status} (workflow {execution.lower()})"),
        ("decision", _decision(state)),
        ("meter point", f"{state.mpxn} ({state.fuel or '?'} / {state.market_sector or '?'})"),
        ("gaining supplier", state.gaining_supplier_id),
        ("flags", _flags(state)),
        ("objection window ends", state.objection_window_end),
        ("supply start date", state.supply_start_date),
        ("why a person decides", assessment.review_reason if assessment else None),
        ("evidence", "; ".join(_evidence(state)) or None),
        ("policy notes", "; ".join(assessment.reasons) if assessment else None),
        ("objection", _outcome(state.objection)),
        ("lift", _outcome(state.lift)),
        ("annulment", _outcome(state.annulment)),
        ("final read due", state.final_read_due),
        ("final bill", _bill(state)),
    ]


def _decision(state: LossState) -> str:
    by = f" by {state.decided_by.value.lower()}" if state.decided_by else ""
    return f"{state.decision_label}{by}"


def _flags(state: LossState) -> str | None:
    flags = [
        name
        for name, on in (
            ("change of occupancy", state.change_of_occupancy),
            ("erroneous transfer", state.erroneous_transfer),
        )
        if on
    ]
    return ", ".join(flags) or None


def _evidence(state: LossState) -> list[str]:
    if state.assessment is None:
        return []
    shown = []
    for item in state.assessment.evidence:
        if item.ground.value == "DEBT":
            shown.append(
                f"debt {item.arrears_pence}p, oldest due {item.oldest_unpaid_due} "
                f"({item.days_overdue} days overdue)"
            )
        else:
            shown.append(f"contract until {item.fixed_term_end} (SSD {item.supply_start_date})")
    return shown


def _outcome(outcome: RequestOutcome | None) -> str | None:
    if outcome is None:
        return None
    code = f" {outcome.reason_code}" if outcome.reason_code else ""
    detail = f": {outcome.detail}" if outcome.detail else ""
    return f"{outcome.result.value}{code} at {text(outcome.at)}{detail}"


def _bill(state: LossState) -> str | None:
    if state.final_bill_label is None:
        return None
    parts = [f"{state.final_bill_label}, due by {state.final_bill_due}"]
    if state.final_bill_sent_on is not None:
        parts.append(f"sent on {state.final_bill_sent_on}")
    if state.final_bill_overdue:
        parts.append(f"£{state.compensation_pence / 100:.0f} owed")
    return ", ".join(parts)


def report_json(result: LossReport) -> str:
    document = {
        "state": asdict(result.state),
        "execution": result.execution,
        "timeline": [entry.to_json() for entry in result.timeline],
    }
    return json.dumps(document, default=json_default, indent=2, sort_keys=True)
