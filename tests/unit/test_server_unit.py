"""Provisioning logic that needs no running server: config, command line, choices, clear errors."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import kg.provisioning.choice as choice_module
import kg.provisioning.throwaway as throwaway_module
from kg.core.connection import Neo4jConnection
from kg.core.settings import Provisioner, Settings
from kg.provisioning import (
    DockerNeo4jServer,
    PortInUseError,
    ToolMissingError,
    choose_provisioner,
    provider_for,
)
from kg.provisioning.base import ServerExitedError, ServerStartError, StartResult
from kg.provisioning.choice import remember_choice, remembered_choice
from kg.provisioning.docker import find_compose_file
from kg.provisioning.local import DISTRIBUTION_JVM_OPTIONS, ENTRY_POINT, LocalNeo4jServer
from kg.provisioning.tools import docker_engine_available, find_free_port


@pytest.fixture
def server(tmp_path: Path) -> LocalNeo4jServer:
    return LocalNeo4jServer(home=tmp_path / "home", runtime_dir=tmp_path / "runtime", bolt_port=17999)


def test_config_binds_loopback_and_bounds_memory(server: LocalNeo4jServer) -> None:
    conf = server.config_text().splitlines()
    assert "server.default_listen_address=127.0.0.1" in conf
    assert "server.bolt.listen_address=127.0.0.1:17999" in conf
    assert "dbms.security.auth_enabled=true" in conf
    assert "server.memory.heap.max_size=1g" in conf
    assert "server.memory.pagecache.size=512m" in conf
    assert f"server.directories.data={server.home / 'data'}" in conf
    assert "server.jvm.additional=--add-opens=java.base/java.nio=ALL-UNNAMED" in conf


def test_java_command_passes_distribution_options_and_heap(server: LocalNeo4jServer) -> None:
    command = server.java_command("/usr/bin/java", "a.jar:b.jar")
    assert command[:3] == ["/usr/bin/java", "-Xms1g", "-Xmx1g"]
    assert all(option in command for option in DISTRIBUTION_JVM_OPTIONS)
    assert command[-3:] == [ENTRY_POINT, f"--home-dir={server.home}", f"--config-dir={server.home / 'conf'}"]


def test_export_lines_quote_for_the_shell() -> None:
    connection = Neo4jConnection("neo4j+s://x.databases.neo4j.io", "neo4j", "it's $ecret")
    lines = connection.export_lines()
    result = subprocess.run(
        ["bash", "-c", lines + '\nprintf "%s|%s|%s" "$NEO4J_URI" "$NEO4J_USER" "$NEO4J_PASSWORD"'],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == "neo4j+s://x.databases.neo4j.io|neo4j|it's $ecret"
    assert "ecret" not in repr(connection)


@pytest.fixture
def clean_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("NEO4J_URI", "NEO4J_PASSWORD", "KG_NEO4J_PROVISIONER", "KG_NEO4J_BOLT_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KG_HOME", str(tmp_path / "kg-home"))
    return tmp_path / "kg-home"


def test_provisioner_order(monkeypatch: pytest.MonkeyPatch, clean_home: Path) -> None:
    monkeypatch.setattr(choice_module, "docker_engine_available", lambda: False)
    assert choose_provisioner(Settings()) is Provisioner.LOCAL
    monkeypatch.setattr(choice_module, "docker_engine_available", lambda: True)
    assert choose_provisioner(Settings()) is Provisioner.DOCKER
    monkeypatch.setenv("NEO4J_URI", "neo4j://cluster:7687")
    assert choose_provisioner(Settings()) is Provisioner.EXTERNAL
    monkeypatch.setenv("KG_NEO4J_PROVISIONER", "local")
    assert choose_provisioner(Settings()) is Provisioner.LOCAL


def test_docker_cli_without_engine_does_not_count() -> None:
    # This machine has the docker CLI but no engine: the probe must say so quickly, not hang.
    if os.path.exists("/var/run/docker.sock"):
        pytest.fail("a Docker socket exists here; this test documents the engine-less machine")
    assert docker_engine_available(timeout_s=10) is False


def test_missing_java_and_maven_explains_what_to_install(
    server: LocalNeo4jServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(ToolMissingError) as raised:
        server.check_tools()
    message = str(raised.value)
    assert "java (17 or newer)" in message
    assert "mvn (Apache Maven 3)" in message
    assert "NEO4J_URI" in message and "Docker" in message


@pytest.fixture
def busy_port() -> Iterator[int]:
    port = find_free_port()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", port))
        listener.listen()
        yield port


def test_port_held_by_another_process_is_a_clear_error(tmp_path: Path, busy_port: int) -> None:
    server = LocalNeo4jServer(home=tmp_path / "home", runtime_dir=tmp_path / "runtime", bolt_port=busy_port)
    with pytest.raises(PortInUseError, match=f"port {busy_port} .* already in use .* KG_NEO4J_BOLT_PORT"):
        server.start()


def test_stale_pid_file_is_reported_and_removed(tmp_path: Path, busy_port: int) -> None:
    notes: list[str] = []
    server = LocalNeo4jServer(
        home=tmp_path / "home", runtime_dir=tmp_path / "runtime", bolt_port=busy_port, notify=notes.append
    )
    server.pid_file.parent.mkdir(parents=True)
    server.pid_file.write_text(str(os.getpid()))  # a live process, but not a Neo4j of this home
    assert server.running_pid() is None
    with pytest.raises(PortInUseError):
        server.start()
    assert not server.pid_file.exists()
    assert notes and "stale pid file" in notes[0]


def test_status_of_a_never_started_server(server: LocalNeo4jServer) -> None:
    status = server.status()
    assert (status.running, status.pid, status.bolt_answering) == (False, None, False)
    assert status.uri == "bolt://127.0.0.1:17999"


def test_the_first_choice_is_remembered_so_a_new_docker_engine_changes_nothing(
    monkeypatch: pytest.MonkeyPatch, clean_home: Path
) -> None:
    monkeypatch.setattr(choice_module, "docker_engine_available", lambda: False)
    assert remembered_choice(Settings()) is None
    remember_choice(Settings(), choose_provisioner(Settings()))
    monkeypatch.setattr(choice_module, "docker_engine_available", lambda: True)  # an engine appears later
    assert choose_provisioner(Settings()) is Provisioner.LOCAL
    assert '"provider": "local"' in (clean_home / "provider.json").read_text()
    monkeypatch.setenv(
        "KG_NEO4J_PROVISIONER", "docker"
    )  # an explicit choice wins, and is remembered on start
    assert choose_provisioner(Settings()) is Provisioner.DOCKER
    remember_choice(Settings(), Provisioner.DOCKER)
    monkeypatch.delenv("KG_NEO4J_PROVISIONER")
    assert choose_provisioner(Settings()) is Provisioner.DOCKER
    monkeypatch.setenv("NEO4J_URI", "neo4j://cluster:7687")  # an external server always wins over memory
    assert choose_provisioner(Settings()) is Provisioner.EXTERNAL


def test_docker_provider_honours_the_port_and_finds_its_compose_file_from_anywhere(
    monkeypatch: pytest.MonkeyPatch, clean_home: Path, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no docker-compose.yml here
    monkeypatch.setenv("KG_NEO4J_PROVISIONER", "docker")
    monkeypatch.setenv("KG_NEO4J_BOLT_PORT", "7799")
    provider = provider_for(Settings())
    assert isinstance(provider, DockerNeo4jServer)
    assert provider.connection().uri == "bolt://127.0.0.1:7799"
    assert provider.compose_file == find_compose_file()
    assert provider.compose_file.is_file() and provider.compose_file.name == "docker-compose.yml"
    command = provider.compose_command("up")
    assert command[command.index("-f") + 1] == str(provider.compose_file)
    assert provider.compose_environment()["KG_NEO4J_BOLT_PORT"] == "7799"


def test_a_throwaway_whose_jvm_dies_while_starting_is_started_again_elsewhere_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(throwaway_module, "docker_engine_available", lambda: False)
    started: list[tuple[Path, int]] = []

    def start(self: LocalNeo4jServer, outcomes: list[str]) -> StartResult:
        started.append((self.home, self.bolt_port))
        outcome = outcomes.pop(0)
        if outcome == "dies":
            raise ServerExitedError("Neo4j exited during start-up (killed by SIGKILL). Last log lines: ...")
        if outcome == "times out":
            raise ServerStartError("Neo4j did not open Bolt on port 7687 within 180s.")
        return StartResult(Neo4jConnection(self.uri, "neo4j", "pw"), 1, already_running=False)

    monkeypatch.setattr(LocalNeo4jServer, "stop", lambda self, timeout_s=60.0: True)
    outcomes = ["dies", "starts"]
    monkeypatch.setattr(LocalNeo4jServer, "start", lambda self: start(self, outcomes))
    with throwaway_module.throwaway_neo4j(tmp_path / "runtime", home=tmp_path / "home") as connection:
        assert connection.uri == f"bolt://127.0.0.1:{started[1][1]}"
    assert [home.name for home, _ in started] == ["start-1", "start-2"]
    assert "died while starting; starting another" in capsys.readouterr().err

    outcomes[:] = ["dies", "dies"]  # twice is not a fluke: the error reaches the caller
    with (
        pytest.raises(ServerStartError, match="exited during start-up"),
        throwaway_module.throwaway_neo4j(tmp_path / "runtime", home=tmp_path / "again"),
    ):
        pass

    started.clear()
    outcomes[:] = ["times out", "starts"]  # a server that did not die is not started again
    with (
        pytest.raises(ServerStartError, match="did not open Bolt"),
        throwaway_module.throwaway_neo4j(tmp_path / "runtime", home=tmp_path / "slow"),
    ):
        pass
    assert len(started) == 1
