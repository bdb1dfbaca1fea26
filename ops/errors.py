"""The operator commands' errors, and the one place a failure becomes an exit status.

Every `switching` command ends through `exit_status`: an `OperationError` carries its own
status; the lower layers' trees (configuration, the domain's refusals, Temporal, the event
store, the audit, the PKI, the enquiry services) each map to one status below. The message
is the one line the command prints; anything not listed is a bug and keeps its traceback.
"""

from __future__ import annotations

from typing import ClassVar

from audit.errors import AuditError
from config import ConfigError
from css.pki import PkiMissing
from domain.errors import DomainError
from enquiry.errors import EnquiryError, EnquiryUnavailable
from eventstore.errors import EventStoreError
from observability.metrics import MetricsUnavailable
from privacy.errors import PrivacyError
from workflows.client import TemporalUnreachable


class OperationError(Exception):
    """A command failed in a way its message explains; `exit_code` is the status."""

    exit_code: ClassVar[int] = 1


class InvalidInput(OperationError):
    exit_code = 2


class EngineUnreachable(OperationError):
    exit_code = 3


class SwitchNotFound(OperationError):
    exit_code = 4


class WithdrawalRefused(OperationError):
    exit_code = 5


class LossActionRefused(OperationError):
    """The engine or CSS refused what an operator asked of a loss (the message says why)."""

    exit_code = 5


class CheckFailed(OperationError):
    """A check ran and found what the command has just listed (chain, replay, bundle...)."""


#: The lower layers' errors as an operator meets them, most specific first.
_STATUS_OF: tuple[tuple[type[Exception], int], ...] = (
    (ConfigError, InvalidInput.exit_code),
    (DomainError, InvalidInput.exit_code),
    (TemporalUnreachable, EngineUnreachable.exit_code),
    (EnquiryUnavailable, EngineUnreachable.exit_code),
    (EnquiryError, 1),
    (EventStoreError, 1),
    (AuditError, 1),
    (PkiMissing, 1),
    (MetricsUnavailable, 1),
    # A key file that is missing or unusable, a forgotten customer, an unknown key.
    (PrivacyError, 1),
)


#: The packages of a checkout that the production image leaves out; their commands say so.
DEV_ONLY: tuple[str, ...] = ("devstack", "simulator", "bench")


def exit_status(error: BaseException) -> int | None:
    """The exit status of an expected failure, or None for one that is a bug."""
    if isinstance(error, OperationError):
        return error.exit_code
    if _missing_dev_tool(error):
        return 1
    for kind, status in _STATUS_OF:
        if isinstance(error, kind):
            return status
    return None


def describe(error: BaseException) -> str:
    """The one line an expected failure is reported with."""
    if _missing_dev_tool(error):
        assert isinstance(error, ModuleNotFoundError)
        return (
            f"this installation has no {error.name!r}: the command is a development tool, "
            "run from a checkout (`make run`)"
        )
    return str(error)


def _missing_dev_tool(error: BaseException) -> bool:
    return isinstance(error, ModuleNotFoundError) and (error.name or "").split(".")[0] in DEV_ONLY
