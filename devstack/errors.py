"""The dev stack's errors: an operator error each (exit status 1), with what and where.

Process, port and database failures are translated into these at one point each, so the
CLI prints one line per failure and never a traceback.
"""

from __future__ import annotations

from ops.errors import OperationError


class StackError(OperationError):
    """The dev stack cannot start or keep running; the message says what and where."""


class AlreadyRunning(StackError):
    """Another `switching dev` holds the data folder."""


class PortInUse(StackError):
    """A port the stack needs is taken by another program."""


class ComponentFailed(StackError):
    """A child process exited or did not become healthy in time."""
