"""Running the codec server: its keys, its vault and its listener.

It serves plain HTTP on a loopback address only; anywhere else it needs a certificate and
key (HTTPS), and with a client CA it asks every caller for a certificate signed by it
(mutual TLS) on top of the operator token.
"""

from __future__ import annotations

import ipaddress
import logging
import ssl
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import uvicorn

from codecserver.app import CodecServerConfig, build_app
from codecserver.token import read_token
from config import Settings
from eventstore.database import resolve_database_url
from observability import metrics
from privacy.codec import EncryptionCodec
from privacy.customer_keys import PostgresCustomerKeys
from privacy.errors import KeyFileError
from privacy.keys import load_ring
from privacy.vault import Vault

log = logging.getLogger("switching.codec_server")


@dataclass(frozen=True)
class CodecServerOptions:
    host: str
    port: int
    token_file: Path
    allowed_origins: tuple[str, ...]
    tls_cert: Path | None = None
    tls_key: Path | None = None
    client_ca: Path | None = None

    def check(self) -> None:
        """Refuse what would expose decoding: clear text off loopback, half a TLS setup."""
        if (self.tls_cert is None) != (self.tls_key is None):
            raise KeyFileError("--tls-cert and --tls-key go together")
        if self.client_ca is not None and self.tls_cert is None:
            raise KeyFileError("--client-ca needs --tls-cert and --tls-key (mutual TLS)")
        if self.tls_cert is None and not _loopback(self.host):
            raise KeyFileError(
                f"plain HTTP is served on loopback only, not on {self.host}: "
                "give --tls-cert and --tls-key"
            )

    @property
    def scheme(self) -> str:
        return "http" if self.tls_cert is None else "https"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def serve(settings: Settings, options: CodecServerOptions) -> None:
    """Run until SIGINT/SIGTERM (uvicorn's own handlers)."""
    options.check()
    metrics.start_if_configured("codec-server", settings.metrics_host, settings.metrics_port)
    token = read_token(options.token_file)
    ring = load_ring(settings.key_file)
    codec = EncryptionCodec(ring)
    pool = await asyncpg.create_pool(await resolve_database_url(settings), min_size=1, max_size=4)
    try:
        vault = Vault(PostgresCustomerKeys(pool), ring)
        config = CodecServerConfig(
            token=token,
            namespaces=frozenset({settings.temporal_namespace}),
            allowed_origins=frozenset(options.allowed_origins),
        )
        server = uvicorn.Server(
            uvicorn.Config(
                build_app(codec, vault, config),
                host=options.host,
                port=options.port,
                # Access lines would carry the dev UI's path token; the app logs its own.
                access_log=False,
                log_level="info",
                ssl_certfile=options.tls_cert,
                ssl_keyfile=options.tls_key,
                ssl_ca_certs=options.client_ca,
                ssl_cert_reqs=ssl.CERT_REQUIRED if options.client_ca else ssl.CERT_NONE,
            )
        )
        log.info(
            "codec server on %s://%s:%d for namespace %s (key ring: %s; origins: %s)",
            options.scheme,
            options.host,
            options.port,
            settings.temporal_namespace,
            ", ".join(ring.key_ids),
            ", ".join(options.allowed_origins) or "none",
        )
        await server.serve()
    finally:
        await pool.close()
