"""`switching pki status` and `pki rotate` as an operator runs them, on a PKI folder."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from css.pki import PkiPaths, init_pki
from tests.integration.cli.conftest import base_env, switching


def _reissue(paths: PkiPaths, days: float) -> None:
    """Replace the receiver's certificate with one from the supplier CA ending in `days`."""
    ca_cert = x509.load_pem_x509_certificate(paths.supplier_ca.cert.read_bytes())
    ca_key = serialization.load_pem_private_key(paths.supplier_ca.key.read_bytes(), None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    old = x509.load_pem_x509_certificate(paths.receiver_server.cert.read_bytes())
    key = serialization.load_pem_private_key(paths.receiver_server.key.read_bytes(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(old.subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .sign(ca_key, hashes.SHA256())
    )
    paths.receiver_server.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


async def test_status_lists_everything_and_passes_when_nothing_expires_soon(
    tmp_path: Path,
) -> None:
    paths = init_pki(tmp_path / "pki")
    ran = await switching(
        "pki", "status", "--dir", str(paths.root), "--json", env=base_env(tmp_path)
    )
    assert ran.code == 0, ran.stderr
    document = json.loads(ran.stdout)
    names = {row["name"]: row for row in document["credentials"]}
    assert names["receiver-server.crt.pem"]["role"] == "our receiver's server certificate"
    assert names["receiver-server.crt.pem"]["days_left"] >= 700
    assert names["jws/supplier/supplier-1"]["role"] == "our signing key"
    assert {"jws/css/css-2026-1", "jws/css/css-2026-2"} <= set(names)
    assert document["expiring"] == []


async def test_a_certificate_ten_days_from_expiry_fails_the_check_and_is_named(
    tmp_path: Path,
) -> None:
    paths = init_pki(tmp_path / "pki")
    _reissue(paths, days=10.5)
    env = base_env(tmp_path)

    ran = await switching("pki", "status", "--dir", str(paths.root), env=env)

    assert ran.code == 1
    assert "receiver-server.crt.pem" in ran.stderr
    assert "our receiver's server certificate, 10 days left" in ran.stderr
    assert "1 expire within 30 days" in ran.stderr
    as_json = await switching("pki", "status", "--dir", str(paths.root), "--json", env=env)
    assert as_json.code == 1
    assert json.loads(as_json.stdout)["expiring"] == ["receiver-server.crt.pem"]
    # Inside a shorter warning it is not yet a concern.
    shorter = await switching(
        "pki", "status", "--dir", str(paths.root), "--warn-days", "7", env=env
    )
    assert shorter.code == 0, shorter.stderr


async def test_rotate_adds_the_next_key_and_states_the_overlap(tmp_path: Path) -> None:
    paths = init_pki(tmp_path / "pki")
    env = base_env(tmp_path)
    refused = await switching("pki", "rotate", "--dir", str(paths.root), env=env)
    assert refused.code == 2
    assert "--jws" in refused.stderr
    bad = await switching(
        "pki", "rotate", "--jws", "--overlap", "a week", "--dir", str(paths.root), env=env
    )
    assert bad.code == 2
    assert "'a week'" in bad.stderr

    ran = await switching(
        "pki", "rotate", "--jws", "--overlap", "12h", "--dir", str(paths.root), env=env
    )

    assert ran.code == 0, ran.stderr
    assert "added JWS key supplier-2" in ran.stdout
    assert "supplier-1 stays trusted until" in ran.stdout
    listed = await switching("pki", "status", "--dir", str(paths.root), "--json", env=env)
    rows = {row["name"]: row for row in json.loads(listed.stdout)["credentials"]}
    assert rows["jws/supplier/supplier-2"]["role"] == "our signing key"
    assert rows["jws/supplier/supplier-1"]["scheduled"] is True
    # An old key ending on schedule is the rotation working, not something to act on.
    assert listed.code == 0
