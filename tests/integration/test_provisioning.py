"""The local Neo4j server kg provisions: idempotent start, stop, restart keeping data, health going down.

This module runs its own server (a second JVM, throwaway home) so stopping it never disturbs the session server.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from neo4j.exceptions import AuthError

from api.app import create_app
from kg.core.connection import Neo4jConnection
from kg.core.database import Database, open_driver
from kg.core.settings import Settings
from kg.provisioning.local import ENTRY_POINT, LocalNeo4jServer
from kg.provisioning.tools import port_is_open
from queries.system import get_server_info
from tests.conftest import make_local_server, point_at

# Runs a server of its own (not the session's), so the collection hook cannot see it needs one.
pytestmark = pytest.mark.integration


def _processes_for(home: Path) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().decode(errors="replace").split("\0")
            state = (proc / "stat").read_text().rsplit(")", 1)[-1].split()[0]
        except OSError:
            continue
        if ENTRY_POINT in cmdline and f"--home-dir={home}" in cmdline and state != "Z":
            pids.append(int(proc.name))
    return pids


@pytest.fixture(scope="module")
def own_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalNeo4jServer]:
    server = make_local_server(request.config, tmp_path_factory.mktemp("neo4j-provisioning"))
    yield server
    server.stop()


def test_start_twice_leaves_one_server(own_server: LocalNeo4jServer) -> None:
    first = own_server.start()
    second = own_server.start()
    assert first.already_running is False
    assert second.already_running is True
    assert second.pid == first.pid
    assert _processes_for(own_server.home) == [first.pid]
    with Database.open(first.connection) as db:
        info = get_server_info(db)
    assert (info.name, info.edition) == ("Neo4j Kernel", "community")
    assert info.version.startswith("5.26.")


def test_password_is_generated_and_the_default_is_refused(own_server: LocalNeo4jServer) -> None:
    connection = own_server.start().connection
    assert connection.password != "neo4j"
    assert len(connection.password) >= 24
    assert (own_server.credentials_file.stat().st_mode & 0o777) == 0o600
    with (
        pytest.raises(AuthError),
        open_driver(Neo4jConnection(connection.uri, "neo4j", "neo4j")) as driver,
    ):
        driver.verify_connectivity()


def test_stop_then_restart_keeps_data(own_server: LocalNeo4jServer) -> None:
    connection = own_server.start().connection
    with open_driver(connection) as driver:
        driver.execute_query("MERGE (c:City {uid: 'sonderborg', name: 'Sønderborg'})")
    assert own_server.stop() is True
    assert _processes_for(own_server.home) == []
    assert not port_is_open("127.0.0.1", own_server.bolt_port)
    assert own_server.status().running is False
    assert own_server.stop() is False  # stopping a stopped server is a no-op

    restarted = own_server.start()
    assert restarted.already_running is False
    with open_driver(restarted.connection) as driver:
        records, _, _ = driver.execute_query("MATCH (c:City {uid: 'sonderborg'}) RETURN c.name AS name")
    assert [r["name"] for r in records] == ["Sønderborg"]


def test_healthz_reports_down_while_stopped_and_up_after_restart(
    own_server: LocalNeo4jServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    connection = own_server.start().connection
    point_at(monkeypatch, connection, tmp_path)
    with TestClient(create_app(Settings())) as client:
        up = client.get("/healthz")
        assert up.status_code == 200
        assert up.json()["neo4j"] == "up"

        own_server.stop()
        down = client.get("/healthz")
        assert down.status_code == 503
        assert down.json()["neo4j"] == "down"
        assert down.json()["status"] == "error"

        own_server.start()
        # Bolt answers before the database has finished starting (seen under load): a client asks again.
        deadline = time.monotonic() + 60
        again = client.get("/healthz")
        while again.status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.5)
            again = client.get("/healthz")
        assert again.status_code == 200
        assert again.json()["neo4j"] == "up"
