"""The root of the domain's error tree.

Every refusal the pure domain makes is a `DomainError`; being a `ValueError`, it also reads
naturally to callers that only know "this input was bad".
"""

from __future__ import annotations


class DomainError(ValueError):
    """Base of every error raised by the pure domain."""


class TransitionRefused(DomainError):
    """A command the switch's current state does not allow; the message names both."""
