"""Where each piece of the dev stack lives: ports, folders and the addresses derived from them.

One frozen value built from `config.Settings` plus the `switching dev` options, so every
child process is told the same addresses the supervisor checks and prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from config import Settings, codec_token_file, default_key_file

HOST = "127.0.0.1"


@dataclass(frozen=True)
class StackConfig:
    data_dir: Path
    temporal_port: int = 7233
    ui_port: int = 8233
    simulator_port: int = 8443
    receiver_port: int = 8444
    electricity_enquiry_port: int = 8445
    gas_enquiry_port: int = 8446
    #: The simulated market the enquiry services serve; None: `data_dir/market.jsonl`,
    #: generated on first start.
    market_file: Path | None = None
    #: An external PostgreSQL; None runs the embedded one under `data_dir/postgres`.
    database_url: str | None = None
    #: With an external PostgreSQL: the owner's (migrations) and the auditor's URLs.
    owner_database_url: str | None = None
    auditor_database_url: str | None = None
    namespace: str = "default"
    task_queue: str = "switching"
    gaining_supplier_id: str = "GAIN"
    #: Simulated seconds per real second in the CSS simulator (the demo speeds it up).
    clock_speed: float = 1.0
    #: A CSS (or simulator) run elsewhere; None starts the simulator as part of the stack.
    external_css_url: str | None = None
    host: str = HOST
    #: The master key file; None keeps the dev stack's own under `data_dir/keys`.
    key_file_override: Path | None = None
    codec_port: int = 8234
    #: The first of the Prometheus endpoints: the worker's; the receiver's and the codec
    #: server's follow it.
    metrics_port: int = 9464

    @classmethod
    def from_settings(cls, settings: Settings, simulator_port: int) -> StackConfig:
        return cls(
            data_dir=settings.data_dir,
            simulator_port=simulator_port,
            receiver_port=settings.receiver_port,
            database_url=settings.database_url,
            owner_database_url=settings.owner_database_url,
            auditor_database_url=settings.auditor_database_url,
            namespace=settings.temporal_namespace,
            task_queue=settings.task_queue,
            gaining_supplier_id=settings.gaining_supplier_id,
            key_file_override=settings.key_file_override,
            codec_port=settings.codec_port,
        )

    def with_options(self, **options: Any) -> StackConfig:
        """A copy with the given CLI options; an option left as None keeps the setting."""
        given = {name: value for name, value in options.items() if value is not None}
        return replace(self, **given)

    @property
    def temporal_address(self) -> str:
        return f"{self.host}:{self.temporal_port}"

    @property
    def ui_url(self) -> str:
        return f"http://{self.host}:{self.ui_port}"

    @property
    def css_url(self) -> str:
        return self.external_css_url or f"https://{self.host}:{self.simulator_port}"

    @property
    def receiver_url(self) -> str:
        return f"https://{self.host}:{self.receiver_port}"

    @property
    def electricity_enquiry_url(self) -> str:
        return f"https://{self.host}:{self.electricity_enquiry_port}"

    @property
    def gas_enquiry_url(self) -> str:
        return f"https://{self.host}:{self.gas_enquiry_port}"

    @property
    def market_path(self) -> Path:
        return self.market_file or self.data_dir / "market.jsonl"

    @property
    def pki_dir(self) -> Path:
        return self.data_dir / "pki"

    @property
    def key_file(self) -> Path:
        return self.key_file_override or default_key_file(self.data_dir)

    @property
    def codec_token_file(self) -> Path:
        return codec_token_file(self.data_dir)

    @property
    def codec_url(self) -> str:
        return f"http://{self.host}:{self.codec_port}"

    @property
    def ui_origins(self) -> tuple[str, ...]:
        """The origins a browser gives the UI: the address as printed, and localhost."""
        return (self.ui_url, f"http://localhost:{self.ui_port}")

    @property
    def audit_dir(self) -> Path:
        return self.data_dir / "audit"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def temporal_db(self) -> Path:
        return self.data_dir / "temporal" / "temporal.db"

    @property
    def metrics_ports(self) -> dict[str, int]:
        """Each process serving `/metrics`, by its name in the stack, and its port."""
        processes = ("worker", "receiver", "codec-server")
        return {name: self.metrics_port + offset for offset, name in enumerate(processes)}

    def metrics_url(self, process: str) -> str:
        return f"http://{self.host}:{self.metrics_ports[process]}/metrics"

    def ports(self) -> dict[str, tuple[int, str]]:
        """Each port the stack binds, with the component and the option that moves it."""
        ports = {
            "Temporal": (self.temporal_port, "--temporal-port"),
            "Temporal UI": (self.ui_port, "--ui-port"),
            "codec server": (self.codec_port, "--codec-port"),
            "receiver": (self.receiver_port, "--receiver-port"),
            "electricity enquiry": (self.electricity_enquiry_port, "--electricity-enquiry-port"),
            "gas enquiry": (self.gas_enquiry_port, "--gas-enquiry-port"),
        }
        if self.external_css_url is None:
            ports["CSS simulator"] = (self.simulator_port, "--simulator-port")
        for process, port in self.metrics_ports.items():
            ports[f"{process} metrics"] = (port, "--metrics-port")
        return ports

    def child_env(self, base: Mapping[str, str], database_url: str) -> dict[str, str]:
        """The environment every child runs with: `config.Settings` reads these names."""
        env = dict(base)
        env.update(
            {
                "SWITCHING_DATA_DIR": str(self.data_dir),
                "DATABASE_URL": database_url,
                "TEMPORAL_ADDRESS": self.temporal_address,
                "TEMPORAL_NAMESPACE": self.namespace,
                "SWITCHING_TASK_QUEUE": self.task_queue,
                "CSS_URL": self.css_url,
                "RECEIVER_HOST": self.host,
                "RECEIVER_PORT": str(self.receiver_port),
                "SIMULATOR_PORT": str(self.simulator_port),
                "ELECTRICITY_ENQUIRY_URL": self.electricity_enquiry_url,
                "GAS_ENQUIRY_URL": self.gas_enquiry_url,
                "GAINING_SUPPLIER_ID": self.gaining_supplier_id,
                "SWITCHING_KEY_FILE": str(self.key_file),
                "CODEC_SERVER_PORT": str(self.codec_port),
                "METRICS_HOST": self.host,
                # Children log straight to their files; buffering would hide a crash's last words.
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env
