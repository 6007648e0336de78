"""The `kg` command against the session's real Neo4j, reached as an external server through NEO4J_URI."""

from __future__ import annotations

from pathlib import Path

import pytest
from neo4j import Driver
from typer.testing import CliRunner

from kg.cli import app
from kg.core.connection import Neo4jConnection
from kg.core.database import Database
from queries.system import count_all_nodes
from schema import schema_items
from tests.conftest import point_at

runner = CliRunner()


@pytest.fixture
def cli_env(
    db: Database, neo4j_connection: Neo4jConnection, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Database:
    point_at(monkeypatch, neo4j_connection, tmp_path)
    return db


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("db", "import", "serve"):
        assert command in result.output
    db_help = runner.invoke(app, ["db", "--help"])
    for command in ("start", "stop", "status", "env", "migrate", "reset"):
        assert command in db_help.output


def test_migrate_twice_then_status_and_env(cli_env: Database, neo4j_connection: Neo4jConnection) -> None:
    first = runner.invoke(app, ["db", "migrate"])
    second = runner.invoke(app, ["db", "migrate"])
    total = len(schema_items())
    assert first.exit_code == 0, first.output
    assert f"{total} created, 0 already present" in first.output
    assert f"0 created, {total} already present" in second.output

    status = runner.invoke(app, ["db", "status"])
    assert status.exit_code == 0
    assert f"external Neo4j server: running; Bolt answers at {neo4j_connection.uri}" in status.output

    env = runner.invoke(app, ["db", "env"])
    assert f"export NEO4J_URI='{neo4j_connection.uri}'" in env.output


def test_reset_needs_yes_and_then_wipes(cli_env: Database, driver: Driver) -> None:
    driver.execute_query("CREATE (:City {uid: 'lyon', name: 'Lyon'})")
    refused = runner.invoke(app, ["db", "reset"])
    assert refused.exit_code == 2
    assert count_all_nodes(cli_env) == 1
    done = runner.invoke(app, ["db", "reset", "--yes"])
    assert done.exit_code == 0, done.output
    assert count_all_nodes(cli_env) == 0


def test_unreachable_server_is_one_clear_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:1")
    monkeypatch.setenv("NEO4J_PASSWORD", "whatever-password")
    result = runner.invoke(app, ["db", "migrate"])
    assert result.exit_code == 3  # the category "unavailable" (kg.core.errors.ERROR_TABLE)
    assert "no Neo4j answers at bolt://127.0.0.1:1" in result.output
    assert "Traceback" not in result.output
