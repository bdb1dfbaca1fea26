"""Every TLS certificate and JWS key of a PKI folder that is in use or trusted, with when it
expires: what `switching pki status` lists and the expiry gauges report.

A JWS key has no validity of its own: its expiry is the one the PKI recorded beside it
(`css.pki.jws_key_expiry`), or its retirement when a rotation has scheduled one. Retired
keys whose retirement has passed are no longer trusted and are not listed.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509

from css.jws import VerificationKey
from css.keyring import signing_kid
from css.pki import PkiMissing, PkiPaths, jws_key_expiry, load_key_history
from observability import gateway

log = logging.getLogger("switching.pki")

_CERTIFICATE = ".crt.pem"

#: What each certificate file is for; a file not named here is listed as "other".
TLS_ROLES = {
    "industry-ca": "trusted CA of CSS and the enquiry services",
    "supplier-ca": "our CA, trusted by CSS and the enquiry services",
    "supplier-client": "our client certificate for CSS",
    "receiver-server": "our receiver's server certificate",
    "supplier-enquiry-client": "our client certificate for the enquiry services",
    "simulator-server": "CSS simulator's server certificate (dev)",
    "simulator-client": "CSS simulator's push certificate (dev)",
    "electricity-enquiry-server": "electricity enquiry simulator's certificate (dev)",
    "gas-enquiry-server": "gas enquiry simulator's certificate (dev)",
}


@dataclass(frozen=True)
class Credential:
    #: The file, relative to the PKI folder (`receiver-server.crt.pem`, `jws/css/css-2026-1`).
    name: str
    kind: str
    subject: str
    issuer: str
    not_after: datetime | None
    role: str
    #: Ends on purpose at `not_after` (a rotation's overlap), so nothing needs doing.
    scheduled: bool = False

    def seconds_left(self, now: datetime) -> float | None:
        return None if self.not_after is None else (self.not_after - now).total_seconds()

    def days_left(self, now: datetime) -> int | None:
        seconds = self.seconds_left(now)
        return None if seconds is None else int(seconds // 86400)

    def expires_within(self, now: datetime, days: float) -> bool:
        seconds = self.seconds_left(now)
        return seconds is not None and seconds <= days * 86400


def _certificate(root: Path, path: Path) -> Credential:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    stem = path.name.removesuffix(_CERTIFICATE)
    return Credential(
        name=str(path.relative_to(root)),
        kind="TLS certificate",
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        not_after=cert.not_valid_after_utc,
        role=TLS_ROLES.get(stem, "other certificate in the PKI folder"),
    )


def _jws_key(
    root: Path, folder: Path, key: VerificationKey, role: str, retires: datetime | None
) -> Credential:
    """`retires`: the end of its overlap, when a rotation has retired it."""
    expiry = jws_key_expiry(folder, key.kid)
    ends = [at for at in (expiry, retires) if at is not None]
    return Credential(
        name=str((folder / key.kid).relative_to(root)),
        kind="JWS key",
        subject=f"kid={key.kid} ({key.alg})",
        issuer="us" if folder.name == "supplier" else "CSS",
        not_after=min(ends) if ends else None,
        role=role,
        scheduled=retires is not None and (expiry is None or retires <= expiry),
    )


def _jws_keys(root: Path, folder: Path, ours: bool, now: datetime) -> list[Credential]:
    if not folder.is_dir() or not PkiPaths.kids(folder):
        return []
    history = load_key_history(folder)
    try:
        active = signing_kid(folder) if ours else None
    except PkiMissing:
        active = None
    found = []
    for key in history.current.values():
        if ours:
            role = "our signing key" if key.kid == active else "our key, trusted by CSS"
        else:
            role = "CSS key we trust"
        found.append(_jws_key(root, folder, key, role, None))
    for key, retired_at in history.retired:
        if retired_at > now:
            whose = "our previous key" if ours else "CSS's previous key"
            role = f"{whose}, trusted until its overlap ends"
            found.append(_jws_key(root, folder, key, role, retired_at))
    return found


def inventory(root: Path, now: datetime) -> list[Credential]:
    """Every certificate and trusted JWS key under `root`, certificates first."""
    if not root.is_dir():
        raise PkiMissing(f"no PKI folder at {root}; run `switching pki init --dir {root}`")
    paths = PkiPaths(root)
    found = [_certificate(root, path) for path in sorted(root.glob(f"*{_CERTIFICATE}"))]
    found += _jws_keys(root, paths.supplier_jws_dir, True, now)
    found += _jws_keys(root, paths.css_jws_dir, False, now)
    return found


async def report_expiry(root: Path, every: float = 60.0) -> None:
    """Set the expiry gauge of every credential under `root`, now and every `every` seconds,
    until cancelled (a long-running process's task)."""
    while True:
        now = datetime.now(UTC)
        try:
            credentials = inventory(root, now)
        except (OSError, ValueError) as error:
            log.warning("credential expiry not measured: %s", error)
            credentials = []
        for credential in credentials:
            left = credential.seconds_left(now)
            if left is not None:
                gateway.credential_expiry(credential.name, credential.kind, left)
        await asyncio.sleep(every)
