"""The simulated CSS itself: registrations, their scheduled lifecycle, and the controls.

The HTTP layer (`app.py`) and tests both drive this object; it never does I/O itself
beyond handing notifications to the pusher.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from css import jws
from css.messages import (
    TERMINAL_STATUSES,
    CssStatus,
    NotificationMessage,
    RegistrationRequest,
    RegistrationStatus,
    WithdrawalRequest,
)
from css.pki import PkiPaths, create_jws_key, load_signing_key, load_trusted_keys
from domain.calendar import WorkingDayCalendar
from domain.lifecycle import NotificationKind
from domain.objections import ObjectionGround
from simulator.clock import Scheduler, SimClock
from simulator.faults import FaultInjector
from simulator.lifecycle import (
    Registration,
    Step,
    build_notification,
    facts_for,
    new_registration_id,
    plan,
)
from simulator.meter_points import MeterPoints
from simulator.push import Pusher
from simulator.scenarios import Scenario

WITHDRAWABLE = frozenset(
    {CssStatus.RECEIVED, CssStatus.PENDING, CssStatus.OBJECTION_RECEIVED, CssStatus.CONFIRMED}
)


class Refusal(Exception):
    """CSS refuses a request; becomes `{"reasonCode", "detail"}` with `status_code`."""

    def __init__(self, status_code: int, reason_code: str, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.reason_code = reason_code
        self.detail = detail


@dataclass(frozen=True)
class LifecycleSettings:
    validation_delay: timedelta = timedelta(minutes=1)
    # The slow scenario's notifications after VALIDATED arrive this late (sim time) unless
    # released earlier; 33 days is how long the 2023 incident left switches stuck.
    slow_lag: timedelta = timedelta(days=33)


class SigningKeys:
    """CSS's JWS keys: one signs, all are published; rotation moves to the next kid."""

    def __init__(self, folder: Path, active_kid: str | None = None) -> None:
        self._folder = folder
        kids = PkiPaths.kids(folder)
        self._active = load_signing_key(folder, active_kid or kids[0])
        # Read once, not per `GET /v1/keys`; only `rotate` adds a key in this process.
        self._published = load_trusted_keys(folder)

    @property
    def active(self) -> jws.SigningKey:
        return self._active

    def published(self) -> jws.TrustedKeys:
        return self._published

    def sign(self, body: bytes) -> str:
        return jws.sign(body, self._active)

    def rotate(self) -> str:
        """Start signing with the kid after the current one, creating it if needed."""
        kids = PkiPaths.kids(self._folder)
        later = [kid for kid in kids if kid > self._active.kid]
        if later:
            kid = later[0]
        else:
            prefix, _, number = self._active.kid.rpartition("-")
            kid = f"{prefix}-{int(number) + 1}" if number.isdigit() else f"{self._active.kid}-2"
            create_jws_key(self._folder, kid, self._active.alg)
        self._active = load_signing_key(self._folder, kid)
        self._published = load_trusted_keys(self._folder)
        return kid


class Simulator:
    def __init__(
        self,
        *,
        clock: SimClock,
        calendar: WorkingDayCalendar,
        keys: SigningKeys,
        pusher: Pusher,
        faults: FaultInjector,
        settings: LifecycleSettings = LifecycleSettings(),
        meter_points: MeterPoints | None = None,
    ) -> None:
        self.clock = clock
        self.calendar = calendar
        self.keys = keys
        self.pusher = pusher
        self.faults = faults
        self.settings = settings
        self.scheduler = Scheduler(clock)
        self.meter_points = meter_points or MeterPoints()
        self._by_id: dict[str, Registration] = {}
        self._by_message_id: dict[str, Registration] = {}
        #: Requests accepted, by the supplier key that signed them (rotations show here).
        self.signed_by: Counter[str] = Counter()
        self.stop = asyncio.Event()

    # --- the CSS interface ------------------------------------------------------------

    def submit(self, request: RegistrationRequest) -> tuple[Registration, bool]:
        """The registration for this message id, created (True) or found again (False)."""
        known = self._by_message_id.get(request.message_id)
        if known is not None:
            if _comparable(known.request) != _comparable(request):
                raise Refusal(
                    422,
                    "MESSAGE_ID_REUSED",
                    f"message id {request.message_id} was used for a different request",
                )
            return known, False
        now = self.clock.now()
        validated_at = now + self.settings.validation_delay
        point = self.meter_points.get(request.mpxn)
        registration = Registration(
            registration_id=new_registration_id(),
            request=request,
            meter_point=point,
            received_at=now,
            facts=facts_for(request, point.market_sector, validated_at, self.calendar),
        )
        self._by_id[registration.registration_id] = registration
        self._by_message_id[request.message_id] = registration
        for step in plan(registration):
            self._schedule(registration, step)
        self.scheduler.run_due()
        return registration, True

    def withdraw(self, registration_id: str, withdrawal: WithdrawalRequest) -> Registration:
        registration = self.get(registration_id)
        repeated = registration.withdrawal_message_id == withdrawal.message_id
        if registration.status is CssStatus.WITHDRAWN and repeated:
            return registration
        if registration.status is CssStatus.SECURED:
            raise Refusal(
                409,
                "ALREADY_SECURED",
                f"registration {registration_id} was secured at gate closure "
                f"{registration.facts.gate_closure.isoformat()}",
            )
        if registration.status not in WITHDRAWABLE:
            raise Refusal(
                409,
                "REGISTRATION_CLOSED",
                f"registration {registration_id} is {registration.status.value}",
            )
        registration.withdrawal_message_id = withdrawal.message_id
        self._emit(registration, NotificationKind.WITHDRAWN, self.clock.now())
        return registration

    def status(self, registration_id: str) -> RegistrationStatus:
        return self.get(registration_id).to_status()

    def get(self, registration_id: str) -> Registration:
        registration = self._by_id.get(registration_id)
        if registration is None:
            raise Refusal(404, "UNKNOWN_REGISTRATION", f"no registration {registration_id}")
        return registration

    # --- lifecycle --------------------------------------------------------------------

    def _schedule(self, registration: Registration, step: Step) -> None:
        def fire() -> None:
            self._emit(registration, step.event_type, step.at, step.reason_code)

        self.scheduler.at(step.at, registration.registration_id, fire)

    def _emit(
        self,
        registration: Registration,
        event_type: NotificationKind,
        at: datetime,
        reason_code: str | None = None,
        *,
        may_hold: bool = True,
    ) -> NotificationMessage:
        notification = build_notification(registration, event_type, at, reason_code)
        registration.apply(notification)
        if registration.status in TERMINAL_STATUSES:
            self.scheduler.cancel_group(registration.registration_id)
        slow = registration.meter_point.scenario is Scenario.SLOW
        if may_hold and slow and event_type is not NotificationKind.VALIDATED:
            late = at + self.settings.slow_lag
            key = f"{registration.registration_id}/late"
            self.scheduler.at(late, key, lambda: self.pusher.enqueue(notification))
            registration.held.append(notification)
        else:
            self.pusher.enqueue(notification)
        return notification

    # --- controls ---------------------------------------------------------------------

    def notify(
        self, registration_id: str, event_type: NotificationKind, reason_code: str | None = None
    ) -> NotificationMessage:
        """Send a notification now, whatever the registration's state (tests drive it).

        An objection is the losing supplier's, so its rules hold: one they do not allow
        (a debt objection on a change of occupancy, say) is refused. For OBJECTION_RAISED,
        `reason_code` is the ground (default: the meter point's).
        """
        registration = self.get(registration_id)
        if event_type is NotificationKind.OBJECTION_RAISED:
            self._check_objection(registration, reason_code)
            reason_code = None
        now = self.clock.now()
        return self._emit(registration, event_type, now, reason_code, may_hold=False)

    def _check_objection(self, registration: Registration, ground_text: str | None) -> None:
        try:
            ground = ObjectionGround(ground_text or registration.meter_point.objection_ground)
        except ValueError:
            allowed = ", ".join(g.value for g in ObjectionGround)
            raise Refusal(
                422, "UNKNOWN_OBJECTION_GROUND", f"objection ground {ground_text!r}: not {allowed}"
            ) from None
        refusal = registration.objection_refusal(ground)
        if refusal is not None:
            raise Refusal(409, "OBJECTION_NOT_ALLOWED", f"objection on {ground.value}: {refusal}")

    def release(self, registration_id: str) -> int:
        """Deliver now what the slow scenario holds back for this registration."""
        registration = self.get(registration_id)
        self.scheduler.cancel_group(f"{registration_id}/late")
        released = registration.held
        registration.held = []
        for notification in released:
            self.pusher.enqueue(notification)
        return len(released)

    def advance(self, delta: timedelta) -> datetime:
        """Jump the clock forward and run everything that fell due, in time order."""
        now = self.clock.advance(delta)
        self.scheduler.run_due()
        self.scheduler.poke()
        return now

    def set_speed(self, speed: float) -> None:
        self.clock.speed = speed
        self.scheduler.poke()

    def registrations(self, message_id: str | None = None) -> list[Registration]:
        if message_id is None:
            return list(self._by_id.values())
        found = self._by_message_id.get(message_id)
        return [] if found is None else [found]

    def rotate_key(self) -> str:
        return self.keys.rotate()


_ANY_TIME = datetime(2000, 1, 1, tzinfo=UTC)


def _comparable(request: RegistrationRequest) -> RegistrationRequest:
    # A retry re-sends the same message; its send time may differ.
    return replace(request, sent_at=_ANY_TIME)
