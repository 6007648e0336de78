"""The ``neo4j`` service of docker-compose.yml, for machines where a Docker engine answers.

The compose file is found wherever kg runs from: the copy packaged in ``kg/resources`` (wheels and images) or
the checkout's own ``docker-compose.yml``. The Bolt port is ``KG_NEO4J_BOLT_PORT`` (handed to compose, which maps
it on 127.0.0.1), and the password generated on first use is kept under ``KG_HOME/docker``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from importlib import resources
from pathlib import Path

from kg.core.connection import Neo4jConnection
from kg.core.settings import Provisioner, Settings
from kg.provisioning.base import ProvisioningError, ServerStartError, ServerStatus, StartResult
from kg.provisioning.tools import (
    DEFAULT_USER,
    generate_password,
    port_is_open,
    read_credentials,
    wait_for_bolt,
    write_credentials,
)

COMPOSE_FILE_NAME = "docker-compose.yml"
COMPOSE_PROJECT = "kg"


def find_compose_file() -> Path:
    """The packaged compose file, else the checkout's (kg/ sits beside it in a source tree)."""
    packaged = resources.files("kg.resources").joinpath(COMPOSE_FILE_NAME)
    if packaged.is_file():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[2] / COMPOSE_FILE_NAME
    if checkout.is_file():
        return checkout
    raise ProvisioningError(f"no {COMPOSE_FILE_NAME} in the kg package nor beside it ({checkout})")


class DockerNeo4jServer:
    """The ``neo4j`` compose service (a ``Provider``), with a generated password kept under KG_HOME."""

    kind = Provisioner.DOCKER

    def __init__(
        self, home: Path, compose_file: Path, bolt_port: int = 7687, start_timeout_s: float = 120
    ) -> None:
        self.home = home.resolve()
        self.compose_file = compose_file.resolve()
        self.bolt_port = bolt_port
        self.start_timeout_s = start_timeout_s

    @classmethod
    def from_settings(cls, settings: Settings) -> DockerNeo4jServer:
        return cls(
            settings.home / "docker", find_compose_file(), settings.bolt_port, settings.start_timeout_s
        )

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def credentials_file(self) -> Path:
        return self.home / "credentials.json"

    def compose_command(self, *args: str) -> list[str]:
        docker = shutil.which("docker") or "docker"
        return [docker, "compose", "-p", COMPOSE_PROJECT, "-f", str(self.compose_file), *args]

    def compose_environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "NEO4J_PASSWORD": self.connection().password,
            "KG_NEO4J_BOLT_PORT": str(self.bolt_port),
        }

    def connection(self) -> Neo4jConnection:
        stored = read_credentials(self.credentials_file)
        if stored is None:
            stored = (DEFAULT_USER, generate_password())
            write_credentials(self.credentials_file, *stored)
        return Neo4jConnection(self.uri, stored[0], stored[1], None, Provisioner.DOCKER)

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.compose_command(*args),
            env=self.compose_environment(),
            capture_output=True,
            text=True,
            check=False,
        )

    def start(self) -> StartResult:
        already = self.is_running()
        connection = self.connection()
        result = self._run("up", "-d", "--wait", "neo4j")
        if result.returncode != 0:
            raise ServerStartError(f"`docker compose up neo4j` failed:\n{result.stderr.strip()}")
        wait_for_bolt(connection, self.start_timeout_s)
        return StartResult(connection, pid=None, already_running=already)

    def stop(self) -> bool:
        running = self.is_running()
        return self._run("stop", "neo4j").returncode == 0 and running

    def is_running(self) -> bool:
        result = self._run("ps", "--status", "running", "--quiet", "neo4j")
        return result.returncode == 0 and bool(result.stdout.strip())

    def status(self) -> ServerStatus:
        running = self.is_running()
        return ServerStatus(
            provider=self.kind,
            running=running,
            uri=self.uri,
            bolt_answering=running and port_is_open("127.0.0.1", self.bolt_port),
            home=self.home,
        )
