"""The error tree of customer data protection; every message names the key or customer."""

from __future__ import annotations


class PrivacyError(Exception):
    """Base of every error raised by the privacy layer."""


class KeyFileError(PrivacyError):
    """The master key file is missing or unusable; the message names the file and the fault."""


class UnknownKey(PrivacyError):
    """Data was encrypted under a key this process does not hold; the message names it."""


class DecryptionFailed(PrivacyError):
    """Ciphertext failed its authentication: altered, truncated or not encrypted by us."""


class ForgottenCustomer(PrivacyError):
    """The customer was forgotten: nothing personal may be sealed for them again."""


class MissingCustomerKey(PrivacyError):
    """A sealed value names a data key this database never held (a wrong database?)."""
