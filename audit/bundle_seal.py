"""Sealing a bundle with the audit key, and checking a seal against a pinned key.

A bundle's digests alone prove nothing to someone who can recompute them. The seal adds
what only the auditor can produce: the signed checkpoint that covers every bundled event,
the ledger entries that place them under it, the inbound CSS messages of the switch with
the CSS keys of their time, and the audit key's signature over the manifest, whose
digests cover every section. Recomputing any section, or the manifest, without the key
breaks the signature; a verifier pins the key by its fingerprint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from audit.bundle import event_from_json, event_to_json
from audit.errors import AuditError
from audit.keys import AuditSigningKey, KeyPin
from audit.signatures import problems_in
from css.pki import KeyHistory
from eventstore.chain import canonical_json, verify_stream
from eventstore.ledger import Checkpoint, LedgerEntry, SignedCheckpoint
from eventstore.model import RecordedEvent

SECTIONS: Final = ("inbound", "checkpoint", "ledger", "css_keys")


@dataclass(frozen=True)
class Proof:
    """What the auditor adds to a bundle before signing it."""

    inbound: Sequence[RecordedEvent]
    checkpoint: SignedCheckpoint
    ledger: Sequence[LedgerEntry]
    css_keys: KeyHistory | None


def _digest(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def seal(bundle: dict[str, Any], proof: Proof, key: AuditSigningKey) -> dict[str, Any]:
    bundle["inbound"] = [event_to_json(event) for event in proof.inbound]
    bundle["checkpoint"] = {"body": proof.checkpoint.body, "signature": proof.checkpoint.signature}
    bundle["ledger"] = [entry.to_json() for entry in proof.ledger]
    bundle["css_keys"] = None if proof.css_keys is None else proof.css_keys.to_json()
    manifest = bundle["manifest"]
    manifest["sha256"].update({name: _digest(bundle[name]) for name in SECTIONS})
    bundle["seal"] = {
        "public_key": key.public.base64,
        "fingerprint": key.public.fingerprint,
        "signature": key.sign(canonical_json(manifest)),
    }
    return bundle


def _checkpoint(bundle: Mapping[str, Any], pin: KeyPin, problems: list[str]) -> Checkpoint | None:
    try:
        body, signature = bundle["checkpoint"]["body"], bundle["checkpoint"]["signature"]
        checkpoint = Checkpoint.from_body(body)
    except (KeyError, TypeError, ValueError) as error:
        problems.append(f"the bundled checkpoint is unreadable ({error!r})")
        return None
    if not pin.verifies(checkpoint.public_key, body, signature):
        problems.append("the bundled checkpoint is not signed by the pinned audit key")
        return None
    return checkpoint


def _placed(
    events: Sequence[RecordedEvent], ledger: Sequence[LedgerEntry], checkpoint: Checkpoint
) -> list[str]:
    """Each bundled event as its ledger entry certified it, under the checkpoint."""
    certified = {entry.position: entry for entry in ledger}
    problems = []
    for event in events:
        entry = certified.get(event.position)
        where = f"stream {event.stream_id!r} version {event.version} (position {event.position})"
        if event.position > checkpoint.position:
            problems.append(f"{where} is not covered by {checkpoint.describe()}")
        elif entry != LedgerEntry(event.position, event.stream_id, event.version, event.hash):
            problems.append(f"{where} is not the event the bundled ledger certifies")
    return problems


def check_seal(
    bundle: Mapping[str, Any], pin: KeyPin, events: Sequence[RecordedEvent]
) -> list[str]:
    """Everything wrong with the seal of a bundle whose switch stream is `events`."""
    seal_value = bundle.get("seal")
    manifest = bundle["manifest"]
    if not isinstance(seal_value, Mapping):
        return ["the bundle is not sealed with an audit key"]
    if not pin.verifies(
        str(seal_value.get("public_key")),
        canonical_json(manifest),
        str(seal_value.get("signature")),
    ):
        return ["the manifest's signature does not verify with the pinned audit key"]
    problems = [
        f"{name} digest does not match the manifest"
        for name in SECTIONS
        if manifest["sha256"].get(name) != _digest(bundle.get(name))
    ]
    checkpoint = _checkpoint(bundle, pin, problems)
    if problems or checkpoint is None:
        return problems
    try:
        inbound = [event_from_json(value) for value in bundle["inbound"]]
        ledger = [LedgerEntry.from_json(value) for value in bundle["ledger"]]
        css_keys = None if bundle["css_keys"] is None else KeyHistory.from_json(bundle["css_keys"])
    except (AuditError, KeyError, TypeError, ValueError) as error:
        return [f"the bundle's proof is unreadable ({error!r})"]
    problems.extend(_placed([*events, *inbound], ledger, checkpoint))
    for stream_id in sorted({event.stream_id for event in inbound}):
        broken = verify_stream(stream_id, [e for e in inbound if e.stream_id == stream_id])
        if broken is not None:
            problems.append(f"broken link at event {broken.describe()}")
    if css_keys is not None:
        records = [(e.stream_id, e.version, e.position, e.data) for e in inbound]
        problems.extend(f"CSS signature: {line}" for line in problems_in(records, css_keys)[1])
    return problems
