"""Keys and certificates that follow their files: a rotated signing key, the overlap during
which the old key stays trusted, a key published and used at once, a renewed certificate
taken by a live TLS context, and a half-written one that changes nothing."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509

from css import jws
from css.errors import UnknownKeyId
from css.inventory import inventory
from css.keyring import LiveSigningKey, LiveTrustedKeys, next_kid, rotate_signing_key
from css.pki import (
    PkiPaths,
    create_jws_key,
    init_pki,
    jws_key_expiry,
    load_key_history,
    load_signing_key,
)
from css.reload import Reloader, ReloadingTls

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def paths(tmp_path: Path) -> PkiPaths:
    return init_pki(tmp_path / "pki")


def _signed_by(folder: Path, kid: str) -> tuple[bytes, str]:
    body = f"signed by {kid}".encode()
    return body, jws.sign(body, load_signing_key(folder, kid))


def test_next_kid_counts_up_and_handles_names_without_a_number() -> None:
    assert next_kid("supplier-1") == "supplier-2"
    assert next_kid("supplier-9") == "supplier-10"
    assert next_kid("ours") == "ours-2"


def test_rotation_signs_with_the_new_key_and_trusts_the_old_one_for_the_overlap(
    paths: PkiPaths,
) -> None:
    folder = paths.supplier_jws_dir
    clock = [NOW]
    signer = LiveSigningKey(folder)
    trusted = LiveTrustedKeys(folder, clock=lambda: clock[0])
    assert signer.current.kid == "supplier-1"

    done = rotate_signing_key(folder, overlap=timedelta(hours=6), now=NOW)

    assert (done.new_kid, done.retiring) == ("supplier-2", ("supplier-1",))
    assert done.trusted_until == NOW + timedelta(hours=6)
    assert signer.refresh()
    assert signer.current.kid == "supplier-2"
    assert trusted.refresh()
    assert sorted(trusted) == ["supplier-1", "supplier-2"]
    old_body, old_signature = _signed_by(folder, "supplier-1")
    assert jws.verify(old_body, old_signature, trusted).kid == "supplier-1"

    clock[0] = NOW + timedelta(hours=6)
    assert sorted(trusted) == ["supplier-2"]
    with pytest.raises(UnknownKeyId, match="supplier-1"):
        jws.verify(old_body, old_signature, trusted)
    # The audit still proves what the old key signed while it was trusted.
    history = load_key_history(folder)
    assert "supplier-1" in history.trusted_at(NOW + timedelta(hours=5))
    assert "supplier-1" not in history.trusted_at(NOW + timedelta(hours=6))


def test_a_second_rotation_retires_both_older_keys_and_skips_used_ids(paths: PkiPaths) -> None:
    folder = paths.supplier_jws_dir
    rotate_signing_key(folder, overlap=timedelta(days=1), now=NOW)
    second = rotate_signing_key(folder, overlap=timedelta(days=1), now=NOW + timedelta(hours=1))
    assert second.new_kid == "supplier-3"
    assert second.retiring == ("supplier-2",)
    assert LiveSigningKey(folder).current.kid == "supplier-3"
    assert jws_key_expiry(folder, "supplier-3") is not None


def test_a_key_published_and_used_at_once_is_found_without_waiting_for_a_tick(
    paths: PkiPaths,
) -> None:
    folder = paths.css_jws_dir
    trusted = LiveTrustedKeys(folder)
    create_jws_key(folder, "css-2026-3")
    body, signature = _signed_by(folder, "css-2026-3")
    assert jws.verify(body, signature, trusted).kid == "css-2026-3"


def test_an_unknown_kid_is_still_refused(paths: PkiPaths) -> None:
    stranger = paths.root / "stranger"
    create_jws_key(stranger, "css-2026-9")
    body, signature = _signed_by(stranger, "css-2026-9")
    with pytest.raises(UnknownKeyId, match="css-2026-9"):
        jws.verify(body, signature, LiveTrustedKeys(paths.css_jws_dir))


def _served_certificate(context: ssl.SSLContext) -> x509.Certificate:
    """The certificate a context presents, read back through a loopback handshake."""
    server_side, client_side = ssl.MemoryBIO(), ssl.MemoryBIO()
    other_in, other_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.check_hostname = False
    client.verify_mode = ssl.CERT_NONE
    server = context.wrap_bio(server_side, client_side, server_side=True)
    peer = client.wrap_bio(other_in, other_out)
    for _ in range(10):
        for side in (peer, server):
            with contextlib.suppress(ssl.SSLWantReadError, ssl.SSLError):
                side.do_handshake()
        server_side.write(other_out.read())
        other_in.write(client_side.read())
        der = peer.getpeercert(binary_form=True) if peer.version() else None
        if der:
            return x509.load_der_x509_certificate(der)
    raise AssertionError("no handshake")


def test_a_renewed_certificate_is_served_without_a_new_context(
    paths: PkiPaths, tmp_path: Path
) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(paths.receiver_server.cert, paths.receiver_server.key)
    live = ReloadingTls("receiver", context, paths.receiver_server, paths.industry_ca.cert)
    reloader = Reloader([live])
    before = _served_certificate(context).serial_number
    assert reloader.refresh() == []

    renewed = init_pki(tmp_path / "other")
    shutil.copy(renewed.receiver_server.key, paths.receiver_server.key)
    # The key alone does not match the certificate still in place: nothing changes.
    assert reloader.refresh() == []
    assert _served_certificate(context).serial_number == before
    shutil.copy(renewed.receiver_server.cert, paths.receiver_server.cert)
    assert reloader.refresh() == ["receiver"]
    after = x509.load_pem_x509_certificate(renewed.receiver_server.cert.read_bytes())
    assert _served_certificate(context).serial_number == after.serial_number != before


def test_inventory_lists_certificates_and_keys_with_roles_and_overlaps(paths: PkiPaths) -> None:
    rotate_signing_key(paths.supplier_jws_dir, overlap=timedelta(days=2), now=NOW)
    listed = {c.name: c for c in inventory(paths.root, NOW)}
    assert listed["receiver-server.crt.pem"].role == "our receiver's server certificate"
    assert listed["receiver-server.crt.pem"].subject.startswith("CN=supplier-receiver")
    assert listed["jws/supplier/supplier-2"].role == "our signing key"
    previous = listed["jws/supplier/supplier-1"]
    assert previous.scheduled
    assert previous.not_after == NOW + timedelta(days=2)
    assert listed["jws/css/css-2026-1"].role == "CSS key we trust"
    # Once the overlap has passed the old key is no longer trusted, so no longer listed.
    later = {c.name for c in inventory(paths.root, NOW + timedelta(days=3))}
    assert "jws/supplier/supplier-1" not in later


async def test_sighup_reloads_at_once(paths: PkiPaths, tmp_path: Path) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(paths.receiver_server.cert, paths.receiver_server.key)
    live = ReloadingTls("receiver", context, paths.receiver_server, paths.industry_ca.cert)
    reloaded: list[list[str]] = []
    signalled = asyncio.Event()

    class Recording(Reloader):
        def refresh(self) -> list[str]:
            reloaded.append(super().refresh())
            signalled.set()
            return reloaded[-1]

    reloader = Recording([live], interval=3600)  # no timer: only the signal can do it
    reloader.on_sighup()
    try:
        renewed = init_pki(tmp_path / "other")
        shutil.copy(renewed.receiver_server.key, paths.receiver_server.key)
        shutil.copy(renewed.receiver_server.cert, paths.receiver_server.cert)
        os.kill(os.getpid(), signal.SIGHUP)
        await asyncio.wait_for(signalled.wait(), 5)
    finally:
        asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
    assert reloaded == [["receiver"]]
    after = x509.load_pem_x509_certificate(renewed.receiver_server.cert.read_bytes())
    assert _served_certificate(context).serial_number == after.serial_number
