"""docker-compose.yml cannot run here (no Docker engine): parse it and check what kg relies on."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

COMPOSE_FILE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return loaded


def test_neo4j_service(compose: dict[str, Any]) -> None:
    neo4j = compose["services"]["neo4j"]
    assert neo4j["image"] == "neo4j:5.26-community"
    # The Docker provider hands KG_NEO4J_BOLT_PORT to compose; 7687 when unset.
    assert neo4j["ports"] == ["127.0.0.1:${KG_NEO4J_BOLT_PORT:-7687}:7687"]
    assert neo4j["volumes"] == ["neo4j-data:/data"]
    assert "neo4j-data" in compose["volumes"]
    assert neo4j["healthcheck"]["test"][0] == "CMD-SHELL"
    assert neo4j["environment"]["NEO4J_AUTH"] == "neo4j/${NEO4J_PASSWORD:?set NEO4J_PASSWORD}"


def test_api_service_is_wired_by_environment(compose: dict[str, Any]) -> None:
    api = compose["services"]["api"]
    assert api["build"] == "."
    assert api["environment"]["NEO4J_URI"] == "bolt://neo4j:7687"
    assert api["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert api["ports"] == ["127.0.0.1:8000:8000"]


def _compose_plugin() -> bool:
    docker = shutil.which("docker")
    if docker is None:
        return False
    return subprocess.run([docker, "compose", "version"], capture_output=True, check=False).returncode == 0


def test_docker_compose_config_accepts_the_file() -> None:
    if not _compose_plugin():
        pytest.skip("no docker compose plugin on this machine; the parse checks above still ran")
    result = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE_FILE), "config", "--quiet"],
        env={"NEO4J_PASSWORD": "compose-check-password", "PATH": "/usr/bin:/usr/local/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_compose_server_refuses_load_csv_from_files(compose: dict[str, Any]) -> None:
    environment = compose["services"]["neo4j"]["environment"]
    assert environment["NEO4J_dbms_security_allow__csv__import__from__file__urls"] == "false"
