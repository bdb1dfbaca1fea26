"""Determinism guard for losses: the committed histories of every loss path replay on
today's LossWorkflow. A change that would break a running loss fails here; gate it behind
`workflow.patched` and record a new history (README, "Changing workflow code")."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.codec import TEST_CONVERTER
from workflows.loss import LossWorkflow

HISTORIES = sorted((Path(__file__).parents[2] / "histories" / "loss").glob("*.json"))


def test_every_loss_path_has_a_committed_history() -> None:
    names = {path.stem for path in HISTORIES}
    for path in (
        "objected_for_debt",
        "change_of_occupancy_is_never_objected_to_for_debt",
        "objection_lifted_after_payment",
        "decided_by_an_operator",
        "an_operator_who_never_answers",
        "annulled_before_secured",
        "a_pending_loss_after_its_window_is_recorded_and_nothing_sent",
        "css_unreachable_to_the_end_sends_nothing_after_the_window",
        "a_final_bill_not_sent_in_six_weeks_is_flagged_once",
    ):
        assert path in names


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_loss_history_replays_on_current_code(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(workflows=[LossWorkflow], data_converter=TEST_CONVERTER)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.stem}: {result.replay_failure}"
