"""The switch decider: every lifecycle row, the ordering rules, and fold/evolve properties."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.events import (
    SCHEMA_VERSIONS,
    CompensationDue,
    DeadlineMissed,
    NotificationApplied,
    NotificationUnmatched,
    SwitchWithdrawn,
    WithdrawalRequested,
    event_from_record,
    event_to_record,
)
from domain.identifiers import Fuel, MarketSector
from domain.lifecycle import TERMINAL, NotificationKind, Status
from domain.notification import Notification
from domain.request import SwitchDetails
from domain.switch import (
    COMPENSATION_PENCE,
    ApplyNotification,
    Command,
    FlagStuck,
    MarkCompensationDue,
    MarkDeadlineMissed,
    RecordDeadlines,
    RecordSubmission,
    RecordSubmissionRefused,
    RecordWithdrawalRefused,
    RequestSwitch,
    SwitchState,
    TransitionRefused,
    Withdraw,
    decide,
    evolve,
    fold,
)

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
REG = "REG-1"


def run(state: SwitchState | None, *commands: Command) -> SwitchState | None:
    for command in commands:
        for event in decide(state, command):
            state = evolve(state, event)
    return state


def requested() -> SwitchState:
    state = run(None, _request_command())
    assert state is not None
    return state


def submitted() -> SwitchState:
    state = run(
        requested(),
        RecordDeadlines(
            supply_start_date=date(2026, 11, 25),
            expected_objection_window_end=T0 + timedelta(days=1),
            two_day_target=T0 + timedelta(days=2),
            backstop=T0 + timedelta(days=7),
            calendar_version="test",
            at=T0,
        ),
        RecordSubmission(registration_id=REG, message_id="m-sub", submitted_at=T0),
    )
    assert state is not None
    return state


def note(kind: NotificationKind, n: int, **fields: object) -> ApplyNotification:
    told = Notification(
        message_id=f"css-{n}",
        kind=kind,
        registration_id=REG,
        occurred_at=T0 + timedelta(hours=n),
        **fields,  # type: ignore[arg-type]
    )
    return ApplyNotification(told)


K = NotificationKind


def status_after(*kinds: NotificationKind) -> Status:
    state = run(submitted(), *(note(kind, i + 1) for i, kind in enumerate(kinds)))
    assert state is not None
    return state.status


class TestLifecycleRows:
    def test_request_holds_the_switch_as_requested(self) -> None:
        assert requested().status is Status.REQUESTED

    def test_submission_is_acknowledged(self) -> None:
        state = submitted()
        assert (state.status, state.registration_id) == (Status.SUBMITTED, REG)

    def test_validation_opens_the_objection_window(self) -> None:
        assert status_after(K.VALIDATED) is Status.PENDING

    def test_happy_path_reaches_active(self) -> None:
        assert status_after(K.VALIDATED, K.CONFIRMED, K.SECURED, K.ACTIVE) is Status.ACTIVE

    def test_rejection(self) -> None:
        state = run(submitted(), note(K.REJECTED, 1, reason_code="MPAN_UNKNOWN"))
        assert state is not None
        assert (state.status, state.reason_code) == (Status.REJECTED, "MPAN_UNKNOWN")

    def test_objection_received_then_standing(self) -> None:
        assert status_after(K.VALIDATED, K.OBJECTION_RAISED) is Status.OBJECTION_RECEIVED
        assert status_after(K.VALIDATED, K.OBJECTION_RAISED, K.OBJECTED) is Status.OBJECTED

    def test_objection_lifted_goes_on_to_confirmation(self) -> None:
        lifted = (K.VALIDATED, K.OBJECTION_RAISED, K.OBJECTION_LIFTED)
        assert status_after(*lifted) is Status.PENDING
        assert status_after(*lifted, K.CONFIRMED) is Status.CONFIRMED

    def test_annulment_before_secured(self) -> None:
        assert status_after(K.VALIDATED, K.CONFIRMED, K.ANNULLED) is Status.ANNULLED

    def test_withdrawal_before_submission_sends_nothing(self) -> None:
        events = decide(requested(), Withdraw(reason="customer changed mind", at=T0))
        assert [type(e) for e in events] == [SwitchWithdrawn]
        assert run(requested(), Withdraw("x", T0)).status is Status.WITHDRAWN  # type: ignore[union-attr]

    def test_withdrawal_after_submission_waits_for_css(self) -> None:
        events = decide(submitted(), Withdraw(reason="ops", at=T0))
        assert [type(e) for e in events] == [WithdrawalRequested]
        state = run(submitted(), Withdraw("ops", T0), note(K.WITHDRAWN, 1))
        assert state is not None
        assert state.status is Status.WITHDRAWN

    def test_withdraw_refused_once_secured(self) -> None:
        state = run(submitted(), note(K.VALIDATED, 1), note(K.CONFIRMED, 2), note(K.SECURED, 3))
        with pytest.raises(TransitionRefused, match="switch is SECURED"):
            decide(state, Withdraw(reason="too late", at=T0))

    def test_withdrawal_refused_by_css_clears_the_request(self) -> None:
        state = run(submitted(), Withdraw("ops", T0), RecordWithdrawalRefused("SECURED", "", T0))
        assert state is not None
        assert not state.withdrawal_requested
        assert state.status is Status.SUBMITTED

    def test_submission_refused_synchronously_is_a_rejection(self) -> None:
        state = run(requested(), RecordSubmissionRefused("BAD_MPID", "unknown supplier", T0))
        assert state is not None
        assert state.status is Status.REJECTED


class TestOrderingRules:
    def test_duplicate_message_yields_no_events(self) -> None:
        state = run(submitted(), note(K.VALIDATED, 1))
        assert decide(state, note(K.VALIDATED, 1)) == []

    def test_earlier_stage_after_later_never_moves_back(self) -> None:
        state = run(submitted(), note(K.CONFIRMED, 2), note(K.VALIDATED, 1))
        assert state is not None
        assert state.status is Status.CONFIRMED
        assert "css-1" in state.seen_message_ids  # recorded all the same

    def test_stale_notification_is_recorded_as_stale(self) -> None:
        state = run(submitted(), note(K.SECURED, 3))
        (event,) = decide(state, note(K.CONFIRMED, 2))
        assert isinstance(event, NotificationApplied)
        assert event.stale

    def test_lift_arriving_before_its_objection_leaves_no_standing_objection(self) -> None:
        lift = note(K.OBJECTION_LIFTED, 3)
        raise_ = note(K.OBJECTION_RAISED, 2)
        state = run(submitted(), note(K.VALIDATED, 1), lift, raise_)
        assert state is not None
        assert state.status is Status.PENDING

    def test_nothing_leaves_a_terminal_status(self) -> None:
        state = run(submitted(), note(K.REJECTED, 1), note(K.VALIDATED, 2), note(K.ACTIVE, 9))
        assert state is not None
        assert state.status is Status.REJECTED

    def test_weeks_late_notification_still_applies(self) -> None:
        late = ApplyNotification(Notification("late", K.CONFIRMED, REG, T0 + timedelta(weeks=3)))
        state = run(submitted(), note(K.VALIDATED, 1), late)
        assert state is not None
        assert state.status is Status.CONFIRMED


class TestUnmatchedNotifications:
    """A notification that is not about this switch is kept as a fact and changes nothing."""

    def assert_only_recorded(self, before: SwitchState, command: ApplyNotification) -> None:
        (event,) = decide(before, command)
        assert isinstance(event, NotificationUnmatched)
        after = evolve(before, event)
        assert after == dataclasses.replace(
            before,
            version=before.version + 1,
            seen_message_ids=(*before.seen_message_ids, command.notification.message_id),
            unmatched_notifications=before.unmatched_notifications + 1,
        )
        assert decide(after, command) == []  # a resend is not recorded twice

    def test_another_registration(self) -> None:
        state = run(submitted(), note(K.VALIDATED, 1))
        assert state is not None
        other = ApplyNotification(
            Notification("x", K.SECURED, "REG-OTHER", T0, supply_start_date=D2)
        )
        (event,) = decide(state, other)
        assert isinstance(event, NotificationUnmatched)
        assert "REG-OTHER" in event.reason
        assert REG in event.reason
        self.assert_only_recorded(state, other)

    def test_any_registration_when_the_switch_holds_none(self) -> None:
        withdrawn = run(requested(), Withdraw("customer cancelled", T0))
        assert withdrawn is not None
        assert withdrawn.registration_id is None
        stranger = ApplyNotification(
            Notification("x", K.ACTIVE, "REG-STRANGER", T0, supply_start_date=D2)
        )
        self.assert_only_recorded(withdrawn, stranger)
        after = run(withdrawn, stranger)
        assert after is not None
        assert after.registration_id is None
        assert after.supply_start_date is None
        self.assert_only_recorded(requested(), stranger)

    def test_another_meter_point(self) -> None:
        state = submitted()
        other_meter = ApplyNotification(
            Notification("x", K.VALIDATED, REG, T0, mpxn="1234567890128")
        )
        (event,) = decide(state, other_meter)
        assert isinstance(event, NotificationUnmatched)
        assert event.reason == "it names another meter point than the switch's"
        self.assert_only_recorded(state, other_meter)

    def test_its_own_meter_point_matches(self) -> None:
        own = ApplyNotification(Notification("x", K.VALIDATED, REG, T0, mpxn="1312345678907"))
        (event,) = decide(submitted(), own)
        assert isinstance(event, NotificationApplied)


D1, D2 = date(2026, 11, 25), date(2026, 11, 27)


class TestStaleNotificationsNeverMoveFactsBack:
    def test_a_stale_validated_after_secured_keeps_the_secured_ssd(self) -> None:
        state = run(
            submitted(),
            note(K.VALIDATED, 1, supply_start_date=D2),
            note(K.SECURED, 3, supply_start_date=D2),
            note(K.VALIDATED, 2, supply_start_date=D1),  # an older VALIDATED, resent late
        )
        assert state is not None
        assert (state.status, state.supply_start_date) == (Status.SECURED, D2)

    def test_a_stale_validated_keeps_the_objection_window_end(self) -> None:
        w1, w2 = T0 + timedelta(days=1), T0 + timedelta(days=1, hours=2)
        state = run(
            submitted(),
            note(K.VALIDATED, 1, objection_window_end=w2),
            note(K.CONFIRMED, 2),
            note(K.VALIDATED, 3, objection_window_end=w1, supply_start_date=D1),
        )
        assert state is not None
        assert state.objection_window_end == w2
        assert state.supply_start_date == date(2026, 11, 25)

    @given(
        st.lists(
            st.tuples(
                st.sampled_from(list(NotificationKind)),
                st.integers(0, 3000),
                st.one_of(st.none(), st.dates(date(2026, 11, 24), date(2026, 12, 31))),
            ),
            max_size=20,
        )
    )
    @settings(max_examples=300)
    def test_no_stale_notification_changes_the_ssd_or_the_window(
        self, raw: list[tuple[NotificationKind, int, date | None]]
    ) -> None:
        state = submitted()
        for n, (kind, minutes, ssd) in enumerate(raw):
            at = T0 + timedelta(minutes=minutes)
            command = ApplyNotification(
                Notification(
                    f"m-{n}", kind, REG, at, objection_window_end=at, supply_start_date=ssd
                )
            )
            for event in decide(state, command):
                after = evolve(state, event)
                if isinstance(event, NotificationApplied) and event.stale:
                    assert after.supply_start_date == state.supply_start_date
                    assert after.objection_window_end == state.objection_window_end
                    assert after.status is state.status
                state = after


class TestDeadlinesAndFlags:
    def test_deadline_missed_is_its_own_event_and_raised_once(self) -> None:
        state = submitted()
        (event,) = decide(state, MarkDeadlineMissed(at=T0 + timedelta(days=2)))
        assert isinstance(event, DeadlineMissed)
        state = run(state, MarkDeadlineMissed(at=T0))
        assert decide(state, MarkDeadlineMissed(at=T0)) == []

    def test_compensation_due_is_thirty_pounds(self) -> None:
        (event,) = decide(submitted(), MarkCompensationDue(at=T0 + timedelta(days=7)))
        assert isinstance(event, CompensationDue)
        assert event.pence == COMPENSATION_PENCE == 3000

    def test_no_deadline_flag_once_the_switch_ended(self) -> None:
        state = run(submitted(), note(K.REJECTED, 1))
        assert decide(state, MarkDeadlineMissed(at=T0)) == []
        assert decide(state, MarkCompensationDue(at=T0)) == []

    def test_stuck_flag_only_while_the_outcome_is_unknown(self) -> None:
        state = run(submitted(), note(K.VALIDATED, 1), FlagStuck(attempt=1, at=T0))
        assert state is not None
        assert state.stuck
        state = run(state, note(K.CONFIRMED, 2))
        assert state is not None
        assert not state.stuck
        assert decide(state, FlagStuck(attempt=2, at=T0)) == []

    def test_a_command_before_the_request_is_refused(self) -> None:
        with pytest.raises(TransitionRefused, match="does not exist"):
            decide(None, Withdraw("x", T0))


kinds = st.sampled_from(list(NotificationKind))
notifications = st.lists(
    st.tuples(kinds, st.integers(min_value=0, max_value=30), st.integers(0, 2000)),
    max_size=25,
)


def _to_commands(raw: list[tuple[NotificationKind, int, int]]) -> list[ApplyNotification]:
    return [
        ApplyNotification(Notification(f"m-{n}", kind, REG, T0 + timedelta(minutes=minutes)))
        for kind, n, minutes in raw
    ]


class TestProperties:
    @given(notifications)
    @settings(max_examples=300)
    def test_no_sequence_leaves_a_terminal_status(
        self, raw: list[tuple[NotificationKind, int, int]]
    ) -> None:
        state = submitted()
        terminal_at: Status | None = None
        for command in _to_commands(raw):
            state = run(state, command)  # type: ignore[assignment]
            if terminal_at is not None:
                assert state.status is terminal_at
            elif state.status in TERMINAL:
                terminal_at = state.status

    @given(notifications)
    @settings(max_examples=300)
    def test_folding_the_emitted_events_reproduces_the_state(
        self, raw: list[tuple[NotificationKind, int, int]]
    ) -> None:
        state = requested()
        history = []
        commands: list[Command] = [
            RecordSubmission(registration_id=REG, message_id="m-sub", submitted_at=T0),
            *_to_commands(raw),
        ]
        for command in commands:
            events = decide(state, command)
            history.extend(events)
            for event in events:
                state = evolve(state, event)
        stored = [event_to_record(event) for event in history]
        decoded = [event_from_record(name, data, SCHEMA_VERSIONS[name]) for name, data in stored]
        assert fold([*decide(None, _request_command()), *decoded]) == state

    @given(notifications)
    def test_duplicates_change_nothing(self, raw: list[tuple[NotificationKind, int, int]]) -> None:
        commands = _to_commands(raw)
        once = run(submitted(), *commands)
        twice = run(submitted(), *commands, *commands)
        assert once == twice


def _request_command() -> RequestSwitch:
    return RequestSwitch(
        switch_id="sw-1",
        details=SwitchDetails(Fuel.ELECTRICITY, "1312345678907", MarketSector.DOMESTIC),
        requested_at=T0,
    )
