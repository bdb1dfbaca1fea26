"""A development PKI for the CSS gateway: two CAs, TLS certificates and JWS keys.

Two trust domains, as in the real market, each side trusting only the other's CA:

- the **industry CA** signs the simulator's server certificate and the client certificate
  the simulator uses to push notifications to our receiver;
- the **supplier CA** signs our client certificate (calls to CSS) and our receiver's server
  certificate.

The industry's enquiry services (electricity and gas) sit in the industry's trust domain
too: the industry CA signs their server certificates, and the supplier CA signs the
client certificate we present to them (a separate identity from the one we use for CSS).

JWS keys live apart from TLS keys, by owner: `jws/css/<kid>` (the simulator signs with
one and publishes all; rotation moves to the next) and `jws/supplier/<kid>`.

`init_pki` is idempotent: it creates only what is missing, expiring or no longer issued by
its CA, under a file lock so that two processes starting together do not race. Private
keys are written 0600 in a 0700 folder; the folder belongs under the git-ignored `.data/`.
"""

from __future__ import annotations

import fcntl
import ipaddress
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from css.jws import (
    Algorithm,
    PrivateKey,
    SigningKey,
    TrustedKeys,
    VerificationKey,
    check_kid,
)

CSS_KIDS = ("css-2026-1", "css-2026-2")
SUPPLIER_KID = "supplier-1"

_CA_VALIDITY = timedelta(days=3650)
_LEAF_VALIDITY = timedelta(days=730)
#: A JWS key carries no validity of its own, so the PKI records one beside it: the instant
#: after which the signer must have rotated (`switching pki status` warns before it).
JWS_KEY_VALIDITY = timedelta(days=365)
_RENEW_BEFORE = timedelta(days=30)
_CLOCK_SKEW = timedelta(hours=1)
_DIGITS = re.compile(r"(\d+)")


def kid_order(kid: str) -> tuple[tuple[int, str], ...]:
    """Sort key of a key id: its runs of digits compare as numbers."""
    return tuple((int(part), "") if part.isdigit() else (-1, part) for part in _DIGITS.split(kid))


class PkiMissing(FileNotFoundError):
    """The PKI folder lacks a file a process needs; the message says how to create it."""


@dataclass(frozen=True)
class CertPair:
    cert: Path
    key: Path


@dataclass(frozen=True)
class PkiPaths:
    """Every file of the dev PKI, so no other module spells a path."""

    root: Path

    def _pair(self, name: str) -> CertPair:
        return CertPair(self.root / f"{name}.crt.pem", self.root / f"{name}.key.pem")

    @property
    def industry_ca(self) -> CertPair:
        return self._pair("industry-ca")

    @property
    def supplier_ca(self) -> CertPair:
        return self._pair("supplier-ca")

    @property
    def simulator_server(self) -> CertPair:
        return self._pair("simulator-server")

    @property
    def simulator_client(self) -> CertPair:
        return self._pair("simulator-client")

    @property
    def supplier_client(self) -> CertPair:
        return self._pair("supplier-client")

    @property
    def receiver_server(self) -> CertPair:
        return self._pair("receiver-server")

    @property
    def electricity_enquiry_server(self) -> CertPair:
        return self._pair("electricity-enquiry-server")

    @property
    def gas_enquiry_server(self) -> CertPair:
        return self._pair("gas-enquiry-server")

    @property
    def supplier_enquiry_client(self) -> CertPair:
        return self._pair("supplier-enquiry-client")

    @property
    def css_jws_dir(self) -> Path:
        return self.root / "jws" / "css"

    @property
    def supplier_jws_dir(self) -> Path:
        return self.root / "jws" / "supplier"

    @staticmethod
    def jws_private(folder: Path, kid: str) -> Path:
        return folder / f"{check_kid(kid)}.key.pem"

    @staticmethod
    def jws_public(folder: Path, kid: str) -> Path:
        return folder / f"{check_kid(kid)}.pub.pem"

    @staticmethod
    def jws_expiry(folder: Path, kid: str) -> Path:
        return folder / f"{check_kid(kid)}.expires-at"

    @staticmethod
    def kids(folder: Path) -> list[str]:
        """The key ids present in a JWS folder, in order (rotation goes forwards, and
        `supplier-10` comes after `supplier-9`)."""
        suffix = ".pub.pem"
        return sorted((p.name[: -len(suffix)] for p in folder.glob(f"*{suffix}")), key=kid_order)


@dataclass(frozen=True)
class PkiInit:
    paths: PkiPaths
    created: tuple[Path, ...]


def _require(path: Path) -> Path:
    if not path.is_file():
        raise PkiMissing(f"{path} is missing; run `switching pki init --dir {path.parent}`")
    return path


def load_signing_key(folder: Path, kid: str) -> SigningKey:
    return SigningKey.from_pem(kid, _require(PkiPaths.jws_private(folder, kid)).read_bytes())


def load_trusted_keys(folder: Path) -> TrustedKeys:
    """Every public key in a JWS folder: the set a verifier of that signer trusts."""
    kids = PkiPaths.kids(folder)
    if not kids:
        raise PkiMissing(f"no JWS public keys in {folder}; run `switching pki init`")
    return TrustedKeys(
        VerificationKey.from_pem(kid, PkiPaths.jws_public(folder, kid).read_bytes()) for kid in kids
    )


def _write(path: Path, data: bytes, *, private: bool) -> None:
    """Atomic write; private files are created 0600 whatever the umask."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    try:
        os.write(fd, data)
        os.fchmod(fd, 0o600 if private else 0o644)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _private_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _public_pem(key: PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _load_pair(pair: CertPair) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    cert = x509.load_pem_x509_certificate(pair.cert.read_bytes())
    key = serialization.load_pem_private_key(pair.key.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise PkiMissing(f"{pair.key} is not an EC private key; delete it and run pki init")
    return cert, key


def _still_good(pair: CertPair, issuer: x509.Certificate | None) -> bool:
    if not (pair.cert.is_file() and pair.key.is_file()):
        return False
    cert, key = _load_pair(pair)
    if cert.public_key() != key.public_key():
        return False
    if cert.not_valid_after_utc - _RENEW_BEFORE < datetime.now(UTC):
        return False
    if issuer is None:
        return True
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Switching engine dev PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _builder(subject: str, key: PrivateKey, validity: timedelta) -> x509.CertificateBuilder:
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _CLOCK_SKEW)
        .not_valid_after(now + validity)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )


def _make_ca(pair: CertPair, common_name: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
    cert = (
        _builder(common_name, key, _CA_VALIDITY)
        .issuer_name(_name(common_name))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
    _write(pair.key, _private_pem(key), private=True)
    _write(pair.cert, cert.public_bytes(serialization.Encoding.PEM), private=False)


#: The host each server is reached by inside docker-compose.yml, so the same dev PKI serves
#: the compose topology as well as loopback.
_COMPOSE_HOST = {
    "css-simulator": "simulator",
    "supplier-receiver": "receiver",
    "electricity-enquiry": "electricity-enquiry",
    "gas-enquiry": "gas-enquiry",
}


def _make_leaf(pair: CertPair, ca: CertPair, common_name: str, *, server: bool) -> None:
    ca_cert, ca_key = _load_pair(ca)
    key = ec.generate_private_key(ec.SECP256R1())
    usage = x509.KeyUsage(True, False, False, False, False, False, False, False, False)
    purpose = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
    names: list[x509.GeneralName] = [x509.DNSName(common_name)]
    if server:
        names = [
            x509.DNSName("localhost"),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.DNSName(_COMPOSE_HOST[common_name]),
        ]
    aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key())
    cert = (
        _builder(common_name, key, _LEAF_VALIDITY)
        .issuer_name(ca_cert.subject)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage([purpose]), critical=False)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(aki, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write(pair.key, _private_pem(key), private=True)
    _write(pair.cert, cert.public_bytes(serialization.Encoding.PEM), private=False)


def create_jws_key(folder: Path, kid: str, alg: Algorithm = Algorithm.ES256) -> bool:
    """Create a JWS key pair named `kid` unless it exists; True when created."""
    private, public = PkiPaths.jws_private(folder, kid), PkiPaths.jws_public(folder, kid)
    if private.is_file() and public.is_file():
        return False
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    key: PrivateKey = (
        ec.generate_private_key(ec.SECP256R1())
        if alg is Algorithm.ES256
        else rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    _write(private, _private_pem(key), private=True)
    _write(public, _public_pem(key), private=False)
    _record_expiry(folder, kid, datetime.now(UTC) + JWS_KEY_VALIDITY)
    return True


def _record_expiry(folder: Path, kid: str, at: datetime) -> None:
    _write(PkiPaths.jws_expiry(folder, kid), f"{at.isoformat()}\n".encode(), private=False)


def jws_key_expiry(folder: Path, kid: str) -> datetime | None:
    """When the key `kid` of this folder expires; None when no expiry is recorded."""
    path = PkiPaths.jws_expiry(folder, kid)
    return datetime.fromisoformat(path.read_text().strip()) if path.is_file() else None


def _ensure_expiries(folder: Path) -> None:
    # Keys made before expiries were recorded get one validity from when they were made.
    for kid in PkiPaths.kids(folder):
        if jws_key_expiry(folder, kid) is None:
            made = datetime.fromtimestamp(PkiPaths.jws_public(folder, kid).stat().st_mtime, UTC)
            _record_expiry(folder, kid, made + JWS_KEY_VALIDITY)


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    with (root / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _ensure_tls(paths: PkiPaths) -> list[Path]:
    created: list[Path] = []
    leaves = {
        paths.industry_ca: [
            (paths.simulator_server, "css-simulator", True),
            (paths.simulator_client, "css-simulator-push", False),
            (paths.electricity_enquiry_server, "electricity-enquiry", True),
            (paths.gas_enquiry_server, "gas-enquiry", True),
        ],
        paths.supplier_ca: [
            (paths.supplier_client, "supplier-css-client", False),
            (paths.receiver_server, "supplier-receiver", True),
            (paths.supplier_enquiry_client, "supplier-enquiry-client", False),
        ],
    }
    for ca, ca_name in ((paths.industry_ca, "Industry CA"), (paths.supplier_ca, "Supplier CA")):
        if not _still_good(ca, None):
            _make_ca(ca, ca_name)
            created.append(ca.cert)
        ca_cert, _ = _load_pair(ca)
        for leaf, name, server in leaves[ca]:
            if not _still_good(leaf, ca_cert):
                _make_leaf(leaf, ca, name, server=server)
                created.append(leaf.cert)
    return created


def ensure_pki(root: Path) -> PkiInit:
    """Create whatever of the dev PKI is missing under `root`; report what was created."""
    paths = PkiPaths(root)
    for folder in (root, root / "jws"):
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(folder, 0o700)
    with _locked(root):
        created = _ensure_tls(paths)
        for folder, kids in (
            (paths.css_jws_dir, CSS_KIDS),
            (paths.supplier_jws_dir, (SUPPLIER_KID,)),
        ):
            for kid in kids:
                if create_jws_key(folder, kid):
                    created.append(PkiPaths.jws_public(folder, kid))
            _ensure_expiries(folder)
        for key_file in root.rglob("*.key.pem"):
            os.chmod(key_file, 0o600)
    return PkiInit(paths, tuple(created))


def init_pki(root: Path) -> PkiPaths:
    return ensure_pki(root).paths


RETIRED_FOLDER = "retired"


@dataclass(frozen=True)
class KeyHistory:
    """Every key a signer has used: the ones trusted now, and retired ones with the instant
    they stopped being trusted, so a body stored earlier can still be verified."""

    current: TrustedKeys
    retired: tuple[tuple[VerificationKey, datetime], ...] = ()

    def trusted_at(self, moment: datetime) -> TrustedKeys:
        """The keys a verifier trusted at `moment`."""
        kept = [key for key, retired_at in self.retired if moment < retired_at]
        return TrustedKeys([*self.current.values(), *kept])

    def to_json(self) -> dict[str, object]:
        return {
            "keys": [key.to_jwk() for key in self.current.values()],
            "retired": [{**key.to_jwk(), "retired_at": at.isoformat()} for key, at in self.retired],
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> KeyHistory:
        current = TrustedKeys.from_jwks({"keys": value.get("keys", [])})
        retired = tuple(
            (
                VerificationKey.from_jwk({k: v for k, v in item.items() if k != "retired_at"}),
                datetime.fromisoformat(item["retired_at"]),
            )
            for item in value.get("retired", [])
        )
        return cls(current, retired)


def retire_jws_key(folder: Path, kid: str, at: datetime) -> None:
    """Stop trusting `kid` for new messages from `at`, keeping it to verify older ones."""
    public = _require(PkiPaths.jws_public(folder, kid))
    retired = folder / RETIRED_FOLDER
    retired.mkdir(mode=0o700, exist_ok=True)
    (retired / f"{kid}.retired-at").write_text(at.isoformat() + "\n")
    public.replace(PkiPaths.jws_public(retired, kid))


def load_key_history(folder: Path) -> KeyHistory:
    """The signer's current keys and its retired ones (`retired/`), for re-verification."""
    retired_folder = folder / RETIRED_FOLDER
    retired = []
    for kid in PkiPaths.kids(retired_folder) if retired_folder.is_dir() else []:
        at = datetime.fromisoformat((retired_folder / f"{kid}.retired-at").read_text().strip())
        pem = PkiPaths.jws_public(retired_folder, kid).read_bytes()
        retired.append((VerificationKey.from_pem(kid, pem), at))
    return KeyHistory(load_trusted_keys(folder), tuple(retired))
