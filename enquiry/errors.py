"""The enquiry clients' error tree: every failure talking to an enquiry service ends as
one of these, so activities classify by type and `retryable`, never by HTTP or SOAP
library exceptions.

Retryable: `EnquiryUnavailable` and its `EnquiryRateLimited` (which says how long to
wait). Non-retryable leaves: `EnquiryRejected`, `MeterPointNotFound`,
`InvalidEnquiryAnswer`.
"""

from __future__ import annotations

import httpx


class EnquiryError(Exception):
    """Base of the tree; `retryable` tells an activity whether trying again can help."""

    retryable: bool = False


class EnquiryUnavailable(EnquiryError):
    """The service could not be reached, timed out, or answered 5xx / a server fault."""

    retryable = True

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class EnquiryRateLimited(EnquiryUnavailable):
    """429: too many requests; `retry_after` seconds is when the service says to come back."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message, 429)
        self.retry_after = retry_after


class EnquiryRejected(EnquiryError):
    """The service refused the request itself (4xx / client fault): sending it again will
    not help. `code` is the service's reason."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class MeterPointNotFound(EnquiryRejected):
    """No meter point with that MPAN / MPRN."""


class InvalidEnquiryAnswer(EnquiryError):
    """An answer that is not what the service's interface promises; the text says how."""


def unreachable(service: str, error: httpx.HTTPError) -> EnquiryUnavailable:
    """A connection failure or a timeout talking to `service`, in our terms."""
    if isinstance(error, httpx.TimeoutException):
        return EnquiryUnavailable(f"{service} did not answer in time ({type(error).__name__})")
    return EnquiryUnavailable(f"{service} unreachable: {type(error).__name__}: {error}")


#: Class names an activity's retry policy lists as non-retryable.
NON_RETRYABLE = ("EnquiryRejected", "MeterPointNotFound", "InvalidEnquiryAnswer")
