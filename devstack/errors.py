"""The small error tree of the dev stack and the operator commands.

Driver, gRPC and process errors are translated into these at one point each, so the CLI
prints one line per failure and never a traceback.
"""

from __future__ import annotations


class StackError(Exception):
    """The dev stack cannot start or keep running; the message says what and where."""


class AlreadyRunning(StackError):
    """Another `switching dev` holds the data folder."""


class PortInUse(StackError):
    """A port the stack needs is taken by another program."""


class ComponentFailed(StackError):
    """A child process exited or did not become healthy in time."""


class OperationError(Exception):
    """An operator command failed; `exit_code` is what the CLI exits with."""

    exit_code = 1


class InvalidInput(OperationError):
    exit_code = 2


class EngineUnreachable(OperationError):
    exit_code = 3


class SwitchNotFound(OperationError):
    exit_code = 4


class WithdrawalRefused(OperationError):
    exit_code = 5
