"""Detached JWS: round trips, every refusal, rotation, and interoperability with an
independent implementation written directly on `cryptography`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from hypothesis import given
from hypothesis import strategies as st

from css import jws
from css.errors import (
    AlgorithmNotAllowed,
    BadSignature,
    MalformedSignature,
    MissingSignature,
    SignatureMismatch,
    UnknownKeyId,
)

EC_KEY = ec.generate_private_key(ec.SECP256R1())
EC_KEY_2 = ec.generate_private_key(ec.SECP256R1())
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
BODY = b'{"messageId":"m-1","eventType":"CONFIRMED"}'


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def header_part(header: dict[str, object]) -> str:
    return b64(json.dumps(header).encode())


@pytest.fixture
def signer() -> jws.SigningKey:
    return jws.SigningKey.from_private_key("css-2026-1", EC_KEY)


@pytest.fixture
def trusted(signer: jws.SigningKey) -> jws.TrustedKeys:
    return jws.TrustedKeys([signer.verification_key()])


# --- independent implementation (RFC 7515 / 7518 straight on cryptography) -----------


def independent_sign(
    body: bytes, kid: str, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
) -> str:
    alg = "ES256" if isinstance(key, ec.EllipticCurvePrivateKey) else "PS256"
    protected = header_part({"alg": alg, "kid": kid})
    signing_input = f"{protected}.{b64(body)}".encode()
    if isinstance(key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    else:
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        raw = key.sign(signing_input, pss, hashes.SHA256())
    return f"{protected}..{b64(raw)}"


def independent_verify(
    body: bytes, signature: str, public: ec.EllipticCurvePublicKey | rsa.RSAPublicKey
) -> dict[str, object]:
    protected, payload, sig = signature.split(".")
    assert payload == ""
    header = json.loads(unb64(protected))
    signing_input = f"{protected}.{b64(body)}".encode()
    raw = unb64(sig)
    if header["alg"] == "ES256":
        assert isinstance(public, ec.EllipticCurvePublicKey)
        assert len(raw) == 64
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        public.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
    else:
        assert header["alg"] == "PS256"
        assert isinstance(public, rsa.RSAPublicKey)
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        public.verify(raw, signing_input, pss, hashes.SHA256())
    return dict(header)


# --- round trips ----------------------------------------------------------------------


def test_es256_round_trip_has_a_detached_compact_form(
    signer: jws.SigningKey, trusted: jws.TrustedKeys
) -> None:
    signature = jws.sign(BODY, signer)
    protected, payload, _ = signature.split(".")
    assert payload == ""
    assert json.loads(unb64(protected)) == {"alg": "ES256", "kid": "css-2026-1"}
    assert jws.verify(BODY, signature, trusted) == jws.VerifiedSignature(
        "css-2026-1", jws.Algorithm.ES256
    )


def test_ps256_round_trip() -> None:
    key = jws.SigningKey.from_private_key("rsa-1", RSA_KEY)
    assert key.alg is jws.Algorithm.PS256
    result = jws.verify(BODY, jws.sign(BODY, key), jws.TrustedKeys([key.verification_key()]))
    assert result.alg is jws.Algorithm.PS256


def test_empty_body_can_be_signed(signer: jws.SigningKey, trusted: jws.TrustedKeys) -> None:
    assert jws.verify(b"", jws.sign(b"", signer), trusted).kid == "css-2026-1"


@given(body=st.binary(max_size=512), flip=st.integers(min_value=0))
def test_any_body_verifies_and_any_changed_byte_does_not(body: bytes, flip: int) -> None:
    key = jws.SigningKey.from_private_key("k", EC_KEY)
    trusted = jws.TrustedKeys([key.verification_key()])
    signature = jws.sign(body, key)
    assert jws.verify(body, signature, trusted).kid == "k"
    tampered = bytearray(body or b"\x00")
    tampered[flip % len(tampered)] ^= 0x01
    with pytest.raises(SignatureMismatch):
        jws.verify(bytes(tampered), signature, trusted)


# --- interoperability -----------------------------------------------------------------


@pytest.mark.parametrize("private", [EC_KEY, RSA_KEY], ids=["ES256", "PS256"])
def test_our_signature_verifies_independently(
    private: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
) -> None:
    signature = jws.sign(BODY, jws.SigningKey.from_private_key("ours", private))
    header = independent_verify(BODY, signature, private.public_key())
    assert header["kid"] == "ours"
    with pytest.raises(InvalidSignature):
        independent_verify(BODY + b" ", signature, private.public_key())


@pytest.mark.parametrize("private", [EC_KEY, RSA_KEY], ids=["ES256", "PS256"])
def test_independent_signature_verifies_with_ours(
    private: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
) -> None:
    signature = independent_sign(BODY, "theirs", private)
    trusted = jws.TrustedKeys([jws.VerificationKey.from_public_key("theirs", private.public_key())])
    assert jws.verify(BODY, signature, trusted).kid == "theirs"
    with pytest.raises(SignatureMismatch):
        jws.verify(BODY.replace(b"m-1", b"m-2"), signature, trusted)


# --- refusals -------------------------------------------------------------------------


@pytest.mark.parametrize("signature", [None, "", "   "])
def test_missing_signature(signature: str | None, trusted: jws.TrustedKeys) -> None:
    with pytest.raises(MissingSignature, match="X-JWS-Signature"):
        jws.verify(BODY, signature, trusted)


@pytest.mark.parametrize(
    ("signature", "fault"),
    [
        ("nodots", "got 1 part"),
        ("a.b", "got 2 part"),
        ("a.b.c.d", "got 4 part"),
        (f"{header_part({'alg': 'ES256', 'kid': 'css-2026-1'})}.{b64(BODY)}.AAAA", "payload part"),
        ("..AAAA", "must not be empty"),
        (f"{header_part({'alg': 'ES256', 'kid': 'x'})}..", "must not be empty"),
        ("!!!..AAAA", "undecodable"),
        (f"{b64(b'not json')}..AAAA", "undecodable"),
        (f"{b64(b'[1, 2]')}..AAAA", "not a JSON object"),
        (f"{header_part({'kid': 'css-2026-1'})}..AAAA", "no string 'alg'"),
        (f"{header_part({'alg': 'ES256'})}..AAAA", "no string 'kid'"),
        (f"{header_part({'alg': 'ES256', 'kid': 7})}..AAAA", "no string 'kid'"),
        (
            f"{header_part({'alg': 'ES256', 'kid': 'k', 'b64': False, 'crit': ['b64']})}..AAAA",
            "b64: false",
        ),
        (f"{header_part({'alg': 'ES256', 'kid': 'k', 'crit': ['exp']})}..AAAA", "critical"),
        (f"{header_part({'alg': 'ES256', 'kid': 'k'})}..A", "undecodable"),
        ("A" * 9000 + "..AAAA", "longer than"),
    ],
)
def test_malformed_signatures_are_refused_with_the_fault(
    signature: str, fault: str, trusted: jws.TrustedKeys
) -> None:
    with pytest.raises(MalformedSignature, match=fault):
        jws.verify(BODY, signature, trusted)


def test_unknown_kid_names_the_trusted_set(signer: jws.SigningKey) -> None:
    other = jws.TrustedKeys(
        [jws.VerificationKey.from_public_key("css-2026-9", EC_KEY_2.public_key())]
    )
    with pytest.raises(UnknownKeyId, match=r"'css-2026-1' is not trusted \(trusted: css-2026-9\)"):
        jws.verify(BODY, jws.sign(BODY, signer), other)


@pytest.mark.parametrize("alg", ["none", "HS256", "HS512", "RS256", "ES384", "EdDSA"])
def test_other_algorithms_are_refused(alg: str, trusted: jws.TrustedKeys) -> None:
    signature = f"{header_part({'alg': alg, 'kid': 'css-2026-1'})}..AAAA"
    with pytest.raises(AlgorithmNotAllowed, match=alg):
        jws.verify(BODY, signature, trusted)


def test_hmac_forgery_with_the_public_key_as_secret_is_refused(
    trusted: jws.TrustedKeys,
) -> None:
    # The classic algorithm-confusion attack: HS256 keyed with the verifier's public key.
    secret = EC_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    protected = header_part({"alg": "HS256", "kid": "css-2026-1"})
    mac = hmac.new(secret, f"{protected}.{b64(BODY)}".encode(), hashlib.sha256).digest()
    with pytest.raises(AlgorithmNotAllowed):
        jws.verify(BODY, f"{protected}..{b64(mac)}", trusted)


def test_algorithm_must_match_the_key(trusted: jws.TrustedKeys) -> None:
    forged = independent_sign(BODY, "css-2026-1", RSA_KEY)
    with pytest.raises(AlgorithmNotAllowed, match="bound to ES256, the header says PS256"):
        jws.verify(BODY, forged, trusted)


def test_signature_by_another_key_with_a_trusted_kid_is_a_mismatch(
    trusted: jws.TrustedKeys,
) -> None:
    impostor = jws.SigningKey.from_private_key("css-2026-1", EC_KEY_2)
    with pytest.raises(SignatureMismatch):
        jws.verify(BODY, jws.sign(BODY, impostor), trusted)


def test_corrupted_signature_bytes_are_a_mismatch(
    signer: jws.SigningKey, trusted: jws.TrustedKeys
) -> None:
    protected, _, sig = jws.sign(BODY, signer).split(".")
    raw = bytearray(unb64(sig))
    raw[5] ^= 0xFF
    with pytest.raises(SignatureMismatch):
        jws.verify(BODY, f"{protected}..{b64(bytes(raw))}", trusted)


def test_every_refusal_is_a_bad_signature_with_a_reason_code() -> None:
    reasons = {
        cls.reason
        for cls in (
            MissingSignature,
            MalformedSignature,
            UnknownKeyId,
            AlgorithmNotAllowed,
            SignatureMismatch,
        )
    }
    assert len(reasons) == 5
    assert all(issubclass(cls, BadSignature) for cls in (MissingSignature, SignatureMismatch))
    assert not BadSignature.retryable


# --- rotation and key sets ------------------------------------------------------------


def test_rotation_old_and_new_keys_verify_while_both_trusted() -> None:
    old = jws.SigningKey.from_private_key("css-2026-1", EC_KEY)
    new = jws.SigningKey.from_private_key("css-2026-2", EC_KEY_2)
    both = jws.TrustedKeys([old.verification_key(), new.verification_key()])
    assert jws.verify(BODY, jws.sign(BODY, old), both).kid == "css-2026-1"
    assert jws.verify(BODY, jws.sign(BODY, new), both).kid == "css-2026-2"
    only_new = jws.TrustedKeys([new.verification_key()])
    with pytest.raises(UnknownKeyId):
        jws.verify(BODY, jws.sign(BODY, old), only_new)


def test_jwks_round_trip_keeps_kids_and_algorithms() -> None:
    keys = jws.TrustedKeys(
        [
            jws.VerificationKey.from_public_key("ec", EC_KEY.public_key()),
            jws.VerificationKey.from_public_key("rsa", RSA_KEY.public_key()),
        ]
    )
    published = json.loads(json.dumps(keys.to_jwks()))
    assert {(k["kid"], k["alg"], k["use"]) for k in published["keys"]} == {
        ("ec", "ES256", "sig"),
        ("rsa", "PS256", "sig"),
    }
    again = jws.TrustedKeys.from_jwks(published)
    assert again["ec"] == keys["ec"]
    assert again["rsa"] == keys["rsa"]
    signature = jws.sign(BODY, jws.SigningKey.from_private_key("rsa", RSA_KEY))
    assert jws.verify(BODY, signature, again).kid == "rsa"


def test_a_published_key_must_not_be_private() -> None:
    from jwcrypto.jwk import JWK

    private = JWK.from_pyca(EC_KEY).export_private(as_dict=True) | {"kid": "leak"}
    with pytest.raises(jws.UnsupportedKey, match="private material"):
        jws.TrustedKeys.from_jwks({"keys": [private]})


def test_two_different_keys_cannot_share_a_kid() -> None:
    with pytest.raises(jws.UnsupportedKey, match="share the id"):
        jws.TrustedKeys(
            [
                jws.VerificationKey.from_public_key("k", EC_KEY.public_key()),
                jws.VerificationKey.from_public_key("k", EC_KEY_2.public_key()),
            ]
        )


@pytest.mark.parametrize(
    ("private", "fault"),
    [
        (ec.generate_private_key(ec.SECP384R1()), "P-256"),
        (rsa.generate_private_key(public_exponent=65537, key_size=1024), "2048"),
    ],
    ids=["P-384", "RSA-1024"],
)
def test_unsupported_keys_are_refused(
    private: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, fault: str
) -> None:
    with pytest.raises(jws.UnsupportedKey, match=fault):
        jws.SigningKey.from_private_key("k", private)


@pytest.mark.parametrize("kid", ["", "has space", "../escape", "x" * 65])
def test_unsafe_key_ids_are_refused(kid: str) -> None:
    with pytest.raises(jws.UnsupportedKey, match="key id"):
        jws.SigningKey.from_private_key(kid, EC_KEY)


def test_pem_loading_round_trip() -> None:
    pem = EC_KEY.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = EC_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    key = jws.SigningKey.from_pem("pem", pem)
    trusted = jws.TrustedKeys([jws.VerificationKey.from_pem("pem", public_pem)])
    assert jws.verify(BODY, jws.sign(BODY, key), trusted).kid == "pem"
