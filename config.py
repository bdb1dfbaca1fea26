"""Configuration from the environment, read once at start-up.

Every setting has an embedded default that matches the dev stack (`switching dev`), so a
newcomer sets nothing; production sets the variables listed in the README.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent


class ConfigError(ValueError):
    """A setting is present but unusable; the message names the variable."""


def _seconds(env: Mapping[str, str], name: str, default: timedelta) -> timedelta:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative, got {raw!r}")
    return timedelta(seconds=value)


def port_setting(env: Mapping[str, str], name: str, default: int) -> int:
    """A TCP port from the environment; also read by the dev-only tools' own settings."""
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(f"{name} must be a TCP port (1-65535), got {raw!r}")
    return int(raw)


def _optional_port(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name)
    return None if raw is None or raw == "" else port_setting(env, name, 0)


def _text(env: Mapping[str, str], name: str, default: str) -> str:
    raw = env.get(name)
    return default if raw is None or raw == "" else raw


def _pence_or_none(env: Mapping[str, str], name: str, default: int | None) -> int | None:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.strip().lower() == "none":
        return None
    if not raw.strip().isdigit():
        raise ConfigError(f"{name} must be whole pence or 'none', got {raw!r}")
    return int(raw)


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.strip().lower() not in ("true", "false", "1", "0", "yes", "no"):
        raise ConfigError(f"{name} must be true or false, got {raw!r}")
    return raw.strip().lower() in ("true", "1", "yes")


def default_key_file(data_dir: Path) -> Path:
    """The dev stack's master key file (production sets SWITCHING_KEY_FILE)."""
    return data_dir / "keys" / "master-keys.json"


def codec_token_file(data_dir: Path) -> Path:
    """The bearer token operators present to the codec server."""
    return data_dir / "keys" / "codec-token"


def _path(env: Mapping[str, str], name: str) -> Path | None:
    raw = env.get(name)
    return Path(raw) if raw else None


@dataclass(frozen=True)
class Settings:
    """What the processes of the engine need to find each other."""

    data_dir: Path = REPO_ROOT / ".data"
    #: The application role's URL (worker, receiver, operator commands).
    database_url: str | None = None
    #: The owner role's URL, for migrations; DATABASE_URL when unset.
    owner_database_url: str | None = None
    #: The auditor role's URL, for checkpoints and signed bundles; DATABASE_URL when unset.
    auditor_database_url: str | None = None
    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    task_queue: str = "switching"
    css_url: str = "https://127.0.0.1:8443"
    receiver_host: str = "127.0.0.1"
    receiver_port: int = 8444
    electricity_enquiry_url: str = "https://127.0.0.1:8445"
    gas_enquiry_url: str = "https://127.0.0.1:8446"
    gaining_supplier_id: str = "GAIN"
    #: The audit private key (auditor only) and the public key verifiers pin.
    audit_key: Path | None = None
    audit_public_key: Path | None = None
    #: Where checkpoints are exported, out of the database's reach.
    checkpoint_dir: Path | None = None
    withdrawal_window: timedelta = field(default=timedelta(minutes=10))
    reconcile_grace: timedelta = field(default=timedelta(hours=1))
    #: Where account facts come from: the engine's table, or a factory (`accounts.source`).
    accounts_source: str | None = None
    #: Losses: whatever is decided is sent this long before the objection window closes.
    loss_safety_margin: timedelta = field(default=timedelta(minutes=30))
    #: Losses: a person decides debt objections above this (None: never for the amount).
    loss_review_arrears_above_pence: int | None = 50_000
    #: Losses: a person decides every contract objection.
    loss_review_contracts: bool = False
    #: The master key file; None means the dev stack's, under the data folder.
    key_file_override: Path | None = None
    codec_port: int = 8234
    #: This process's Prometheus endpoint (`/metrics`); None serves none.
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = None

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
    def audit_dir(self) -> Path:
        """The dev stack's audit key pair and exported checkpoints; in production the key
        lives with the auditor only (SWITCHING_AUDIT_KEY)."""
        return self.data_dir / "audit"

    @property
    def receiver_url(self) -> str:
        return f"https://{self.receiver_host}:{self.receiver_port}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        default = _DEFAULTS
        data_dir = Path(_text(env, "SWITCHING_DATA_DIR", str(default.data_dir)))
        return cls(
            data_dir=data_dir,
            database_url=env.get("DATABASE_URL") or None,
            owner_database_url=env.get("DATABASE_OWNER_URL") or None,
            auditor_database_url=env.get("DATABASE_AUDITOR_URL") or None,
            temporal_address=_text(env, "TEMPORAL_ADDRESS", default.temporal_address),
            temporal_namespace=_text(env, "TEMPORAL_NAMESPACE", default.temporal_namespace),
            task_queue=_text(env, "SWITCHING_TASK_QUEUE", default.task_queue),
            css_url=_text(env, "CSS_URL", default.css_url),
            receiver_host=_text(env, "RECEIVER_HOST", default.receiver_host),
            receiver_port=port_setting(env, "RECEIVER_PORT", default.receiver_port),
            electricity_enquiry_url=_text(
                env, "ELECTRICITY_ENQUIRY_URL", default.electricity_enquiry_url
            ),
            gas_enquiry_url=_text(env, "GAS_ENQUIRY_URL", default.gas_enquiry_url),
            gaining_supplier_id=_text(env, "GAINING_SUPPLIER_ID", default.gaining_supplier_id),
            audit_key=_path(env, "SWITCHING_AUDIT_KEY"),
            audit_public_key=_path(env, "SWITCHING_AUDIT_PUBLIC_KEY"),
            checkpoint_dir=_path(env, "SWITCHING_CHECKPOINT_DIR"),
            withdrawal_window=_seconds(env, "WITHDRAWAL_WINDOW_SECONDS", default.withdrawal_window),
            reconcile_grace=_seconds(env, "RECONCILE_GRACE_SECONDS", default.reconcile_grace),
            accounts_source=env.get("ACCOUNTS_SOURCE") or None,
            loss_safety_margin=_seconds(
                env, "LOSS_SAFETY_MARGIN_SECONDS", default.loss_safety_margin
            ),
            loss_review_arrears_above_pence=_pence_or_none(
                env, "LOSS_REVIEW_ARREARS_ABOVE_PENCE", default.loss_review_arrears_above_pence
            ),
            loss_review_contracts=_flag(
                env, "LOSS_REVIEW_CONTRACTS", default.loss_review_contracts
            ),
            key_file_override=_path(env, "SWITCHING_KEY_FILE"),
            codec_port=port_setting(env, "CODEC_SERVER_PORT", default.codec_port),
            metrics_host=_text(env, "METRICS_HOST", default.metrics_host),
            metrics_port=_optional_port(env, "METRICS_PORT"),
        )


#: The embedded defaults, read by `from_env` so each default is written once.
_DEFAULTS = Settings()
