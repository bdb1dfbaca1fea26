"""`audit show`, `audit export` / `verify-bundle` and `audit verify` on real switches.

Switches run on the time-skipping Temporal server against a real PostgreSQL store; the
tampering is done the only way it can be, as a superuser with the append-only trigger off.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from temporalio.client import WorkflowHandle

from audit.bundle import event_from_json, event_to_json
from audit.checkpointer import make_checkpoint
from audit.errors import AuditError
from audit.export import export_switch
from audit.keys import AuditSigningKey, KeyPin, generate, load_signing_key
from audit.offline import verify_bundle
from audit.rebuild import rebuild_and_compare
from domain.lifecycle import NotificationKind, Status
from eventstore.chain import canonical_json, fields_of, link_hash
from ops.audit_show import SwitchAudit, audit_switch
from privacy.codec import ENCODING
from readmodels.projector import Projector
from readmodels.switch import SwitchReadModel, row_of
from tests.integration.audit import tamper
from tests.integration.workflow.conftest import Engine
from workflows.messages import SwitchResult

SWITCHING = Path(sys.executable).parent / "switching"


async def _audit(engine: Engine, switch_id: str) -> SwitchAudit:
    # Reading a closed workflow's result must not let the test server skip the clock.
    with engine.env.auto_time_skipping_disabled():
        return await audit_switch(engine.store, engine.env.client, switch_id)


async def _rejected(engine: Engine) -> WorkflowHandle[Any, SwitchResult]:
    handle = await engine.start()
    await engine.submitted(handle)
    await engine.notify(handle, NotificationKind.REJECTED, reason_code="MPXN_NOT_FOUND")
    await engine.wait_for(handle, lambda s: s.terminal)
    with engine.env.auto_time_skipping_disabled():
        assert (await handle.result()).status is Status.REJECTED
    return handle


async def _tamper(engine: Engine, statement: str, *args: object) -> None:
    connection = await asyncpg.connect(engine.store.url)
    try:
        async with connection.transaction():
            await connection.execute("ALTER TABLE events DISABLE TRIGGER events_append_only")
            await connection.execute(statement, *args)
            await connection.execute("ALTER TABLE events ENABLE TRIGGER events_append_only")
    finally:
        await connection.close()


async def _switching(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        str(SWITCHING),
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


async def test_a_running_switch_cross_checks_clean(engine: Engine) -> None:
    handle = await engine.start()
    await engine.submitted(handle)
    await engine.notify(handle, NotificationKind.VALIDATED, message_id=f"css-{handle.id}-v")
    await engine.wait_for(handle, lambda s: s.status is Status.PENDING)

    report = await _audit(engine, handle.id)

    assert report.workflow_status == "RUNNING"
    assert report.clean, report.to_json()
    assert [e.type for e in report.entries][:3] == [
        "SwitchRequested",
        "SupplyDeadlinesComputed",
        "RegistrationSubmitted",
    ]
    assert report.entries[0].source == "signup"
    assert report.entries[-1].source == f"css:css-{handle.id}-v"
    assert report.entries[-1].key_fields["kind"] == "VALIDATED"


async def test_a_closed_switch_cross_checks_clean(engine: Engine) -> None:
    handle = await _rejected(engine)

    report = await _audit(engine, handle.id)

    assert report.workflow_status == "COMPLETED"
    assert report.clean, report.to_json()
    assert report.entries[-1].key_fields["reason_code"] == "MPXN_NOT_FOUND"


async def test_an_unknown_switch_is_a_clear_error(engine: Engine) -> None:
    with pytest.raises(AuditError, match="no stream 'sw-nobody' in the event store"):
        await _audit(engine, "sw-nobody")


async def test_an_event_altered_by_a_superuser_is_reported_by_show_and_verify(
    engine: Engine,
) -> None:
    handle = await _rejected(engine)
    last = (await engine.store.read_stream(handle.id))[-1].version
    await _tamper(
        engine,
        "UPDATE events SET data = jsonb_set(data::jsonb, '{reason_code}', '\"NO_REASON\"')::json "
        "WHERE stream_id = $1 AND version = $2",
        handle.id,
        last,
    )

    report = await _audit(engine, handle.id)
    assert report.broken is not None
    assert (report.broken.version, report.broken.field) == (last, "hash")
    assert [d.describe("workflow") for d in report.differences] == [
        "reason_code: store 'NO_REASON', workflow 'MPXN_NOT_FOUND'"
    ]

    env = {**os.environ, "DATABASE_URL": engine.store.url}
    code, out, err = await _switching("audit", "verify", env=env)
    assert code == 1, out + err
    assert f"stream {handle.id!r} version {last}: hash" in err
    assert "read model rebuilt from zero: 1 switches" in out


async def test_the_rebuilt_read_model_matches_the_workflows(engine: Engine) -> None:
    handle = await _rejected(engine)
    report = await rebuild_and_compare(engine.store, _WorkflowStates(engine, [handle.id]))
    assert report.compared
    assert report.switches == 1
    assert report.ok, report.problems


class _WorkflowStates:
    """The workflows' own states, standing in for a live read model in the comparison."""

    def __init__(self, engine: Engine, ids: list[str]) -> None:
        self._engine = engine
        self._ids = ids

    async def rows(self) -> dict[str, Any]:
        rows = {}
        for switch_id in self._ids:
            handle = self._engine.env.client.get_workflow_handle(
                switch_id, result_type=SwitchResult
            )
            with self._engine.env.auto_time_skipping_disabled():
                rows[switch_id] = row_of((await handle.result()).state, 0)
        return rows


async def test_verify_reports_a_live_read_model_row_that_disagrees(engine: Engine) -> None:
    handle = await _rejected(engine)
    await Projector(engine.store, engine.store.pool, SwitchReadModel()).catch_up()
    env = {**os.environ, "DATABASE_URL": engine.store.url}
    code, out, err = await _switching("audit", "verify", env=env)
    assert code == 0, out + err
    await engine.store.pool.execute(
        "UPDATE switch_read_model SET status = 'ACTIVE' WHERE switch_id = $1", handle.id
    )
    code, out, err = await _switching("audit", "verify", env=env)
    assert code == 1, out + err
    assert f"switch {handle.id!r} status: rebuilt 'REJECTED', read model 'ACTIVE'" in out + err


async def test_a_bundle_verifies_offline_and_one_changed_byte_fails_at_its_event(
    engine: Engine, tmp_path: Path
) -> None:
    handle = await _rejected(engine)
    key, pin = _audit_key(tmp_path)
    bundle = tmp_path / "bundle.json"
    count = await export_switch(engine.store, engine.env.client, handle.id, bundle, key, None)
    assert count >= 4
    # Temporal holds ciphertext; the bundle's history is decrypted, so it needs no key.
    encrypted = base64.b64encode(ENCODING).decode()
    assert encrypted in json.dumps((await handle.fetch_history()).to_json_dict())
    assert encrypted not in json.dumps(json.loads(bundle.read_text())["history"])

    check = await verify_bundle(bundle, pin)
    assert check.ok, check.problems
    assert check.events == count
    # Offline: no database and no Temporal in the environment of the command.
    offline = {"PATH": os.environ.get("PATH", ""), "TEMPORAL_ADDRESS": "127.0.0.1:9"}
    pinned = ("--audit-fingerprint", pin.fingerprint)
    code, out, err = await _switching("audit", "verify-bundle", str(bundle), *pinned, env=offline)
    assert code == 0, out + err
    assert f"bundle of {handle.id} verifies: {count} events" in out

    value = json.loads(bundle.read_text())
    value["events"][2]["data"]["registration_id"] += "X"
    altered = tmp_path / "altered.json"
    altered.write_text(json.dumps(value))
    check = await verify_bundle(altered, pin)
    assert not check.ok
    assert check.problems[0].startswith(f"broken link at event stream {handle.id!r} version 3")
    code, out, err = await _switching("audit", "verify-bundle", str(altered), *pinned, env=offline)
    assert code == 1
    assert "version 3: hash" in err


def _audit_key(folder: Path) -> tuple[AuditSigningKey, KeyPin]:
    generate(folder / "audit")
    key = load_signing_key(folder / "audit" / "audit.key.pem")
    return key, KeyPin(key.public.fingerprint)


def _recompute(bundle: dict[str, Any], version: int) -> None:
    """What someone holding only the bundle file can do: edit an event, then recompute
    every later link, the stream's last hash and the manifest's digests."""
    events = [event_from_json(item) for item in bundle["events"]]
    previous = events[version - 2].hash
    for index in range(version - 1, len(events)):
        event = events[index]
        data = (
            {**event.data, "reason_code": "NO_REASON"} if event.version == version else event.data
        )
        fields = replace(fields_of(event), data=data)
        rehashed = replace(
            event, data=data, previous_hash=previous, hash=link_hash(previous, fields)
        )
        bundle["events"][index] = event_to_json(rehashed)
        previous = rehashed.hash
    manifest = bundle["manifest"]
    manifest["last_hash"] = previous
    manifest["sha256"]["events"] = hashlib.sha256(
        canonical_json(bundle["events"]).encode()
    ).hexdigest()


async def test_a_bundle_whose_chain_and_manifest_were_recomputed_is_refused(
    engine: Engine, tmp_path: Path
) -> None:
    handle = await _rejected(engine)
    key, pin = _audit_key(tmp_path)
    bundle = tmp_path / "bundle.json"
    await export_switch(engine.store, engine.env.client, handle.id, bundle, key, None)
    value = json.loads(bundle.read_text())
    last = value["events"][-1]["version"]
    _recompute(value, last)
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(value))

    check = await verify_bundle(forged, pin)
    assert check.problems[0] == (
        "the manifest's signature does not verify with the pinned audit key"
    )
    # The chain and digests alone are fooled: only the seal catches the forgery.
    assert len(check.problems) == 1

    # Re-signing with a key of one's own does not help: the verifier pins the auditor's.
    forger, _ = _audit_key(tmp_path / "forger")
    value["seal"] = {
        "public_key": forger.public.base64,
        "fingerprint": forger.public.fingerprint,
        "signature": forger.sign(canonical_json(value["manifest"])),
    }
    forged.write_text(json.dumps(value))
    offline = {"PATH": os.environ.get("PATH", ""), "TEMPORAL_ADDRESS": "127.0.0.1:9"}
    code, _, err = await _switching(
        "audit", "verify-bundle", str(forged), "--audit-fingerprint", pin.fingerprint, env=offline
    )
    assert code == 1
    assert "the manifest's signature does not verify with the pinned audit key" in err


async def test_export_refuses_to_seal_a_store_changed_since_it_was_certified(
    engine: Engine, tmp_path: Path
) -> None:
    handle = await _rejected(engine)
    key, _ = _audit_key(tmp_path)
    await make_checkpoint(engine.store, key)
    await tamper.rewrite_event(
        engine.store.url, handle.id, 2, lambda data: {**data, "note": "rewritten"}
    )
    with pytest.raises(AuditError, match="will not seal") as refused:
        await export_switch(
            engine.store, engine.env.client, handle.id, tmp_path / "b.json", key, None
        )
    assert f"stream {handle.id!r} version 2" in str(refused.value)
    assert not (tmp_path / "b.json").exists()
