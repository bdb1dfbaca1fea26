"""Re-verifying the CSS signature of every stored inbound notification.

The receiver checked each body's detached JWS before storing it, and stored the exact
bytes with the signature. Checking them again, against the keys CSS was trusted with at
the time each body arrived (retired keys are kept for this), shows whether a stored body
was changed since: nobody without CSS's private key can make a changed body verify.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from css import jws
from css.errors import BadSignature
from css.pki import KeyHistory


def signature_problem(data: Mapping[str, Any], keys: KeyHistory) -> str | None:
    """Why a stored notification's body no longer verifies, or None when it does."""
    try:
        body = base64.b64decode(data["body_base64"], validate=True)
        received_at = datetime.fromisoformat(data["received_at"])
    except (KeyError, TypeError, ValueError, binascii.Error) as error:
        return f"its stored body or arrival time is unreadable ({error!r})"
    if hashlib.sha256(body).hexdigest() != data.get("body_sha256"):
        return "its body does not match the digest stored beside it"
    try:
        verified = jws.verify(body, data.get("signature"), keys.trusted_at(received_at))
    except BadSignature as bad:
        return f"its CSS signature no longer verifies: {bad}"
    if verified.kid != data.get("kid"):
        return f"it verifies with key {verified.kid!r}, not the recorded {data.get('kid')!r}"
    return None


def describe(stream_id: str, version: int, position: int, data: Mapping[str, Any], why: str) -> str:
    return (
        f"stream {stream_id!r} version {version} (position {position}, CSS message "
        f"{data.get('message_id')!r}): {why}"
    )


def problems_in(
    records: Iterable[tuple[str, int, int, Mapping[str, Any]]], keys: KeyHistory
) -> tuple[int, list[str]]:
    """(how many stored bodies were checked, a line per one that fails)."""
    checked, found = 0, []
    for stream_id, version, position, data in records:
        checked += 1
        why = signature_problem(data, keys)
        if why is not None:
            found.append(describe(stream_id, version, position, data, why))
    return checked, found
