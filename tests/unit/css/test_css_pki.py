"""The dev PKI: what it creates, who signs what, permissions, and idempotence."""

from __future__ import annotations

import ipaddress
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from css import jws
from css.pki import (
    CSS_KIDS,
    SUPPLIER_KID,
    CertPair,
    PkiMissing,
    PkiPaths,
    create_jws_key,
    ensure_pki,
    init_pki,
    load_signing_key,
    load_trusted_keys,
)


def cert(pair: CertPair) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pair.cert.read_bytes())


def every_file(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*.pem")}


@pytest.fixture
def paths(tmp_path: Path) -> PkiPaths:
    return init_pki(tmp_path / "pki")


def test_each_leaf_is_issued_by_its_side_s_ca(paths: PkiPaths) -> None:
    industry, supplier = cert(paths.industry_ca), cert(paths.supplier_ca)
    for leaf in (
        paths.simulator_server,
        paths.simulator_client,
        paths.electricity_enquiry_server,
        paths.gas_enquiry_server,
    ):
        cert(leaf).verify_directly_issued_by(industry)
    for leaf in (paths.supplier_client, paths.receiver_server, paths.supplier_enquiry_client):
        cert(leaf).verify_directly_issued_by(supplier)
    with pytest.raises(ValueError, match=r"[Ii]ssuer"):
        cert(paths.supplier_client).verify_directly_issued_by(industry)


def test_server_certificates_name_loopback_and_their_compose_host(paths: PkiPaths) -> None:
    for pair, host in (
        (paths.simulator_server, "simulator"),
        (paths.receiver_server, "receiver"),
        (paths.electricity_enquiry_server, "electricity-enquiry"),
        (paths.gas_enquiry_server, "gas-enquiry"),
    ):
        leaf = cert(pair)
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert san.get_values_for_type(x509.DNSName) == ["localhost", host]
        assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
        eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]


def test_client_certificates_are_for_client_auth_only(paths: PkiPaths) -> None:
    for pair in (paths.simulator_client, paths.supplier_client, paths.supplier_enquiry_client):
        eku = cert(pair).extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]


def test_cas_are_cas_and_leaves_are_not(paths: PkiPaths) -> None:
    for pair, is_ca in (
        (paths.industry_ca, True),
        (paths.supplier_ca, True),
        (paths.receiver_server, False),
    ):
        constraints = cert(pair).extensions.get_extension_for_class(x509.BasicConstraints)
        assert constraints.critical
        assert constraints.value.ca is is_ca


def test_private_keys_are_0600_and_folders_0700(paths: PkiPaths) -> None:
    keys = list(paths.root.rglob("*.key.pem"))
    assert len(keys) == 9 + len(CSS_KIDS) + 1
    for key in keys:
        assert stat.S_IMODE(key.stat().st_mode) == 0o600, key
    for folder in (paths.root, paths.root / "jws", paths.css_jws_dir, paths.supplier_jws_dir):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_init_is_idempotent(paths: PkiPaths) -> None:
    before = every_file(paths.root)
    again = ensure_pki(paths.root)
    assert again.created == ()
    assert every_file(paths.root) == before


def test_a_missing_leaf_is_recreated_alone(paths: PkiPaths) -> None:
    before = every_file(paths.root)
    paths.receiver_server.key.unlink()
    again = ensure_pki(paths.root)
    assert again.created == (paths.receiver_server.cert,)
    after = every_file(paths.root)
    changed = {p for p in after if after[p] != before.get(p)}
    assert changed == {paths.receiver_server.cert, paths.receiver_server.key}


def test_a_replaced_ca_reissues_its_leaves_only(paths: PkiPaths) -> None:
    paths.supplier_ca.cert.unlink()
    again = ensure_pki(paths.root)
    assert set(again.created) == {
        paths.supplier_ca.cert,
        paths.supplier_client.cert,
        paths.receiver_server.cert,
        paths.supplier_enquiry_client.cert,
    }
    cert(paths.supplier_client).verify_directly_issued_by(cert(paths.supplier_ca))


def test_loose_key_permissions_are_tightened(paths: PkiPaths) -> None:
    paths.supplier_client.key.chmod(0o644)
    ensure_pki(paths.root)
    assert stat.S_IMODE(paths.supplier_client.key.stat().st_mode) == 0o600


def test_jws_keys_load_and_verify_each_other(paths: PkiPaths) -> None:
    assert PkiPaths.kids(paths.css_jws_dir) == list(CSS_KIDS)
    trusted = load_trusted_keys(paths.css_jws_dir)
    assert sorted(trusted) == list(CSS_KIDS)
    for kid in CSS_KIDS:
        signer = load_signing_key(paths.css_jws_dir, kid)
        assert jws.verify(b"x", jws.sign(b"x", signer), trusted).kid == kid
    ours = load_signing_key(paths.supplier_jws_dir, SUPPLIER_KID)
    assert ours.alg is jws.Algorithm.ES256
    assert sorted(load_trusted_keys(paths.supplier_jws_dir)) == [SUPPLIER_KID]


def test_a_ps256_key_can_be_added(paths: PkiPaths) -> None:
    assert create_jws_key(paths.css_jws_dir, "css-2026-3", jws.Algorithm.PS256)
    assert not create_jws_key(paths.css_jws_dir, "css-2026-3", jws.Algorithm.PS256)
    signer = load_signing_key(paths.css_jws_dir, "css-2026-3")
    assert signer.alg is jws.Algorithm.PS256
    trusted = load_trusted_keys(paths.css_jws_dir)
    assert jws.verify(b"x", jws.sign(b"x", signer), trusted).alg is jws.Algorithm.PS256
    mode = PkiPaths.jws_private(paths.css_jws_dir, "css-2026-3").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_missing_files_say_how_to_create_them(tmp_path: Path) -> None:
    with pytest.raises(PkiMissing, match="switching pki init"):
        load_signing_key(tmp_path, "supplier-1")
    with pytest.raises(PkiMissing, match="no JWS public keys"):
        load_trusted_keys(tmp_path)
