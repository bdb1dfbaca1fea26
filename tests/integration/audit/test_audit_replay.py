"""`audit replay` on committed histories: today's code replays them; a changed copy fails."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from audit.errors import AuditError
from audit.replay import histories_in, history_of_file, replay
from tests.integration.audit.changed_workflow import ChangedSwitchWorkflow

HISTORIES = Path(__file__).parents[2] / "histories"
SWITCHING = Path(sys.executable).parent / "switching"


async def test_committed_histories_replay_on_the_current_code() -> None:
    report = await replay(histories_in(HISTORIES))
    assert report.replayed == len(list(HISTORIES.glob("*.json")))
    assert report.ok, [f.describe() for f in report.failures]


async def test_an_extra_activity_call_fails_replay_naming_workflow_and_mismatch() -> None:
    history = history_of_file(HISTORIES / "rejection.json")
    report = await replay([history], workflows=[ChangedSwitchWorkflow])
    assert report.replayed == 1
    assert [f.workflow_id for f in report.failures] == ["rejection"]
    mismatch = report.failures[0].mismatch
    assert "Nondeterminism" in mismatch
    assert "'append_switch_events'" in mismatch
    assert "'look_up_tariff'" in mismatch


async def test_the_command_replays_a_folder_offline_and_refuses_an_empty_one(
    tmp_path: Path,
) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "TEMPORAL_ADDRESS": "127.0.0.1:9"}
    process = await asyncio.create_subprocess_exec(
        str(SWITCHING),
        "audit",
        "replay",
        "--dir",
        str(HISTORIES),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    assert out.decode().strip().endswith("histories replayed, 0 failed")

    with pytest.raises(AuditError, match=r"no \*\.json histories in"):
        histories_in(tmp_path)
