"""The switches' sections: per day by outcome, supply start dates against the target and the
backstop, time from submission to SECURED, compensation owed, objections by reason.

A switch belongs to the period of the London day it was requested. Each is read from its
own stream and folded by the domain's decider, so the report says what the audit would.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from domain.calendar import LONDON
from domain.events import Event, NotificationApplied, RegistrationSubmitted, SwitchRequested
from domain.lifecycle import NotificationKind
from domain.switch import event_from_record, fold
from eventstore.postgres import PostgresEventStore
from ops.report.model import Chart, Period, Section, Table

IN_PROGRESS = "IN_PROGRESS"
_REQUESTED_IN = (
    "SELECT stream_id FROM events WHERE type = 'SwitchRequested'"
    " AND (data->>'at')::timestamptz >= $1 AND (data->>'at')::timestamptz < $2"
    " ORDER BY position"
)


@dataclass(frozen=True)
class SwitchFacts:
    """What the report needs of one switch."""

    switch_id: str
    fuel: str
    day: date
    outcome: str
    submitted_at: datetime | None
    secured_at: datetime | None
    supply_start_date: date | None
    within_target: bool | None
    within_backstop: bool | None
    owed_pence: int
    waived: bool
    objection_reasons: tuple[str, ...]


def _within(ssd: date | None, deadline: date | None, flagged: bool) -> bool:
    # Switches begun under the earlier rules have no deadline dates: their flags decide.
    if ssd is not None and deadline is not None:
        return ssd <= deadline
    return not flagged


def switch_facts(events: Sequence[Event]) -> SwitchFacts:
    """The facts of one switch from its events (pure)."""
    state = fold(events)
    assert state is not None
    assert isinstance(events[0], SwitchRequested)
    submitted = next((e.at for e in events if isinstance(e, RegistrationSubmitted)), None)
    applied = [e.notification for e in events if isinstance(e, NotificationApplied)]
    secured_at = next((n.occurred_at for n in applied if n.kind is NotificationKind.SECURED), None)
    secured = state.secured and state.supply_start_date is not None
    ssd = state.supply_start_date
    return SwitchFacts(
        switch_id=state.switch_id,
        fuel=state.details.fuel.value,
        day=events[0].at.astimezone(LONDON).date(),
        outcome=state.status.value if state.terminal else IN_PROGRESS,
        submitted_at=submitted,
        secured_at=secured_at,
        supply_start_date=ssd,
        within_target=(
            _within(ssd, state.target_supply_start_date, state.deadline_missed) if secured else None
        ),
        within_backstop=(
            _within(
                ssd,
                state.backstop_supply_start_date,
                state.compensation_due or state.compensation_waived,
            )
            if secured
            else None
        ),
        owed_pence=state.compensation_pence if state.compensation_due else 0,
        waived=state.compensation_waived,
        objection_reasons=tuple(
            n.reason_code or "UNSPECIFIED"
            for n in applied
            if n.kind is NotificationKind.OBJECTION_RAISED
        ),
    )


async def read_switches(store: PostgresEventStore, period: Period) -> list[SwitchFacts]:
    rows = await store.pool.fetch(_REQUESTED_IN, period.start, period.end)
    found = []
    for row in rows:
        recorded = await store.read_stream(row["stream_id"])
        events = [event_from_record(e.type, e.data, e.schema_version) for e in recorded]
        found.append(switch_facts(events))
    return found


def _per_day(facts: Sequence[SwitchFacts], period: Period) -> Section:
    outcomes = sorted({f.outcome for f in facts})
    counted = Counter((f.day, f.outcome) for f in facts)
    days = period.days()
    rows = [
        (
            str(day),
            *(str(counted[(day, o)]) for o in outcomes),
            str(sum(counted[(day, o)] for o in outcomes)),
        )
        for day in days
    ]
    chart = Chart(
        categories=[str(day) for day in days],
        series={o: [float(counted[(day, o)]) for day in days] for o in outcomes},
        y_title="switches requested",
        stacked=True,
    )
    by_outcome = Counter(f.outcome for f in facts)
    summary = [f"{len(facts)} switches requested in the period"] + [
        f"{count} {outcome}" for outcome, count in sorted(by_outcome.items())
    ]
    return Section(
        "Switches per day by outcome",
        ["; ".join(summary)],
        Table(("day", *outcomes, "total"), rows),
        chart,
    )


def _share(part: int, whole: int) -> str:
    return "-" if whole == 0 else f"{100 * part / whole:.1f}%"


def _deadlines(facts: Sequence[SwitchFacts]) -> Section:
    secured = [f for f in facts if f.within_target is not None]
    target = sum(1 for f in secured if f.within_target)
    backstop = sum(1 for f in secured if f.within_backstop)
    rows = [
        ("within the target SSD", str(target), _share(target, len(secured))),
        ("within the backstop SSD", str(backstop), _share(backstop, len(secured))),
        ("secured in all", str(len(secured)), ""),
    ]
    chart = Chart(
        categories=["target", "backstop"],
        series={
            "share secured within (%)": [
                100 * target / len(secured) if secured else 0.0,
                100 * backstop / len(secured) if secured else 0.0,
            ]
        },
        y_title="% of switches secured",
    )
    summary = (
        f"of {len(secured)} switches secured, {_share(target, len(secured))} start on or before "
        f"their target SSD and {_share(backstop, len(secured))} on or before their backstop SSD"
    )
    return Section(
        "Secured for a supply start date within the target and the backstop",
        [summary],
        Table(("", "switches", "share"), rows),
        chart,
    )


def _hours(facts: Sequence[SwitchFacts]) -> list[float]:
    return sorted(
        (f.secured_at - f.submitted_at).total_seconds() / 3600
        for f in facts
        if f.secured_at is not None and f.submitted_at is not None
    )


def percentile(values: Sequence[float], share: float) -> float:
    """Linear interpolation between the closest ranks (`values` sorted)."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def _time_to_secured(facts: Sequence[SwitchFacts]) -> Section:
    rows = []
    series: dict[str, list[float]] = {"p50": [], "p95": []}
    categories = []
    for fuel in ("ALL", *sorted({f.fuel for f in facts})):
        hours = _hours([f for f in facts if fuel in ("ALL", f.fuel)])
        if not hours:
            continue
        p50, p95 = percentile(hours, 0.5), percentile(hours, 0.95)
        rows.append((fuel, str(len(hours)), f"{p50:.1f}", f"{p95:.1f}"))
        categories.append(fuel)
        series["p50"].append(p50)
        series["p95"].append(p95)
    summary = ["no switch of the period was secured"]
    if rows:
        _, count, p50_text, p95_text = rows[0]
        summary = [f"from submission to SECURED: p50 {p50_text} h, p95 {p95_text} h ({count})"]
    chart = Chart(categories, series, "hours") if rows else None
    return Section(
        "Time from submission to SECURED",
        summary,
        Table(("fuel", "switches", "p50 (h)", "p95 (h)"), rows),
        chart,
    )


def _compensation(facts: Sequence[SwitchFacts]) -> Section:
    owing = [f for f in facts if f.owed_pence]
    pence = sum(f.owed_pence for f in owing)
    waived = sum(1 for f in facts if f.waived)
    rows = [
        ("owed", str(len(owing)), f"£{pence / 100:.2f}"),
        ("waived by an operator", str(waived), ""),
    ]
    summary = f"{len(owing)} switches owe £{pence / 100:.2f} in compensation; {waived} waived"
    return Section("Compensation owed", [summary], Table(("", "switches", "amount"), rows))


def _objections(facts: Sequence[SwitchFacts]) -> Section:
    reasons = Counter(reason for f in facts for reason in f.objection_reasons)
    rows = [(reason, str(count)) for reason, count in reasons.most_common()]
    chart = (
        Chart(list(reasons), {"objections": [float(n) for n in reasons.values()]}, "objections")
        if reasons
        else None
    )
    summary = f"{sum(reasons.values())} objections raised by losing suppliers"
    return Section("Objections by reason", [summary], Table(("reason", "objections"), rows), chart)


def sections(facts: Sequence[SwitchFacts], period: Period) -> list[Section]:
    return [
        _per_day(facts, period),
        _deadlines(facts),
        _time_to_secured(facts),
        _compensation(facts),
        _objections(facts),
    ]


async def switch_sections(store: PostgresEventStore, period: Period) -> list[Section]:
    return sections(await read_switches(store, period), period)
