"""The activities' contracts: their names and their input and result dataclasses.

This is all the workflow knows of its activities, so importing the workflow loads none of
their implementations (HTTP, TLS, JWS, the database driver). Names and payload shapes are
recorded in every history: a change must keep old histories replaying and old tasks
decodable (see the README, "Changing workflow code").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from domain.calendar import SupplyDeadlines
from domain.identifiers import MarketSector
from domain.lifecycle import NotificationKind
from domain.notification import Notification
from domain.records import EMBEDDED
from domain.request import SwitchDetails
from domain.switch import SwitchState

I = TypeVar("I")  # noqa: E741 (the input's type, beside R for the result's)
R = TypeVar("R")


@dataclass(frozen=True)
class Activity(Generic[I, R]):
    """An activity's name and the type its result decodes to."""

    name: str
    result_type: type[R]


# --- event store ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EventRecord:
    type: str
    data: dict[str, Any]
    idempotency_key: str
    schema_version: int = 1
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AppendInput:
    stream_id: str
    expected_version: int
    events: list[EventRecord]


@dataclass(frozen=True)
class AppendResult:
    last_version: int
    positions: list[int]
    duplicate: bool


APPEND_SWITCH_EVENTS: Activity[AppendInput, AppendResult] = Activity(
    "append_switch_events", AppendResult
)

#: Store failures retrying cannot mend (the event store's own error class names).
STORE_NON_RETRYABLE: tuple[str, ...] = ("ConcurrencyError", "StoreIntegrityError")


# --- deadlines -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlinesInput:
    submitted_at: datetime
    market_sector: MarketSector
    requested_supply_start_date: date | None


@dataclass(frozen=True)
class DeadlinesResult:
    supply_start_date: date
    expected_objection_window_end: datetime
    two_day_target: datetime
    backstop: datetime
    calendar_version: str


COMPUTE_DEADLINES: Activity[DeadlinesInput, DeadlinesResult] = Activity(
    "compute_deadlines", DeadlinesResult
)


@dataclass(frozen=True)
class SupplyDeadlinesInput:
    #: When CSS received the request: every date is reckoned from it.
    submitted_at: datetime
    market_sector: MarketSector
    requested_supply_start_date: date | None


COMPUTE_SUPPLY_DEADLINES: Activity[SupplyDeadlinesInput, SupplyDeadlines] = Activity(
    "compute_supply_deadlines", SupplyDeadlines
)


@dataclass(frozen=True)
class SupplyStartDateCheck:
    #: When the request will reach CSS (after the withdrawal window).
    reaches_css_at: datetime
    market_sector: MarketSector
    requested_supply_start_date: date


@dataclass(frozen=True)
class SupplyStartDateVerdict:
    #: Why the date was refused; None when it is acceptable.
    refusal: str | None
    calendar_version: str


CHECK_SUPPLY_START_DATE: Activity[SupplyStartDateCheck, SupplyStartDateVerdict] = Activity(
    "check_supply_start_date", SupplyStartDateVerdict
)


# --- CSS -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmitInput:
    """The registration request to send: what signup asked for, and the supply start date to
    ask CSS for (the requested one, or the earliest once the hold has passed it; None leaves
    the earliest to CSS)."""

    message_id: str
    sent_at: datetime
    supply_start_date: date | None
    details: SwitchDetails = field(metadata=EMBEDDED)


@dataclass(frozen=True)
class LegacySubmitInput:
    """The input of a submission scheduled before inputs named their fields: the whole state.

    Accepted so that a task scheduled by an earlier worker is still carried out after an
    upgrade; nothing sends it any more.
    """

    message_id: str
    sent_at: datetime
    state: SwitchState

    def current(self) -> SubmitInput:
        assert self.state.supply_start_date is not None, "deadlines precede the submission"
        return SubmitInput(
            self.message_id, self.sent_at, self.state.supply_start_date, self.state.details
        )


@dataclass(frozen=True)
class SubmitResult:
    registration_id: str
    #: When CSS says it received the request, if it says (its clock starts then).
    received_at: datetime | None = None


@dataclass(frozen=True)
class WithdrawInput:
    registration_id: str
    message_id: str
    reason: str


@dataclass(frozen=True)
class WithdrawOutcome:
    refused_reason_code: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class ReadInput:
    registration_id: str


@dataclass(frozen=True)
class ReadResult:
    """What CSS holds for a registration now; `kind` is None while there is nothing to apply."""

    kind: NotificationKind | None
    occurred_at: datetime | None = None
    objection_window_end: datetime | None = None
    supply_start_date: date | None = None
    reason_code: str | None = None

    def as_notification(
        self, message_id: str, registration_id: str, fallback_at: datetime
    ) -> Notification | None:
        """The status read back, as if CSS had notified it (None when nothing to apply)."""
        if self.kind is None:
            return None
        return Notification(
            message_id=message_id,
            kind=self.kind,
            registration_id=registration_id,
            occurred_at=self.occurred_at or fallback_at,
            objection_window_end=self.objection_window_end,
            supply_start_date=self.supply_start_date,
            reason_code=self.reason_code,
        )


SUBMIT_REGISTRATION: Activity[SubmitInput, SubmitResult] = Activity(
    "submit_registration", SubmitResult
)
WITHDRAW_REGISTRATION: Activity[WithdrawInput, WithdrawOutcome] = Activity(
    "withdraw_registration", WithdrawOutcome
)
READ_REGISTRATION: Activity[ReadInput, ReadResult] = Activity("read_registration", ReadResult)

#: The `ApplicationError` type of a request CSS refused on purpose; its details are CSS's
#: reason code and detail.
CSS_REFUSED = "CssRejected"

#: CSS failures retrying cannot mend: a refusal, or an answer that fails verification (the
#: CSS gateway's error class names; a test holds them to `css.errors`).
CSS_NON_RETRYABLE: tuple[str, ...] = (
    "CssRejected",
    "CssConflict",
    "BadSignature",
    "MissingSignature",
    "MalformedSignature",
    "UnknownKeyId",
    "AlgorithmNotAllowed",
    "SignatureMismatch",
    "InvalidMessage",
)
