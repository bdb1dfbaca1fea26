"""`switching report` as an operator runs it, on switches stored in a real PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from domain.events import Event, NotificationApplied, event_to_record
from eventstore.model import NewEvent
from eventstore.postgres import PostgresEventStore
from tests.integration.cli.conftest import base_env, switching
from tests.switch_events import MONDAY, active, objected


async def _store(store: PostgresEventStore, switch_id: str, events: list[Event]) -> None:
    records = []
    for version, event in enumerate(events, start=1):
        type_name, data = event_to_record(event)
        key = (
            event.notification.message_id
            if isinstance(event, NotificationApplied)
            else f"{switch_id}/{version}"
        )
        records.append(NewEvent(type_name, data, key))
    await store.append(switch_id, records)


async def test_the_report_reads_the_period_s_switches_and_writes_its_html(
    event_store: PostgresEventStore, tmp_path: Path
) -> None:
    await _store(event_store, "sw-a", active("sw-a", MONDAY, 30))
    await _store(event_store, "sw-b", objected("sw-b", MONDAY, "DEBT"))
    # Requested the week before: outside the period.
    await _store(event_store, "sw-old", active("sw-old", MONDAY - timedelta(days=7), 30))
    env = base_env(tmp_path, DATABASE_URL=event_store.url)
    page = tmp_path / "report.html"

    ran = await switching(
        *("report", "--from", "2026-11-23", "--to", "2026-11-23", "--json", "--html", str(page)),
        env=env,
    )

    assert ran.code == 0, ran.stderr
    document = json.loads(ran.stdout)
    per_day = document["sections"][0]
    assert per_day["title"] == "Switches per day by outcome"
    assert per_day["table"]["rows"] == [["2026-11-23", "1", "1", "2"]]
    objections = document["sections"][-1]
    assert objections["table"]["rows"] == [["DEBT", "1"]]
    assert "Time from submission to SECURED" in page.read_text()
    assert f"wrote {page}" in ran.stderr

    refused = await switching(*("report", "--from", "2026-11-23", "--to", "2026-11-01"), env=env)
    assert refused.code == 2
    assert "before --from" in refused.stderr
