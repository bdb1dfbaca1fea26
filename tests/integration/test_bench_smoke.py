"""Each benchmark once with tiny numbers, on the real stack: the JSON it records has the
documented shape and counts. Figures are never asserted here (timing belongs in bench/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.eventstore import EventStoreOptions, run_eventstore
from bench.matching import MatchingOptions, run_matching
from bench.replay import ReplayOptions, run_replay
from bench.report import BenchResult, write_latest
from bench.switches import SwitchesOptions, run_switches


def _recorded(result: BenchResult, folder: Path) -> dict[str, Any]:
    path = write_latest(result, folder)
    entry: dict[str, Any] = json.loads(path.read_text("utf-8"))[result.name]
    assert set(entry) == {"setup", "rows", "summary", "finished_at"}
    assert entry["setup"]["cpus"] >= 1
    assert "synchronous_commit=on" in entry["setup"]["database"]
    return entry


async def test_eventstore_benchmark_records_every_case_and_ratio(
    postgres_server_url: str, tmp_path: Path
) -> None:
    options = EventStoreOptions(events=8, writers=(1, 2), lag_events=4, lag_writers=2)
    lines: list[str] = []
    entry = _recorded(await run_eventstore(options, postgres_server_url, lines.append), tmp_path)

    appends = {(r["target"], r["writers"]): r for r in entry["rows"] if r["case"] == "append"}
    assert set(appends) == {
        (target, writers)
        for target in ("ours", "eventsourcing", "raw-insert")
        for writers in (1, 2)
    }
    assert all(row["events"] == 8 and row["events_per_s"] > 0 for row in appends.values())
    reads = {r["target"]: r["events"] for r in entry["rows"] if r["case"] == "read_all"}
    # Each target reads back exactly what its two append cases wrote.
    assert reads == {"ours": 16, "eventsourcing": 16, "raw-insert": 16}
    (lag,) = [r for r in entry["rows"] if r["case"] == "subscription_lag"]
    assert lag["events"] == 4
    assert lag["lag_p50_ms"] <= lag["lag_p99_ms"] <= lag["lag_max_ms"]
    assert set(entry["summary"]) >= {
        "append_2w_ours_over_eventsourcing",
        "append_2w_ours_over_raw",
        "read_all_ours_over_eventsourcing",
    }
    assert any(line.startswith("setup: database = PostgreSQL") for line in lines)


async def test_replay_benchmark_replays_and_rebuilds_the_requested_numbers(
    postgres_server_url: str, tmp_path: Path
) -> None:
    options = ReplayOptions(histories=3, switches=4)
    entry = _recorded(await run_replay(options, postgres_server_url, lambda _: None), tmp_path)

    rows = {row["case"]: row for row in entry["rows"]}
    assert rows["replay"]["items"] == 3
    assert rows["replay_unsandboxed"]["items"] == 3
    assert rows["projection_rebuild"]["items"] == 4
    assert rows["projection_rebuild"]["events"] == 4 * 7
    assert rows["audit_fold_rebuild"]["events"] == 4 * 7
    assert set(entry["summary"]) == {
        "histories_per_s",
        "unsandboxed_histories_per_s",
        "projection_rebuild_events_per_s",
        "audit_fold_events_per_s",
    }


async def test_switches_benchmark_completes_every_switch_and_its_ceiling(
    postgres_server_url: str, tmp_path: Path
) -> None:
    options = SwitchesOptions(switches=2, latency_seconds=0.5, warmup=1, timeout_seconds=120)
    entry = _recorded(await run_switches(options, postgres_server_url, lambda _: None), tmp_path)

    rows = {row["case"]: row for row in entry["rows"]}
    assert rows["switches"]["completed"] == 2
    assert rows["switches"]["not_completed"] == 0
    assert rows["switches_no_codec"]["completed"] == 2
    assert rows["switches_no_codec"]["not_completed"] == 0
    assert rows["bare_ceiling"]["completed"] == 2
    assert rows["bare_ceiling"]["not_completed"] == 0
    summary = entry["summary"]
    assert summary["switches_per_s_without_codec"] > 0
    assert summary["codec_over_no_codec"] > 0
    shape = summary["switch_shape"]
    assert shape["activities"] > 0
    assert shape["signals"] > 0
    # Notifications were matched to the switch events they caused, at least one a switch.
    assert summary["paced_notifications"] >= summary["paced_switches"] >= 1
    assert summary["paced_latency_p50_ms"] is not None
    assert summary["worker_peak_rss_mib"] > 0
    assert summary["history_events_per_switch"] > 0


async def test_matching_benchmark_grades_every_lookup_per_fuel(tmp_path: Path) -> None:
    options = MatchingOptions(premises=300, addresses=60, seed=3, wire_addresses=10)
    result = await run_matching(options, lambda _: None)
    path = write_latest(result, tmp_path)
    entry: dict[str, Any] = json.loads(path.read_text("utf-8"))["matching"]
    assert set(entry) == {"setup", "rows", "summary", "finished_at"}
    rows = {row["fuel"]: row for row in entry["rows"]}
    assert set(rows) == {"electricity", "gas", "both"}
    # Both fuels are asked for every address, and every lookup is graded once.
    assert rows["electricity"]["lookups"] == rows["gas"]["lookups"] == 60
    assert rows["both"]["lookups"] == 120
    for row in rows.values():
        assert row["auto"] - row["wrong"] >= 0
        assert row["auto"] + round(row["review_share"] * row["lookups"]) == row["lookups"]
        assert row["decidable"] <= row["lookups"]
    summary = entry["summary"]
    assert summary["lookups_per_s_in_process"] > 0
    assert summary["addresses_per_s_through_services"] > 0
    assert 0 <= summary["wire_electricity_matched"] <= 10
    assert "60 typed addresses" in entry["setup"]["addresses"]
