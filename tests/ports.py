"""Free loopback ports for processes under test."""

from __future__ import annotations

import socket


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_run(count: int) -> int:
    """The first of `count` consecutive free ports (for options that take a first port)."""
    for _ in range(100):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first: int = probe.getsockname()[1]
        if first + count < 65536 and all(_free(first + n) for n in range(1, count)):
            return first
    raise RuntimeError(f"no {count} consecutive free ports found")
