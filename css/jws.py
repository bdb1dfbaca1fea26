"""Detached JWS (RFC 7515 appendix F) over exact body bytes, without I/O.

A body travels as is; its signature travels in the `X-JWS-Signature` header as
`BASE64URL(header)..BASE64URL(signature)`, the payload part left empty. The header is
`{"alg", "kid"}` with the standard base64url payload encoding (RFC 7797 `b64: false` is
refused). ES256 is the default; PS256 is accepted. "none", HMAC and every other algorithm
are refused: with a public-key set an HMAC header would let anyone holding a public key
forge signatures.

A key is bound to one algorithm by its type (EC P-256 -> ES256, RSA -> PS256), and the
verifier holds a set of trusted keys selected by `kid`, so a signer can rotate keys while
both the old and the new one are trusted.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwcrypto.common import JWException
from jwcrypto.jwk import JWK
from jwcrypto.jws import JWS

from css.errors import (
    AlgorithmNotAllowed,
    MalformedSignature,
    MissingSignature,
    SignatureMismatch,
    UnknownKeyId,
)

SIGNATURE_HEADER = "X-JWS-Signature"

# A compact header plus a PS256 signature of a 4096-bit key is well under 1 KiB; anything
# much larger is not ours and is refused before decoding.
_MAX_SIGNATURE_CHARS = 8192
_KID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_B64URL_PATTERN = re.compile(r"[A-Za-z0-9_-]*")
_MIN_RSA_BITS = 2048


class Algorithm(StrEnum):
    ES256 = "ES256"
    PS256 = "PS256"


class UnsupportedKey(ValueError):
    """A key that cannot be used for the algorithms we accept."""


PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey


def check_kid(kid: str) -> str:
    if not _KID_PATTERN.fullmatch(kid):
        raise UnsupportedKey(
            f"key id {kid!r} must be 1-64 characters of letters, digits, '.', '_' or '-'"
        )
    return kid


def algorithm_for(key: PrivateKey | PublicKey) -> Algorithm:
    """The one algorithm a key may be used with."""
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise UnsupportedKey(f"EC keys must be on P-256 for ES256, not {key.curve.name}")
        return Algorithm.ES256
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        if key.key_size < _MIN_RSA_BITS:
            raise UnsupportedKey(f"RSA keys must have at least {_MIN_RSA_BITS} bits for PS256")
        return Algorithm.PS256
    raise UnsupportedKey(f"unsupported key type {type(key).__name__}")


@dataclass(frozen=True)
class VerificationKey:
    """A public key a verifier trusts, with its id and the algorithm it is bound to."""

    kid: str
    alg: Algorithm
    public_key: PublicKey = field(repr=False)
    _jwk: JWK = field(repr=False, compare=False)

    @classmethod
    def from_public_key(cls, kid: str, public_key: PublicKey) -> VerificationKey:
        return cls(check_kid(kid), algorithm_for(public_key), public_key, JWK.from_pyca(public_key))

    @classmethod
    def from_pem(cls, kid: str, pem: bytes) -> VerificationKey:
        key = serialization.load_pem_public_key(pem)
        if not isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
            raise UnsupportedKey(f"unsupported public key type {type(key).__name__}")
        return cls.from_public_key(kid, key)

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> VerificationKey:
        """From one entry of a published JWKS (`kid` required)."""
        kid = jwk.get("kid")
        if not isinstance(kid, str):
            raise UnsupportedKey("a published key has no string 'kid'")
        try:
            key = JWK(**{k: v for k, v in jwk.items() if k not in ("alg", "use")})
        except (JWException, ValueError, TypeError) as exc:
            raise UnsupportedKey(f"key {kid!r} is not a valid JWK: {exc}") from None
        if key.has_private:
            raise UnsupportedKey(f"key {kid!r}: a published key must not carry private material")
        public_key = key.get_op_key("verify")
        return cls.from_public_key(kid, public_key)

    def to_jwk(self) -> dict[str, str]:
        """The public JWK to publish (with kid, alg and use)."""
        exported: dict[str, str] = self._jwk.export_public(as_dict=True)
        exported.update(kid=self.kid, alg=self.alg.value, use="sig")
        return exported


@dataclass(frozen=True)
class SigningKey:
    """A private key with its id; signs with the algorithm its type dictates."""

    kid: str
    alg: Algorithm
    _jwk: JWK = field(repr=False, compare=False)
    _public: PublicKey = field(repr=False, compare=False)

    @classmethod
    def from_private_key(cls, kid: str, private_key: PrivateKey) -> SigningKey:
        alg = algorithm_for(private_key)
        return cls(check_kid(kid), alg, JWK.from_pyca(private_key), private_key.public_key())

    @classmethod
    def from_pem(cls, kid: str, pem: bytes) -> SigningKey:
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise UnsupportedKey(f"unsupported private key type {type(key).__name__}")
        return cls.from_private_key(kid, key)

    def verification_key(self) -> VerificationKey:
        return VerificationKey.from_public_key(self.kid, self._public)


class TrustedKeys(Mapping[str, VerificationKey]):
    """An immutable set of verification keys, selected by kid."""

    def __init__(self, keys: Iterable[VerificationKey] = ()) -> None:
        by_kid: dict[str, VerificationKey] = {}
        for key in keys:
            if key.kid in by_kid and by_kid[key.kid].public_key.public_numbers() != (
                key.public_key.public_numbers()
            ):
                raise UnsupportedKey(f"two different keys share the id {key.kid!r}")
            by_kid[key.kid] = key
        self._by_kid = by_kid

    def __getitem__(self, kid: str) -> VerificationKey:
        return self._by_kid[kid]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_kid)

    def __len__(self) -> int:
        return len(self._by_kid)

    def __repr__(self) -> str:
        return f"TrustedKeys({sorted(self._by_kid)})"

    def to_jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [key.to_jwk() for key in self._by_kid.values()]}

    @classmethod
    def from_jwks(cls, jwks: Mapping[str, Any]) -> TrustedKeys:
        entries = jwks.get("keys")
        if not isinstance(entries, list):
            raise UnsupportedKey("a JWKS must be an object with a 'keys' list")
        return cls(VerificationKey.from_jwk(entry) for entry in entries)


@dataclass(frozen=True)
class VerifiedSignature:
    """Which trusted key proved the body."""

    kid: str
    alg: Algorithm


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict unpadded base64url, as JWS requires."""
    if not _B64URL_PATTERN.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise ValueError(f"not base64url: {exc}") from None


def sign(body: bytes, key: SigningKey) -> str:
    """The detached compact JWS of `body`: `header..signature`."""
    header = json.dumps({"alg": key.alg.value, "kid": key.kid}, separators=(",", ":"))
    token = JWS(body)
    token.add_signature(key._jwk, alg=key.alg.value, protected=header)
    protected, _payload, signature = token.serialize(compact=True).split(".")
    return f"{protected}..{signature}"


def _parse_header(signature: str) -> tuple[dict[str, Any], str]:
    """Split and decode a detached compact JWS; returns (header, signature part)."""
    if len(signature) > _MAX_SIGNATURE_CHARS:
        raise MalformedSignature(f"signature longer than {_MAX_SIGNATURE_CHARS} characters")
    parts = signature.split(".")
    if len(parts) != 3:
        raise MalformedSignature(
            f"expected a detached compact JWS 'header..signature', got {len(parts)} part(s)"
        )
    protected, payload, sig = parts
    if payload:
        raise MalformedSignature("the payload part must be empty (detached JWS)")
    if not protected or not sig:
        raise MalformedSignature("the header and signature parts must not be empty")
    try:
        b64url_decode(sig)
        header = json.loads(b64url_decode(protected))
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedSignature(f"undecodable JWS part: {exc}") from None
    if not isinstance(header, dict):
        raise MalformedSignature("the JWS header is not a JSON object")
    return header, sig


def _check_header(header: Mapping[str, Any]) -> tuple[Algorithm, str]:
    alg = header.get("alg")
    if not isinstance(alg, str):
        raise MalformedSignature("the JWS header has no string 'alg'")
    if alg not in Algorithm.__members__:
        raise AlgorithmNotAllowed(
            f"algorithm {alg!r} is not accepted (allowed: {', '.join(Algorithm)})"
        )
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise MalformedSignature("the JWS header has no string 'kid'")
    if header.get("b64", True) is not True:
        raise MalformedSignature("unencoded payloads (b64: false) are not accepted")
    crit = header.get("crit", [])
    if not isinstance(crit, list) or any(name != "b64" for name in crit):
        raise MalformedSignature(f"unsupported critical header parameters: {crit!r}")
    return Algorithm(alg), kid


def verify(
    body: bytes, signature: str | None, trusted: Mapping[str, VerificationKey]
) -> VerifiedSignature:
    """Prove that a trusted key signed exactly `body`, or raise a `BadSignature` subclass."""
    if signature is None or not signature.strip():
        raise MissingSignature(f"no {SIGNATURE_HEADER} header")
    header, _sig = _parse_header(signature.strip())
    alg, kid = _check_header(header)
    key = trusted.get(kid)
    if key is None:
        raise UnknownKeyId(f"key id {kid!r} is not trusted (trusted: {', '.join(sorted(trusted))})")
    if key.alg is not alg:
        raise AlgorithmNotAllowed(f"key {kid!r} is bound to {key.alg}, the header says {alg}")
    token = JWS()
    try:
        token.deserialize(signature.strip())
        token.verify(key._jwk, alg=alg.value, detached_payload=body)
    except JWException as exc:
        raise SignatureMismatch(f"signature by {kid!r} does not match the body") from exc
    return VerifiedSignature(kid=kid, alg=alg)
