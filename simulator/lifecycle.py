"""A registration inside the simulated CSS, and the steps its scenario plays.

Dates come from the engine's own calendar (`domain.calendar`), so the simulator and the
engine agree on working days, the objection window, gate closure and the earliest SSD. The
market sector, the story and the objection ground come from the simulator's meter-point
table, never from the request; an objection the rules do not allow
(`domain.objections`) is not raised, so that registration plays `happy`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from css.messages import (
    BARE,
    STATUS_AFTER,
    Active,
    Annulled,
    CssStatus,
    NotificationMessage,
    RegistrationRequest,
    RegistrationStatus,
    Rejected,
    Secured,
    Validated,
)
from domain.calendar import LONDON, MAX_SSD_DAYS_AHEAD, WorkingDayCalendar, to_london
from domain.identifiers import InvalidIdentifier, MarketSector, parse_mpid, parse_mpxn
from domain.lifecycle import NotificationKind
from domain.objections import ObjectionGround, objection_refusal
from simulator.meter_points import MeterPoint
from simulator.scenarios import DEFAULT_REASON, OBJECTING, Scenario


@dataclass(frozen=True)
class Facts:
    """The market dates of one registration, fixed when it is validated."""

    validated_at: datetime
    objection_window_end: datetime
    supply_start_date: date
    gate_closure: datetime
    active_at: datetime


@dataclass(frozen=True)
class Step:
    at: datetime
    event_type: NotificationKind
    reason_code: str | None = None


@dataclass
class Registration:
    registration_id: str
    request: RegistrationRequest
    meter_point: MeterPoint
    received_at: datetime
    facts: Facts
    status: CssStatus = CssStatus.RECEIVED
    last: NotificationMessage | None = None
    withdrawal_message_id: str | None = None
    history: list[NotificationMessage] = field(default_factory=list)
    held: list[NotificationMessage] = field(default_factory=list)  # the slow scenario's

    def objection_refusal(self, ground: ObjectionGround) -> str | None:
        """Why CSS would refuse an objection on `ground` to this registration, or None."""
        return objection_refusal(
            ground,
            self.meter_point.market_sector,
            change_of_occupancy=self.request.change_of_occupancy,
            erroneous_transfer=self.request.erroneous_transfer,
        )

    def apply(self, notification: NotificationMessage) -> None:
        self.status = STATUS_AFTER[notification.event_type]
        self.last = notification
        self.history.append(notification)

    def to_status(self) -> RegistrationStatus:
        last = self.last
        validated = self.status not in (CssStatus.RECEIVED, CssStatus.REJECTED)
        return RegistrationStatus(
            registration_id=self.registration_id,
            status=self.status,
            mpxn=self.request.mpxn,
            last_event_type=None if last is None else last.event_type,
            last_message_id=None if last is None else last.message_id,
            occurred_at=None if last is None else last.occurred_at,
            objection_window_end=self.facts.objection_window_end if validated else None,
            supply_start_date=self.facts.supply_start_date if validated else None,
            reason_code=getattr(last, "reason_code", None),
        )


def new_registration_id() -> str:
    return f"REG-{uuid.uuid4().hex[:20].upper()}"


def facts_for(
    request: RegistrationRequest,
    sector: MarketSector,
    validated_at: datetime,
    calendar: WorkingDayCalendar,
) -> Facts:
    """The dates CSS fixes at validation, by the sector it holds; a too-early requested SSD
    moves to the earliest."""
    earliest = calendar.earliest_supply_start_date(validated_at, sector)
    requested = request.requested_supply_start_date
    ssd = earliest if requested is None or requested < earliest else requested
    return Facts(
        validated_at=validated_at,
        objection_window_end=calendar.objection_window_end(validated_at, sector),
        supply_start_date=ssd,
        gate_closure=calendar.gate_closure(ssd),
        active_at=datetime.combine(ssd, time(0), tzinfo=LONDON).astimezone(UTC),
    )


def validation_failure(request: RegistrationRequest, facts: Facts) -> str | None:
    """The reason code CSS would reject this request with, or None."""
    try:
        parse_mpxn(request.mpxn, request.fuel)
    except InvalidIdentifier:
        return "INVALID_MPXN"
    try:
        parse_mpid(request.gaining_supplier_id)
    except InvalidIdentifier:
        return "INVALID_SUPPLIER_ID"
    latest = to_london(facts.validated_at).date() + timedelta(days=MAX_SSD_DAYS_AHEAD)
    requested = request.requested_supply_start_date
    if requested is not None and requested > latest:
        return "SUPPLY_START_DATE_TOO_LATE"
    return None


def _between(start: datetime, end: datetime, fraction: float) -> datetime:
    return start + (end - start) * fraction


def plan(registration: Registration) -> list[Step]:
    """The notifications this registration's scenario will send, in time order."""
    facts, point = registration.facts, registration.meter_point
    v, w, g = facts.validated_at, facts.objection_window_end, facts.gate_closure
    failure = validation_failure(registration.request, facts)
    scenario = point.scenario
    if failure is not None or scenario is Scenario.REJECT:
        return [Step(v, NotificationKind.REJECTED, failure or point.reason)]
    if scenario is Scenario.MANUAL:
        return []
    if scenario in OBJECTING and registration.objection_refusal(point.objection_ground):
        scenario = Scenario.HAPPY
    validated = Step(v, NotificationKind.VALIDATED)
    to_active = [
        Step(w, NotificationKind.CONFIRMED),
        Step(g, NotificationKind.SECURED),
        Step(facts.active_at, NotificationKind.ACTIVE),
    ]
    if scenario is Scenario.OBJECT:
        return [
            validated,
            Step(_between(v, w, 0.5), NotificationKind.OBJECTION_RAISED),
            Step(w, NotificationKind.OBJECTED),
        ]
    if scenario is Scenario.OBJECT_THEN_LIFT:
        raised = Step(_between(v, w, 1 / 3), NotificationKind.OBJECTION_RAISED)
        lifted = Step(_between(v, w, 2 / 3), NotificationKind.OBJECTION_LIFTED)
        return [validated, raised, lifted, *to_active]
    if scenario is Scenario.ANNUL:
        if g > w:
            annul = Step(_between(w, g, 0.5), NotificationKind.ANNULLED, point.reason)
            return [validated, Step(w, NotificationKind.CONFIRMED), annul]
        return [validated, Step(_between(v, w, 0.5), NotificationKind.ANNULLED, point.reason)]
    return [validated, *to_active]


def build_notification(
    registration: Registration,
    event_type: NotificationKind,
    at: datetime,
    reason_code: str | None = None,
) -> NotificationMessage:
    """A notification about `registration` with a fresh message id."""
    message_id = f"MSG-{uuid.uuid4().hex.upper()}"
    head = (message_id, registration.registration_id, registration.request.mpxn, at)
    facts = registration.facts
    match event_type:
        case NotificationKind.VALIDATED:
            return Validated(
                *head,
                facts.objection_window_end,
                facts.supply_start_date,
                registration.meter_point.market_sector,
            )
        case NotificationKind.REJECTED:
            return Rejected(*head, reason_code or "VALIDATION_FAILED")
        case NotificationKind.ANNULLED:
            return Annulled(*head, reason_code or DEFAULT_REASON[Scenario.ANNUL])
        case NotificationKind.SECURED:
            return Secured(*head, facts.supply_start_date)
        case NotificationKind.ACTIVE:
            return Active(*head, facts.supply_start_date)
        case _:
            return BARE[event_type](*head)
