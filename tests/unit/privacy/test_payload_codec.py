"""The payload codec: AES-256-GCM under the newest key, every older key still decrypting,
a clear error naming an unknown key, and plain payloads passed through."""

from __future__ import annotations

import dataclasses
import stat
from datetime import date
from pathlib import Path

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.api.failure.v1 import Failure
from temporalio.exceptions import ApplicationError

from privacy.codec import ENCODING, KEY_ID, EncryptionCodec
from privacy.errors import DecryptionFailed, KeyFileError, UnknownKey
from privacy.keys import KeyRing, MasterKey, create_key_file, load_ring, rotate_key_file
from workflows.converter import data_converter

SECRET = b'{"mpxn": "1312345678907", "contact": "ada@example.invalid"}'


def _plain(data: bytes = SECRET) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=data)


async def test_a_payload_is_encrypted_under_the_newest_key_and_decrypts_to_itself() -> None:
    ring = KeyRing([MasterKey.generate(), MasterKey.generate()])
    codec = EncryptionCodec(ring)
    (encrypted,) = await codec.encode([_plain()])
    assert encrypted.metadata["encoding"] == ENCODING
    assert encrypted.metadata[KEY_ID].decode() == ring.current.key_id
    assert b"1312345678907" not in encrypted.SerializeToString()
    assert b"ada@" not in encrypted.SerializeToString()
    assert await codec.decode([encrypted]) == [_plain()]


async def test_each_encryption_uses_a_fresh_nonce() -> None:
    codec = EncryptionCodec(KeyRing([MasterKey.generate()]))
    first, second = await codec.encode([_plain(), _plain()])
    assert first.data != second.data


async def test_a_plain_payload_passes_through_decoding() -> None:
    codec = EncryptionCodec(KeyRing([MasterKey.generate()]))
    assert await codec.decode([_plain()]) == [_plain()]


async def test_payloads_written_before_and_after_a_rotation_all_decode(tmp_path: Path) -> None:
    key_file = tmp_path / "keys.json"
    create_key_file(key_file)
    before = await EncryptionCodec(load_ring(key_file)).encode([_plain(b'"before"')])

    added = rotate_key_file(key_file)
    rotated = EncryptionCodec(load_ring(key_file))
    after = await rotated.encode([_plain(b'"after"')])

    assert rotated.current_key_id == added.key_id
    assert after[0].metadata[KEY_ID].decode() == added.key_id
    assert before[0].metadata[KEY_ID] != after[0].metadata[KEY_ID]
    decoded = await rotated.decode([*before, *after])
    assert [p.data for p in decoded] == [b'"before"', b'"after"']


async def test_a_payload_under_a_key_no_longer_held_fails_naming_that_key() -> None:
    old, new = MasterKey.generate(), MasterKey.generate()
    (encrypted,) = await EncryptionCodec(KeyRing([old])).encode([_plain()])
    with pytest.raises(UnknownKey, match=f"key '{old.key_id}', which is not in the key ring"):
        await EncryptionCodec(KeyRing([new])).decode([encrypted])


async def test_altered_ciphertext_or_a_relabelled_key_id_fails_authentication() -> None:
    one, two = MasterKey.generate(), MasterKey.generate()
    codec = EncryptionCodec(KeyRing([one, two]))
    (encrypted,) = await codec.encode([_plain()])
    altered = Payload(metadata=dict(encrypted.metadata), data=encrypted.data[:-1] + b"\x00")
    with pytest.raises(DecryptionFailed, match="fails authentication"):
        await codec.decode([altered])
    relabelled = Payload(
        metadata={**encrypted.metadata, KEY_ID: one.key_id.encode()}, data=encrypted.data
    )
    with pytest.raises(DecryptionFailed):
        await codec.decode([relabelled])


async def test_the_engine_converter_encrypts_values_and_failure_messages() -> None:
    codec = EncryptionCodec(KeyRing([MasterKey.generate()]))
    converter = data_converter(codec)

    @dataclasses.dataclass(frozen=True)
    class Value:
        contact: str
        day: date

    (payload,) = await converter.encode([Value("ada@example.invalid", date(2026, 12, 14))])
    assert payload.metadata["encoding"] == ENCODING
    assert await converter.decode([payload], [Value]) == [
        Value("ada@example.invalid", date(2026, 12, 14))
    ]

    failure = Failure()
    await converter.encode_failure(ApplicationError("refused for ada@example.invalid"), failure)
    assert b"ada@" not in failure.SerializeToString()
    decoded = await converter.decode_failure(failure)
    assert "refused for ada@example.invalid" in str(decoded)


def test_a_key_file_is_created_0600_and_rotation_keeps_every_older_key(tmp_path: Path) -> None:
    key_file = tmp_path / "keys" / "master-keys.json"
    assert create_key_file(key_file)
    assert not create_key_file(key_file), "an existing key file is kept"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    first = load_ring(key_file)
    second = rotate_key_file(key_file)
    ring = load_ring(key_file)
    assert ring.key_ids == (*first.key_ids, second.key_id)
    assert ring.get(first.current.key_id).secret == first.current.secret
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no master key file at"),
        ("{not json", "is not JSON"),
        ('{"format": "other"}', "is not in the 'switching-master-keys/1' format"),
        ('{"format": "switching-master-keys/1", "keys": []}', "holds no keys"),
        (
            '{"format": "switching-master-keys/1", "keys": [{"id": "k1", "secret": "!!"}]}',
            "key 'k1' in .* is not base64",
        ),
        (
            '{"format": "switching-master-keys/1", "keys": [{"id": "k1", "secret": "AAAA"}]}',
            "key 'k1' is 3 bytes, not 32",
        ),
    ],
)
def test_an_unusable_key_file_is_refused_naming_the_fault(
    tmp_path: Path, content: str | None, message: str
) -> None:
    key_file = tmp_path / "keys.json"
    if content is not None:
        key_file.write_text(content)
    with pytest.raises(KeyFileError, match=message):
        load_ring(key_file)


def test_a_key_never_shows_its_secret() -> None:
    key = MasterKey.generate()
    assert key.secret.hex() not in repr(key)
    assert repr(key) == f"MasterKey({key.key_id!r})"
