"""Signed checkpoints: what a database superuser changes after the store was certified is
named by `audit verify`, event by event, even when every per-stream chain was recomputed."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from audit.anchor import AnchorReport, verify_against_checkpoints
from audit.checkpoint_files import read_exported
from audit.checkpointer import CheckpointRefused, make_checkpoint
from audit.errors import AuditError
from audit.keys import AuditSigningKey, KeyPin, generate, load_signing_key
from eventstore import roles
from eventstore.audit import verify_chains
from eventstore.errors import EventStoreError
from eventstore.model import NewEvent
from eventstore.postgres import PostgresEventStore
from tests.conftest import as_role
from tests.integration.audit import tamper

SWITCHING = Path(sys.executable).parent / "switching"


@pytest.fixture
def audit_key(tmp_path: Path) -> AuditSigningKey:
    generate(tmp_path / "audit")
    return load_signing_key(tmp_path / "audit" / "audit.key.pem")


@pytest.fixture
async def auditor(event_store: PostgresEventStore) -> AsyncIterator[PostgresEventStore]:
    store = await PostgresEventStore.connect(as_role(event_store.url, roles.AUDITOR))
    yield store
    await store.close()


async def _seed(store: PostgresEventStore) -> dict[str, list[int]]:
    positions: dict[str, list[int]] = {}
    for stream in ("sw-1", "sw-2", "sw-3"):
        result = await store.append(stream, [NewEvent("T", {"n": n}) for n in range(1, 4)])
        positions[stream] = list(result.positions)
    return positions


async def _verify(store: PostgresEventStore, key: AuditSigningKey, **kw: object) -> AnchorReport:
    connection = await store.pool.acquire()
    try:
        return await verify_against_checkpoints(
            connection,
            KeyPin(key.public.fingerprint),
            **kw,  # type: ignore[arg-type]
        )
    finally:
        await store.pool.release(connection)


def _lines(report: AnchorReport) -> list[str]:
    return [finding.describe() for finding in report.findings]


async def test_an_untouched_store_verifies_against_its_checkpoints(
    event_store: PostgresEventStore, auditor: PostgresEventStore, audit_key: AuditSigningKey
) -> None:
    await _seed(event_store)
    first = await make_checkpoint(auditor, audit_key)
    assert first is not None
    assert (first.sequence, first.events, first.streams) == (1, 9, 3)
    assert await make_checkpoint(auditor, audit_key) is None
    await event_store.append("sw-4", [NewEvent("T", {"n": 1})])
    second = await make_checkpoint(auditor, audit_key)
    assert second is not None
    assert (second.sequence, second.events, second.streams) == (2, 10, 4)

    report = await _verify(event_store, audit_key)
    assert report.intact, _lines(report)
    assert (report.checkpoints, report.covered) == (2, 10)


async def test_an_event_rewritten_with_its_chain_recomputed_is_named(
    event_store: PostgresEventStore, auditor: PostgresEventStore, audit_key: AuditSigningKey
) -> None:
    positions = await _seed(event_store)
    await make_checkpoint(auditor, audit_key)
    await tamper.rewrite_event(event_store.url, "sw-2", 2, lambda data: {**data, "n": 20})

    assert (await verify_chains(event_store.url)).intact  # the per-stream chains are fooled
    report = await _verify(event_store, audit_key)
    position = positions["sw-2"][1]
    assert _lines(report) == [
        f"edited: stream 'sw-2' version 2 (position {position}) was edited and its stream's "
        f"chain recomputed: hash {(await event_store.read_stream('sw-2'))[1].hash}, certified "
        f"{report.findings[0].detail.rsplit(' ', 1)[1]}",
        "rewritten: stream 'sw-2' versions 3-3 were re-hashed to follow the edit",
    ]


async def test_a_deleted_stream_is_named(
    event_store: PostgresEventStore, auditor: PostgresEventStore, audit_key: AuditSigningKey
) -> None:
    await _seed(event_store)
    await make_checkpoint(auditor, audit_key)
    await tamper.delete_stream(event_store.url, "sw-3")

    assert (await verify_chains(event_store.url)).intact
    report = await _verify(event_store, audit_key)
    assert _lines(report)[0] == (
        "deleted stream: stream 'sw-3' is gone: its 3 certified event(s), versions 1-3, "
        "were deleted"
    )
    assert _lines(report)[1].startswith("counts: checkpoint 1 (position 9, 9 events in 3 streams")
    assert _lines(report)[1].endswith("the store holds 6 in 2 up to that position")


async def test_a_deleted_last_event_is_named(
    event_store: PostgresEventStore, auditor: PostgresEventStore, audit_key: AuditSigningKey
) -> None:
    positions = await _seed(event_store)
    await make_checkpoint(auditor, audit_key)
    await tamper.delete_last_event(event_store.url, "sw-1")

    assert (await verify_chains(event_store.url)).intact
    report = await _verify(event_store, audit_key)
    assert _lines(report)[0] == (
        f"deleted: stream 'sw-1' version 3 (position {positions['sw-1'][2]}) was deleted"
    )


async def test_an_event_edited_in_place_is_named(
    event_store: PostgresEventStore, auditor: PostgresEventStore, audit_key: AuditSigningKey
) -> None:
    positions = await _seed(event_store)
    await make_checkpoint(auditor, audit_key)
    await tamper.execute(
        event_store.url,
        "UPDATE events SET data = '{\"n\": 7}' WHERE stream_id = 'sw-1' AND version = 1",
    )
    report = await _verify(event_store, audit_key)
    assert _lines(report) == [
        f"edited: stream 'sw-1' version 1 (position {positions['sw-1'][0]}) was edited in "
        "place: its content no longer matches the hash certified for it"
    ]


async def test_the_checkpointer_refuses_to_certify_events_after_a_rewrite(
    event_store: PostgresEventStore, auditor: PostgresEventStore, audit_key: AuditSigningKey
) -> None:
    await _seed(event_store)
    await make_checkpoint(auditor, audit_key)
    await tamper.rewrite_event(event_store.url, "sw-1", 3, lambda data: {**data, "n": 30})
    appended = await event_store.append("sw-1", [NewEvent("T", {"n": 4})])

    with pytest.raises(CheckpointRefused) as refused:
        await make_checkpoint(auditor, audit_key)
    assert refused.value.problems[0].startswith(
        f"stream 'sw-1' version 4 (position {appended.positions[0]}) does not follow "
        "certified version 3"
    )


async def test_checkpoints_deleted_from_the_store_are_caught_by_their_exported_copies(
    event_store: PostgresEventStore,
    auditor: PostgresEventStore,
    audit_key: AuditSigningKey,
    tmp_path: Path,
) -> None:
    positions = await _seed(event_store)
    exported = tmp_path / "checkpoints"
    await make_checkpoint(auditor, audit_key, exported)
    await tamper.rewrite_event(event_store.url, "sw-3", 1, lambda data: {**data, "n": 10})
    await tamper.execute(event_store.url, "DELETE FROM audit_ledger")
    await tamper.execute(event_store.url, "DELETE FROM audit_checkpoints")

    alone = await _verify(event_store, audit_key)
    assert alone.checkpoint is None  # the store alone no longer says what was certified
    report = await _verify(event_store, audit_key, exported=read_exported(exported))
    lines = _lines(report)
    assert lines[0].startswith("checkpoint: checkpoint 1 (position 9, 9 events in 3 streams")
    assert lines[0].endswith("was exported but is gone from the store")
    assert lines[1].startswith(
        f"edited: stream 'sw-3' version 1 (position {positions['sw-3'][0]}) was edited and"
    )


async def test_a_checkpoint_signed_by_another_key_is_not_trusted(
    event_store: PostgresEventStore,
    auditor: PostgresEventStore,
    audit_key: AuditSigningKey,
    tmp_path: Path,
) -> None:
    await _seed(event_store)
    generate(tmp_path / "other")
    forger = load_signing_key(tmp_path / "other" / "audit.key.pem")
    await make_checkpoint(auditor, forger)
    report = await _verify(event_store, audit_key)
    assert _lines(report) == [
        "checkpoint: stored checkpoint 1 does not verify with the pinned audit key"
    ]


async def test_the_application_role_cannot_write_a_checkpoint(
    event_store: PostgresEventStore, audit_key: AuditSigningKey
) -> None:
    await _seed(event_store)
    app = await PostgresEventStore.connect(as_role(event_store.url, roles.APP))
    try:
        with pytest.raises(EventStoreError, match="permission denied for table audit_checkpoints"):
            await make_checkpoint(app, audit_key)
    finally:
        await app.close()


async def _switching(url: str, *args: str, **env: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        str(SWITCHING),
        *args,
        env={**os.environ, "DATABASE_URL": url, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


async def test_the_commands_checkpoint_and_verify(
    event_store: PostgresEventStore, tmp_path: Path
) -> None:
    positions = await _seed(event_store)
    url = event_store.url
    code, out, err = await _switching(url, "audit", "keygen", "--dir", str(tmp_path))
    assert code == 0, err
    fingerprint = out.split("fingerprint: ")[1].strip()
    code, out, err = await _switching(
        url,
        "audit",
        "checkpoint",
        "--key",
        str(tmp_path / "audit.key.pem"),
        DATABASE_AUDITOR_URL=as_role(url, roles.AUDITOR),
    )
    assert code == 0, err
    assert "signed checkpoint 1 (position 9, 9 events in 3 streams" in out

    app_url = as_role(url, roles.APP)
    code, out, err = await _switching(
        app_url, "audit", "verify", "--audit-fingerprint", fingerprint
    )
    assert code == 0, out + err
    assert "checkpoints: 1 verified against the pinned key" in out

    await tamper.delete_last_event(url, "sw-2")
    code, out, err = await _switching(
        app_url, "audit", "verify", "--audit-public-key", str(tmp_path / "audit.pub.pem")
    )
    assert code == 1
    assert "all chains intact" in out
    assert (
        f"changed since certified: deleted: stream 'sw-2' version 3 (position "
        f"{positions['sw-2'][2]}) was deleted" in err
    )


async def test_a_missing_audit_key_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AuditError, match="cannot read the audit key"):
        load_signing_key(tmp_path / "nope.pem")
