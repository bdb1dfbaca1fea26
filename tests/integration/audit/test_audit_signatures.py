"""Every stored CSS body is checked again against the keys CSS was trusted with when it
arrived: a body a superuser edited (chain recomputed, digest too) is named, and a key
retired since still proves what it signed before its retirement, and nothing after."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from audit.checkpointer import make_checkpoint
from audit.keys import KeyPin, generate, load_signing_key
from audit.store_audit import audit_store
from css import jws
from css.pki import create_jws_key, load_key_history, load_trusted_keys, retire_jws_key
from css.pki import load_signing_key as css_signing_key
from eventstore import roles
from eventstore.postgres import PostgresEventStore
from receiver.intake import NotificationIntake
from receiver.ledger import InMemoryDeliveryLedger
from receiver.records import ReceivedMessage
from tests.conftest import as_role
from tests.integration.audit import tamper

ARRIVED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RETIRED = ARRIVED + timedelta(days=1)


def _body(message_id: str) -> bytes:
    return json.dumps(
        {
            "messageId": message_id,
            "eventType": "VALIDATED",
            "registrationId": "REG-1",
            "mpxn": "1312345678907",
            "occurredAt": "2026-03-02T09:00:00+00:00",
            "objectionWindowEnd": "2026-03-03T09:00:00+00:00",
            "supplyStartDate": "2026-03-04",
            "marketSector": "D",
        },
        indent=1,
    ).encode()


async def _receive(
    intake: NotificationIntake, message_id: str, key: jws.SigningKey, at: datetime
) -> None:
    body = _body(message_id)
    answer = await intake.receive(
        ReceivedMessage(
            body=body,
            signature=jws.sign(body, key),
            headers={"content-type": "application/json"},
            client_subject="CN=css-simulator-push",
            received_at=at,
        )
    )
    assert answer.status == 202, answer.body


def _edited(data: dict[str, Any]) -> dict[str, Any]:
    body = base64.b64decode(data["body_base64"]).replace(b"VALIDATED", b"REJECTED")
    return {
        **data,
        "body_base64": base64.b64encode(body).decode(),
        "body_sha256": hashlib.sha256(body).hexdigest(),
        "event_type": "REJECTED",
    }


async def test_an_edited_css_body_and_a_body_signed_by_a_retired_key_are_named(
    event_store: PostgresEventStore, tmp_path: Path
) -> None:
    css = tmp_path / "jws-css"
    for kid in ("css-2026-1", "css-2026-2"):
        create_jws_key(css, kid)
    old, new = css_signing_key(css, "css-2026-1"), css_signing_key(css, "css-2026-2")
    intake = NotificationIntake(
        store=event_store, ledger=InMemoryDeliveryLedger(), trusted_keys=load_trusted_keys(css)
    )
    await _receive(intake, "msg-1", old, ARRIVED)
    await _receive(intake, "msg-2", new, RETIRED + timedelta(hours=1))
    # Signed with the old key after it was retired: a receiver that still trusted it erred.
    await _receive(intake, "msg-3", old, RETIRED + timedelta(hours=2))
    retire_jws_key(css, "css-2026-1", RETIRED)

    generate(tmp_path / "audit")
    audit_key = load_signing_key(tmp_path / "audit" / "audit.key.pem")
    auditor = await PostgresEventStore.connect(as_role(event_store.url, roles.AUDITOR))
    try:
        await make_checkpoint(auditor, audit_key)
    finally:
        await auditor.close()
    pin = KeyPin(audit_key.public.fingerprint)

    found = await audit_store(event_store.url, pin, [], load_key_history(css))
    assert found.bodies_checked == 3
    assert found.signature_problems == [
        "stream 'css-inbound-REG-1' version 3 (position 3, CSS message 'msg-3'): its CSS "
        "signature no longer verifies: key id 'css-2026-1' is not trusted (trusted: css-2026-2)"
    ]

    await tamper.rewrite_event(event_store.url, "css-inbound-REG-1", 1, _edited)
    found = await audit_store(event_store.url, pin, [], load_key_history(css))
    assert found.signature_problems[0] == (
        "stream 'css-inbound-REG-1' version 1 (position 1, CSS message 'msg-1'): its CSS "
        "signature no longer verifies: signature by 'css-2026-1' does not match the body"
    )
    assert found.anchor is not None
    assert (
        found.anchor.findings[0]
        .describe()
        .startswith(
            "edited: stream 'css-inbound-REG-1' version 1 (position 1) was edited and its "
            "stream's chain recomputed"
        )
    )
