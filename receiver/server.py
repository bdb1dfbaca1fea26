"""Serving the receiver: uvicorn over mutual TLS, with the delivery loop beside it.

The TLS context comes from `css.tls` (our receiver certificate; only the industry CA's
client certificates are accepted). uvicorn does not put the client certificate in the ASGI
scope, so a small protocol subclass adds the standard ASGI TLS extension per connection:
the receiver records which CSS certificate pushed each notification.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from uvicorn.protocols.http.h11_impl import H11Protocol

from css import jws, tls
from css.keyring import LiveTrustedKeys
from css.pki import PkiPaths
from css.reload import Reloader, ReloadingTls
from eventstore.interface import EventStore
from receiver.app import DEFAULT_MAX_BODY, create_app
from receiver.delivery import DeliveryLoop, RetryPolicy
from receiver.directory import SwitchDirectory
from receiver.intake import NotificationIntake
from receiver.ledger import DeliveryLedger
from receiver.routes import Sink, notification_routes

_STARTUP_TIMEOUT = 10.0


def _peer_tls(transport: Any) -> dict[str, Any]:
    ssl_object = transport.get_extra_info("ssl_object")
    der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    if not der:
        return {"client_cert_name": None, "client_cert_chain": []}
    cert = x509.load_der_x509_certificate(der)
    pem = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
    return {"client_cert_name": cert.subject.rfc4514_string(), "client_cert_chain": [pem]}


class PeerCertProtocol(H11Protocol):
    """uvicorn's h11 protocol, adding the client certificate to each request's scope."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        peer = _peer_tls(transport)
        inner = self.app

        async def with_tls(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                scope = {**scope, "extensions": {**scope.get("extensions", {}), "tls": peer}}
            await inner(scope, receive, send)

        self.app = with_tls


@dataclass(frozen=True)
class ReceiverSettings:
    host: str
    #: 0 picks a free port (tests); `Receiver.port` tells which.
    port: int
    pki_dir: Path
    max_body: int = DEFAULT_MAX_BODY
    retry: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass(frozen=True)
class ReceiverParts:
    """What the receiver needs from outside; `trusted_keys` defaults to the PKI's CSS keys,
    reloaded when the folder changes."""

    store: EventStore
    ledger: DeliveryLedger
    directory: SwitchDirectory
    sink: Sink
    trusted_keys: Mapping[str, jws.VerificationKey] | None = None


class Receiver:
    """The HTTPS endpoint and the delivery loop, started and stopped together."""

    def __init__(self, settings: ReceiverSettings, parts: ReceiverParts) -> None:
        paths = PkiPaths(settings.pki_dir)
        keys = parts.trusted_keys
        self.trusted_keys = LiveTrustedKeys(paths.css_jws_dir) if keys is None else keys
        self.delivery = DeliveryLoop(
            store=parts.store,
            ledger=parts.ledger,
            routes=notification_routes(parts.directory, parts.sink),
            policy=settings.retry,
        )
        intake = NotificationIntake(
            store=parts.store,
            ledger=parts.ledger,
            trusted_keys=self.trusted_keys,
            on_accepted=self.delivery.wake,
        )
        context = tls.receiver_server_context(paths)
        identity = ReloadingTls(
            "the receiver's certificate", context, paths.receiver_server, paths.industry_ca.cert
        )
        #: Certificates and CSS's keys follow their files (`reloader.refresh()` on SIGHUP).
        live = [self.trusted_keys] if isinstance(self.trusted_keys, LiveTrustedKeys) else []
        self.reloader = Reloader([identity, *live])
        app = create_app(intake, max_body=settings.max_body)
        self._server = uvicorn.Server(_config(settings, app, context))
        self._tasks: list[asyncio.Task[None]] = []
        self._settings = settings
        self._socket: socket.socket | None = None

    @property
    def port(self) -> int:
        if self._socket is None:
            raise RuntimeError("the receiver is not started")
        return int(self._socket.getsockname()[1])

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    async def start(self) -> None:
        # Bound here, not by uvicorn, so a busy port is an OSError for the caller (uvicorn
        # would log it and exit the process) and port 0 is known before serving.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self._settings.host, self._settings.port))
        except OSError:
            sock.close()
            raise
        self._socket = sock
        serving = asyncio.create_task(self._server.serve(sockets=[sock]))
        self._tasks = [
            serving,
            asyncio.create_task(self.delivery.run()),
            asyncio.create_task(self.reloader.run()),
        ]
        async with asyncio.timeout(_STARTUP_TIMEOUT):
            while not self._server.started:
                if serving.done():
                    await self.stop()
                    raise OSError("the receiver could not start listening (see the log)")
                await asyncio.sleep(0.01)

    async def wait_closed(self) -> None:
        """Until the HTTP server exits (on SIGINT/SIGTERM, which uvicorn handles)."""
        if self._tasks:
            await self._tasks[0]

    async def stop(self) -> None:
        self._server.should_exit = True
        # The server drains its connections by itself; the loop only stops when cancelled.
        for task in self._tasks[1:]:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self._socket is not None:
            self._socket.close()

    async def __aenter__(self) -> Receiver:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


def _config(settings: ReceiverSettings, app: Any, context: ssl.SSLContext) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        http=PeerCertProtocol,
        ws="none",
        lifespan="off",
        log_config=None,
        access_log=False,
        ssl_context_factory=lambda _config, _default: context,
        # Bounds the bytes buffered before the app's own limit applies.
        h11_max_incomplete_event_size=16 * 1024,
    )
