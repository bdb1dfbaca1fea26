"""Certificates and keys reloaded without a restart: on a file change, and on SIGHUP.

A TLS context in use is changed in place (new handshakes take the new certificate; open
connections keep theirs), but only after the new files have loaded into a scratch context,
so a certificate replaced before its key never leaves a context half changed. JWS key sets
are the live objects of `css.keyring`. One `Reloader` per process checks them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import ssl
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from css.keyring import FileWatch
from css.pki import CertPair

log = logging.getLogger("switching.pki")

DEFAULT_INTERVAL = 2.0


class Reloadable(Protocol):
    name: str

    def refresh(self) -> bool:
        """Reload if the files changed; True when something new was loaded."""
        ...


class ReloadingTls:
    """A TLS context whose identity (and trusted CA) follow their files."""

    def __init__(
        self, name: str, context: ssl.SSLContext, identity: CertPair, trusted_ca: Path
    ) -> None:
        self.name = name
        self.context = context
        self._identity = identity
        self._ca = trusted_ca
        self._files = FileWatch(identity.cert, identity.key, trusted_ca)

    def refresh(self) -> bool:
        if not self._files.changed():
            return False
        scratch = ssl.SSLContext(self.context.protocol)
        try:
            scratch.load_cert_chain(self._identity.cert, self._identity.key)
            scratch.load_verify_locations(cafile=self._ca)
        except (OSError, ssl.SSLError) as error:
            log.error("kept the current certificate: %s could not be loaded: %s", self.name, error)
            return False
        self.context.load_cert_chain(self._identity.cert, self._identity.key)
        # Adds the CA file's certificates: a new CA is trusted at once, a removed one until
        # the next restart.
        self.context.load_verify_locations(cafile=self._ca)
        return True


class Reloader:
    """Checks its items every `interval` seconds, and at once on SIGHUP."""

    def __init__(self, items: Iterable[Reloadable], interval: float = DEFAULT_INTERVAL) -> None:
        self.items = list(items)
        self.interval = interval
        self._checked = time.monotonic()

    def refresh(self) -> list[str]:
        """Check every item now; the names of those reloaded."""
        self._checked = time.monotonic()
        reloaded = []
        for item in self.items:
            try:
                if item.refresh():
                    reloaded.append(item.name)
            except Exception:
                # A reload must never take a serving process down.
                log.exception("reloading %s failed", item.name)
        for name in reloaded:
            log.info("reloaded %s", name)
        return reloaded

    def refresh_if_due(self) -> None:
        """For callers without a loop of their own: refresh when the interval has passed."""
        if time.monotonic() - self._checked >= self.interval:
            self.refresh()

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            self.refresh()

    def on_sighup(self) -> None:
        """Refresh when the process receives SIGHUP (Unix, in a running event loop)."""
        with contextlib.suppress(NotImplementedError, RuntimeError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self.refresh)
