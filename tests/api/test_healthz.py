from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from kg.core.connection import Neo4jConnection
from kg.core.database import Database
from kg.core.settings import Settings
from kg.provisioning.tools import find_free_port
from schema import SCHEMA_VERSION, apply_schema
from tests.conftest import point_at


def _settings_for(connection: Neo4jConnection, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    point_at(monkeypatch, connection, tmp_path)
    return Settings()


def test_healthz_up_reports_versions(
    db: Database, neo4j_connection: Neo4jConnection, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    apply_schema(db)
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
