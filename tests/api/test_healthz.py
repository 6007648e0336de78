from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.app import create_app
from kg.server import Neo4jConnection, find_free_port
from kg.settings import Settings
from schema import SCHEMA_VERSION, apply_schema


def _settings_for(connection: Neo4jConnection, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEO4J_URI", connection.uri)
    monkeypatch.setenv("NEO4J_USER", connection.user)
    monkeypatch.setenv("NEO4J_PASSWORD", connection.password)
    return Settings()


def test_healthz_up_reports_versions(
    driver: Driver, neo4j_connection: Neo4jConnection, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    apply_schema(driver)
    with TestClient(create_app(_settings_for(neo4j_connection, monkeypatch, tmp_path))) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["neo4j"] == "up"
    assert body["neo4j_version"].startswith("5.26.")
    assert body["schema_version"] == SCHEMA_VERSION
    assert body["schema_current"] is True


def test_healthz_down_when_nothing_listens(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    nowhere = Neo4jConnection(f"bolt://127.0.0.1:{find_free_port()}", "neo4j", "unused-password")
    with TestClient(create_app(_settings_for(nowhere, monkeypatch, tmp_path))) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["neo4j"] == "down"
    assert "unused-password" not in response.text
