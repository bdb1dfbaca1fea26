"""Determinism guard: committed histories of every main path replay on today's code.

A change to SwitchWorkflow that would break a running switch fails here. The policy for
changing workflow code is in the README ("Changing workflow code"): gate new behaviour
behind `workflow.patched`, record a new history, and deprecate the old path only once no
run that took it can still be replayed.

They replay through the engine's own converter, payload codec included: the committed
histories predate payload encryption, as do the histories of switches that were running
when an engine was upgraded to it, and the codec passes their plain payloads through.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.codec import TEST_CONVERTER
from workflows.switch import SwitchWorkflow

HISTORIES = sorted((Path(__file__).parents[2] / "histories").glob("*.json"))


def test_every_main_path_has_a_committed_history() -> None:
    names = {path.stem for path in HISTORIES}
    main_paths = ("happy_path_to_active", "rejection", "objection_standing", "annulment")
    for path in main_paths:
        assert path in names  # runs begun before the supply-date rules
        assert f"supply_dates_{path}" in names  # runs since
    for path in (
        "target_gate_closure_passed_unsecured_misses_the_target",
        "backstop_missed_owes_thirty_pounds_and_waits_for_a_waiver",
        "a_late_secured_for_an_on_time_ssd_clears_the_flag",
        "another_registration_or_meter_point_is_recorded_unmatched",
        "css_sector_is_recorded_and_the_deadlines_follow_it",
        "raw_input_missing_market_sector_fails_at_once",
    ):
        assert path in names


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_history_replays_on_current_code(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(workflows=[SwitchWorkflow], data_converter=TEST_CONVERTER)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.stem}: {result.replay_failure}"
