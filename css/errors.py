"""The CSS gateway's error tree.

Every failure talking to CSS (or receiving from it) ends up as one of these, so callers
classify by type and `retryable`, never by parsing HTTP or TLS library exceptions.

Non-retryable leaves: `CssRejected`, `CssConflict`, every `BadSignature` subclass,
`InvalidMessage`. Retryable: `CssUnavailable`.
"""

from __future__ import annotations


class CssError(Exception):
    """Base of the tree; `retryable` tells an activity whether trying again can help."""

    retryable: bool = False


class CssUnavailable(CssError):
    """CSS could not be reached or answered 5xx/429; the same request may succeed later."""

    retryable = True

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class CssRejected(CssError):
    """CSS refused the request (4xx); resending the same request will not help."""

    def __init__(self, status_code: int, reason_code: str, detail: str) -> None:
        super().__init__(f"CSS refused the request ({status_code} {reason_code}): {detail}")
        self.status_code = status_code
        self.reason_code = reason_code
        self.detail = detail


class CssConflict(CssRejected):
    """CSS refused because of the registration's state (409), e.g. withdrawal once secured."""


class BadSignature(CssError):
    """A body's detached JWS is absent or does not prove who sent that exact body.

    `reason` is a stable code a receiver can put in its 401 answer and its records.
    """

    reason = "BAD_SIGNATURE"


class MissingSignature(BadSignature):
    reason = "MISSING_SIGNATURE"


class MalformedSignature(BadSignature):
    reason = "MALFORMED_SIGNATURE"


class UnknownKeyId(BadSignature):
    reason = "UNKNOWN_KEY_ID"


class AlgorithmNotAllowed(BadSignature):
    reason = "ALGORITHM_NOT_ALLOWED"


class SignatureMismatch(BadSignature):
    reason = "SIGNATURE_MISMATCH"


class InvalidMessage(CssError):
    """A body is not the message it claims to be; the text says exactly what is wrong.

    `field` names the offending JSON field when one is to blame.
    """

    reason = "INVALID_MESSAGE"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
