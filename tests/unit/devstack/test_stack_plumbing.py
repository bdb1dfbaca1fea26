"""The pieces the supervisor and the operator commands agree through: the child
environment, the lock file, the demo manifest, and the operators' input checks."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest

from config import Settings
from devstack.config import StackConfig
from devstack.demo import manifest
from devstack.errors import AlreadyRunning
from devstack.lock import StackLock
from ops.engine import locate
from ops.errors import InvalidInput
from ops.lockfile import StackInfo, running_stack
from ops.switches import list_query, request_from_mapping
from simulator.server import port_from_env as simulator_port_from_env


def test_children_read_back_exactly_the_addresses_the_supervisor_checks(tmp_path: Path) -> None:
    config = StackConfig(data_dir=tmp_path, temporal_port=17233, simulator_port=18443)
    config = config.with_options(receiver_port=18444, ui_port=None)
    env = config.child_env({}, "postgresql://db/switching")
    settings = Settings.from_env(env)
    assert simulator_port_from_env(env) == config.simulator_port == 18443
    assert settings.temporal_address == config.temporal_address == "127.0.0.1:17233"
    assert settings.css_url == config.css_url == "https://127.0.0.1:18443"
    assert (settings.receiver_host, settings.receiver_port) == ("127.0.0.1", 18444)
    assert settings.database_url == "postgresql://db/switching"
    assert settings.pki_dir == config.pki_dir
    assert config.ui_port == 8233
    assert settings.electricity_enquiry_url == "https://127.0.0.1:8445"
    assert settings.gas_enquiry_url == config.gas_enquiry_url == "https://127.0.0.1:8446"
    assert config.market_path == tmp_path / "market.jsonl"


def test_an_external_css_is_called_and_its_port_left_alone(tmp_path: Path) -> None:
    config = StackConfig(data_dir=tmp_path, external_css_url="https://css.example:9443")
    assert config.css_url == "https://css.example:9443"
    assert "CSS simulator" not in config.ports()
    assert config.child_env({}, "postgresql://db/x")["CSS_URL"] == "https://css.example:9443"


def test_one_stack_per_data_folder_and_a_released_lock_means_none_runs(tmp_path: Path) -> None:
    first = StackLock(tmp_path)
    first.acquire()
    first.publish(StackInfo(pid=os.getpid(), temporal_address="127.0.0.1:7233", ready=True))
    with pytest.raises(AlreadyRunning, match=f"pid {os.getpid()}"):
        StackLock(tmp_path).acquire()
    info = running_stack(tmp_path)
    assert info is not None
    assert info.temporal_address == "127.0.0.1:7233"
    first.release()
    assert running_stack(tmp_path) is None
    again = StackLock(tmp_path)
    again.acquire()
    again.release()


def test_an_unfinished_demo_batch_is_resumed_and_a_finished_one_replaced(tmp_path: Path) -> None:
    batch, resumed = manifest.resume_or_create(tmp_path, 12)
    assert not resumed
    assert manifest.resume_or_create(tmp_path, 24) == (batch, True)
    manifest.mark_finished(tmp_path, batch)
    fresh, resumed = manifest.resume_or_create(tmp_path, 24)
    assert not resumed
    assert fresh.batch_id != batch.batch_id
    assert fresh.size == 24


def test_a_manifest_cut_short_starts_a_new_batch(tmp_path: Path) -> None:
    path = manifest.manifest_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text('{"batch_id": "ab')
    batch, resumed = manifest.resume_or_create(tmp_path, 6)
    assert not resumed
    assert json.loads(path.read_text())["batch_id"] == batch.batch_id


def test_list_filters_become_a_visibility_query() -> None:
    assert list_query(None, False) == "WorkflowType = 'SwitchWorkflow'"
    assert list_query(" pending ", True) == (
        "WorkflowType = 'SwitchWorkflow' AND SwitchStatus = 'PENDING' AND DeadlineMissed = true"
    )
    with pytest.raises(InvalidInput, match="unknown status 'DONE'"):
        list_query("DONE", False)


def test_a_request_file_is_read_field_by_field() -> None:
    request = request_from_mapping(
        {
            "switch_id": "S-1",
            "fuel": "GAS",
            "mpxn": "3938424403",
            "requested_supply_start_date": "2026-12-14",
            "erroneous_transfer": True,
        },
        "switch.json",
    )
    assert request.requested_supply_start_date == date(2026, 12, 14)
    assert request.erroneous_transfer is True


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"switch_id": "S-1", "fuel": "GAS"}, "missing field(s) mpxn"),
        ({"switch_id": "S-1", "fuel": "GAS", "mpxn": "1", "email": "x"}, "unknown field(s) email"),
        ({"switch_id": "S-1", "fuel": "GAS", "mpxn": 3938424403}, "mpxn must be a string"),
        (
            {
                "switch_id": "S-1",
                "fuel": "GAS",
                "mpxn": "1",
                "requested_supply_start_date": "14/12",
            },
            "must be YYYY-MM-DD",
        ),
        (
            {"switch_id": "S-1", "fuel": "GAS", "mpxn": "1", "change_of_occupancy": "yes"},
            "change_of_occupancy must be true or false",
        ),
    ],
)
def test_a_bad_request_file_names_its_problem(raw: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        request_from_mapping(raw, "switch.json")


def _enquiry(env: dict[str, str]) -> tuple[str, str]:
    settings = locate(env)
    return settings.electricity_enquiry_url, settings.gas_enquiry_url


def test_address_match_finds_the_enquiry_services_env_first_then_the_running_stack(
    tmp_path: Path,
) -> None:
    env = {"SWITCHING_DATA_DIR": str(tmp_path)}
    assert _enquiry(env) == ("https://127.0.0.1:8445", "https://127.0.0.1:8446")
    lock = StackLock(tmp_path)
    lock.acquire()
    try:
        lock.publish(
            StackInfo(
                pid=os.getpid(),
                electricity_enquiry_url="https://127.0.0.1:28445",
                gas_enquiry_url="https://127.0.0.1:28446",
                ready=True,
            )
        )
        assert _enquiry(env) == ("https://127.0.0.1:28445", "https://127.0.0.1:28446")
        chosen = {**env, "GAS_ENQUIRY_URL": "https://gas.example:9446"}
        assert _enquiry(chosen) == ("https://127.0.0.1:28445", "https://gas.example:9446")
    finally:
        lock.release()
