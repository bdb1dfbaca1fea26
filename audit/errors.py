"""The audit's own error: every failure to reach a source or read an input becomes one."""

from __future__ import annotations


class AuditError(Exception):
    """The audit could not be carried out (bad input, missing switch, unreachable service)."""
