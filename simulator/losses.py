"""Other suppliers gaining our customers: the losing side of the simulated CSS.

On demand (`start`, `POST /control/losses`) or at a rate (`set_rate`), another supplier
registers one of the meter points we supply. The simulator then plays CSS towards us, the
losing supplier, on its clock and with the engine's calendar:

    validation          LOSS_PENDING (window end, SSD, gaining supplier, CSS's sector,
                        change of occupancy, erroneous transfer)
    window end          LOSS_OBJECTED if our objection stands, else LOSS_CONFIRMED
    gate closure        LOSS_SECURED
    00:00 on the SSD    LOSS_COMPLETED

unless the story says otherwise: `withdrawn` (the gaining supplier withdraws between the
window's end and gate closure) or `rejected` (CSS rejects the request inside the window).

It takes our requests as CSS would, by the rules of `domain.objections` and on its own
clock, refusing with a reason code:
- objection: only while the window is open (409 OBJECTION_WINDOW_CLOSED), only on grounds
  the rules allow for the sector CSS holds and the request's flags (422
  OBJECTION_NOT_ALLOWED), once (409 OBJECTION_ALREADY_RAISED);
- lift: only of a standing objection (409 NO_OBJECTION_TO_LIFT), inside the window;
- annulment: until SECURED (409 ALREADY_SECURED; 409 REGISTRATION_CLOSED once ended).
Every request must come from the losing supplier (403 NOT_LOSING_SUPPLIER), and a request
sent again with the same message id gets the answer it got the first time.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from css.losses import (
    LossActionRequest,
    LossDated,
    LossMessage,
    LossPending,
    LossWithReason,
    ObjectionRequest,
)
from css.messages import CssStatus
from css.wire import wire_datetime
from domain.calendar import LONDON, WorkingDayCalendar
from domain.identifiers import Fuel, MarketSector
from domain.loss_notification import LossKind
from domain.objections import objection_refusal
from simulator.clock import Scheduler, SimClock
from simulator.market import Market
from simulator.service import Refusal

log = logging.getLogger("simulator.losses")

#: The gaining suppliers the simulator plays (made-up MPIDs).
GAINING_SUPPLIERS = ("OTHR", "RIVL", "NEWS")


class LossStory(StrEnum):
    """What the gaining side does, whatever we do."""

    COMPLETE = "complete"
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"


@dataclass(frozen=True)
class OurMeterPoint:
    mpxn: str
    fuel: Fuel
    market_sector: MarketSector


@dataclass(frozen=True)
class LossOrder:
    """A loss to play: which meter point (None: any of ours), the story and the flags."""

    mpxn: str | None = None
    fuel: Fuel | None = None
    market_sector: MarketSector | None = None
    story: LossStory = LossStory.COMPLETE
    change_of_occupancy: bool = False
    erroneous_transfer: bool = False
    gaining_supplier_id: str | None = None


@dataclass
class LossRegistration:
    registration_id: str
    meter_point: OurMeterPoint
    gaining_supplier_id: str
    losing_supplier_id: str
    order: LossOrder
    validated_at: datetime
    window_end: datetime
    supply_start_date: date
    gate_closure: datetime
    status: CssStatus = CssStatus.RECEIVED
    objection: ObjectionRequest | None = None
    lift: LossActionRequest | None = None
    annulment: LossActionRequest | None = None
    history: list[LossMessage] = field(default_factory=list)
    #: Our requests by message id, with what they were answered, so a resend gets the same.
    answered: dict[str, Refusal | None] = field(default_factory=dict)

    @property
    def objection_standing(self) -> bool:
        return self.objection is not None and self.lift is None

    def view(self) -> dict[str, Any]:
        return {
            "registrationId": self.registration_id,
            "mpxn": self.meter_point.mpxn,
            "fuel": self.meter_point.fuel.value,
            "marketSector": self.meter_point.market_sector.value,
            "gainingSupplierId": self.gaining_supplier_id,
            "losingSupplierId": self.losing_supplier_id,
            "story": self.order.story.value,
            "changeOfOccupancy": self.order.change_of_occupancy,
            "erroneousTransfer": self.order.erroneous_transfer,
            "status": self.status.value,
            "objectionWindowEnd": wire_datetime(self.window_end),
            "supplyStartDate": self.supply_start_date.isoformat(),
            "gateClosure": wire_datetime(self.gate_closure),
            "objected": self.objection is not None,
            "lifted": self.lift is not None,
            "annulled": self.annulment is not None,
            "notifications": [n.event_type.value for n in self.history],
        }


_STATUS_AFTER = {
    LossKind.PENDING: CssStatus.PENDING,
    LossKind.CONFIRMED: CssStatus.CONFIRMED,
    LossKind.OBJECTED: CssStatus.OBJECTED,
    LossKind.SECURED: CssStatus.SECURED,
    LossKind.COMPLETED: CssStatus.ACTIVE,
    LossKind.WITHDRAWN: CssStatus.WITHDRAWN,
    LossKind.REJECTED: CssStatus.REJECTED,
    LossKind.ANNULLED: CssStatus.ANNULLED,
}
_ENDED = frozenset(
    {
        CssStatus.ACTIVE,
        CssStatus.OBJECTED,
        CssStatus.WITHDRAWN,
        CssStatus.REJECTED,
        CssStatus.ANNULLED,
    }
)


class LossDesk:
    """The losses the simulator plays; its actions are synchronous, like the scheduler's."""

    def __init__(
        self,
        *,
        clock: SimClock,
        calendar: WorkingDayCalendar,
        scheduler: Scheduler,
        push: Callable[[LossMessage], None],
        our_supplier_id: str,
        meter_points: Sequence[OurMeterPoint] = (),
        validation_delay: timedelta = timedelta(minutes=1),
        seed: int | None = None,
    ) -> None:
        self.clock = clock
        self.calendar = calendar
        self.scheduler = scheduler
        self.push = push
        self.our_supplier_id = our_supplier_id
        self.meter_points = {point.mpxn: point for point in meter_points}
        self.validation_delay = validation_delay
        self.rng = random.Random(seed)
        self.per_day = 0.0
        self._by_id: dict[str, LossRegistration] = {}

    # --- starting losses ---------------------------------------------------------------------

    def start(self, order: LossOrder = LossOrder()) -> LossRegistration:
        point = self._meter_point(order)
        now = self.clock.now()
        validated_at = now + self.validation_delay
        window_end = self.calendar.objection_window_end(validated_at, point.market_sector)
        ssd = self.calendar.earliest_supply_start_date(validated_at, point.market_sector)
        loss = LossRegistration(
            registration_id=f"REG-{uuid.uuid4().hex[:20].upper()}",
            meter_point=point,
            gaining_supplier_id=order.gaining_supplier_id or self.rng.choice(GAINING_SUPPLIERS),
            losing_supplier_id=self.our_supplier_id,
            order=order,
            validated_at=validated_at,
            window_end=window_end,
            supply_start_date=ssd,
            gate_closure=self.calendar.gate_closure(ssd),
        )
        self._by_id[loss.registration_id] = loss
        self._plan(loss)
        self.scheduler.run_due()
        return loss

    def _meter_point(self, order: LossOrder) -> OurMeterPoint:
        if order.mpxn is None:
            if not self.meter_points:
                raise Refusal(
                    409, "NO_METER_POINTS", "the simulator knows none of our meter points"
                )
            busy = {loss.meter_point.mpxn for loss in self._by_id.values() if not self._ended(loss)}
            free = sorted(set(self.meter_points) - busy) or sorted(self.meter_points)
            return self.meter_points[self.rng.choice(free)]
        known = self.meter_points.get(order.mpxn)
        fuel = order.fuel or (known.fuel if known else _fuel_of(order.mpxn))
        sector = order.market_sector or (known.market_sector if known else MarketSector.DOMESTIC)
        return OurMeterPoint(order.mpxn, fuel, sector)

    def set_rate(self, per_day: float) -> None:
        """Start a loss every 1/per_day simulated days (0 stops)."""
        if not per_day >= 0:
            raise ValueError(f"a loss rate must not be negative, got {per_day}")
        self.per_day = per_day
        self.scheduler.cancel_group("losses/rate")
        if per_day > 0:
            self._schedule_next(self.clock.now())

    def _schedule_next(self, after: datetime) -> None:
        # From the last one's due time, not the clock's: a jump of the clock starts every
        # loss that fell due in between.
        due = after + timedelta(days=1) / self.per_day

        def fire() -> None:
            self._schedule_next(due)
            try:
                self.start(self._random_order())
            except Refusal as refused:
                # No meter point of ours to lose: nothing to play, and nobody to tell.
                log.warning("no loss started: %s", refused.detail)

        self.scheduler.at(due, "losses/rate", fire)

    def _random_order(self) -> LossOrder:
        rng = self.rng
        story = rng.choices(list(LossStory), (85, 10, 5))[0]
        return LossOrder(
            story=story,
            change_of_occupancy=rng.random() < 0.2,
            erroneous_transfer=rng.random() < 0.03,
        )

    # --- the lifecycle -----------------------------------------------------------------------

    def _plan(self, loss: LossRegistration) -> None:
        self._at(loss, loss.validated_at, self._pending)
        if loss.order.story is LossStory.REJECTED:
            middle = loss.validated_at + (loss.window_end - loss.validated_at) / 2
            self._at(loss, middle, lambda lo: self._notify(lo, LossKind.REJECTED, "REJECTED"))
            return
        self._at(loss, loss.window_end, self._window_closes)
        if loss.order.story is LossStory.WITHDRAWN:
            middle = loss.window_end + (loss.gate_closure - loss.window_end) / 2
            self._at(loss, middle, lambda lo: self._notify(lo, LossKind.WITHDRAWN))
            return
        self._at(loss, loss.gate_closure, lambda lo: self._notify(lo, LossKind.SECURED))
        active_at = datetime.combine(loss.supply_start_date, time(0), tzinfo=LONDON)
        self._at(loss, active_at.astimezone(UTC), lambda lo: self._notify(lo, LossKind.COMPLETED))

    def _at(
        self, loss: LossRegistration, when: datetime, act: Callable[[LossRegistration], None]
    ) -> None:
        self.scheduler.at(when, loss.registration_id, lambda: act(loss))

    def _pending(self, loss: LossRegistration) -> None:
        point = loss.meter_point
        message = LossPending(
            LossKind.PENDING,
            *self._head(loss),
            fuel=point.fuel,
            market_sector=point.market_sector,
            gaining_supplier_id=loss.gaining_supplier_id,
            objection_window_end=loss.window_end,
            supply_start_date=loss.supply_start_date,
            change_of_occupancy=loss.order.change_of_occupancy,
            erroneous_transfer=loss.order.erroneous_transfer,
        )
        self._send(loss, message)

    def _window_closes(self, loss: LossRegistration) -> None:
        kind = LossKind.OBJECTED if loss.objection_standing else LossKind.CONFIRMED
        self._notify(loss, kind)

    def _notify(self, loss: LossRegistration, kind: LossKind, reason: str | None = None) -> None:
        head = (kind, *self._head(loss))
        message: LossMessage
        if kind in (LossKind.SECURED, LossKind.COMPLETED):
            message = LossDated(*head, supply_start_date=loss.supply_start_date)
        elif reason is not None:
            message = LossWithReason(*head, reason_code=reason)
        else:
            message = LossMessage(*head)
        self._send(loss, message)

    def _head(self, loss: LossRegistration) -> tuple[str, str, str, datetime]:
        message_id = f"MSG-{uuid.uuid4().hex.upper()}"
        return message_id, loss.registration_id, loss.meter_point.mpxn, self.clock.now()

    def _send(self, loss: LossRegistration, message: LossMessage) -> None:
        loss.status = _STATUS_AFTER[message.event_type]
        loss.history.append(message)
        if self._ended(loss):
            self.scheduler.cancel_group(loss.registration_id)
        self.push(message)

    @staticmethod
    def _ended(loss: LossRegistration) -> bool:
        return loss.status in _ENDED

    # --- our requests, as CSS takes them -----------------------------------------------------

    def get(self, registration_id: str) -> LossRegistration:
        loss = self._by_id.get(registration_id)
        if loss is None:
            raise Refusal(404, "UNKNOWN_REGISTRATION", f"no registration {registration_id}")
        return loss

    def losses(self) -> list[LossRegistration]:
        return list(self._by_id.values())

    def object(self, registration_id: str, request: ObjectionRequest) -> LossRegistration:
        return self._answer(registration_id, request, self._object)

    def lift(self, registration_id: str, request: LossActionRequest) -> LossRegistration:
        return self._answer(registration_id, request, self._lift)

    def annul(self, registration_id: str, request: LossActionRequest) -> LossRegistration:
        return self._answer(registration_id, request, self._annul)

    def _answer(
        self,
        registration_id: str,
        request: Any,
        act: Callable[[LossRegistration, Any], None],
    ) -> LossRegistration:
        loss = self.get(registration_id)
        if request.message_id in loss.answered:
            refused = loss.answered[request.message_id]
            if refused is not None:
                raise refused
            return loss
        if request.losing_supplier_id != loss.losing_supplier_id:
            raise Refusal(
                403,
                "NOT_LOSING_SUPPLIER",
                f"{request.losing_supplier_id} is not the registered supplier of "
                f"{loss.meter_point.mpxn}",
            )
        try:
            act(loss, request)
        except Refusal as refused:
            loss.answered[request.message_id] = refused
            raise
        loss.answered[request.message_id] = None
        return loss

    def _object(self, loss: LossRegistration, request: ObjectionRequest) -> None:
        self._require_window_open(loss, "objection")
        if loss.objection is not None:
            raise Refusal(409, "OBJECTION_ALREADY_RAISED", "an objection was raised already")
        for evidence in request.grounds:
            refusal = objection_refusal(
                evidence.ground,
                loss.meter_point.market_sector,
                change_of_occupancy=loss.order.change_of_occupancy,
                erroneous_transfer=loss.order.erroneous_transfer,
            )
            if refusal is not None:
                raise Refusal(422, "OBJECTION_NOT_ALLOWED", f"{evidence.ground.value}: {refusal}")
        loss.objection = request

    def _lift(self, loss: LossRegistration, request: LossActionRequest) -> None:
        if not loss.objection_standing:
            raise Refusal(409, "NO_OBJECTION_TO_LIFT", "no objection of yours stands")
        self._require_window_open(loss, "lift")
        loss.lift = request

    def _annul(self, loss: LossRegistration, request: LossActionRequest) -> None:
        if loss.status is CssStatus.SECURED:
            raise Refusal(
                409,
                "ALREADY_SECURED",
                f"registration {loss.registration_id} was secured at gate closure "
                f"{loss.gate_closure.isoformat()}",
            )
        if self._ended(loss):
            raise Refusal(409, "REGISTRATION_CLOSED", f"the registration is {loss.status.value}")
        loss.annulment = request
        self._notify(loss, LossKind.ANNULLED, "ANNULLED_BY_LOSING_SUPPLIER")

    def _require_window_open(self, loss: LossRegistration, what: str) -> None:
        now = self.clock.now()
        if loss.status is not CssStatus.PENDING or now >= loss.window_end:
            raise Refusal(
                409,
                "OBJECTION_WINDOW_CLOSED",
                f"{what} refused: the objection window closed at "
                f"{loss.window_end.isoformat()} (now {now.isoformat()})",
            )


def _fuel_of(mpxn: str) -> Fuel:
    return Fuel.ELECTRICITY if len(mpxn) == 13 else Fuel.GAS


def our_meter_points(market: Market) -> list[OurMeterPoint]:
    """The meter points the market says we supply and that could be switched away."""
    ours = market.header.our_supplier_id
    points = [
        OurMeterPoint(point.mpan, Fuel.ELECTRICITY, MarketSector(point.market_sector))
        for premises in market.premises
        for point in premises.electricity
        if point.supplier_id == ours and not point.deactivated
    ]
    points += [
        OurMeterPoint(point.mprn, Fuel.GAS, MarketSector(point.market_sector))
        for premises in market.premises
        for point in premises.gas
        if point.supplier_id == ours and point.status != "DEAD"
    ]
    return points
