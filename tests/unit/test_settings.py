from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from kg.core.errors import ConfigurationError
from kg.core.settings import Environment, Provisioner, Settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE", "KG_ENV", "KG_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(Path(__file__).parent)  # no .env file here


def test_defaults_point_at_the_local_server() -> None:
    settings = Settings()
    assert settings.neo4j_uri is None
    assert settings.provisioner is Provisioner.AUTO
    assert settings.home == Path(".kg")
    assert settings.bolt_port == 7687
    assert (settings.heap_size, settings.pagecache_size) == ("1g", "512m")


def test_home_is_not_taken_from_the_shell_home_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/somewhere/else")
    monkeypatch.setenv("ENV", "production")
    settings = Settings()
    assert settings.home == Path(".kg")
    assert settings.env is Environment.DEVELOPMENT


def test_reads_the_environment_when_built_not_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO4J_URI", "neo4j+s://abc.databases.neo4j.io")
    monkeypatch.setenv("NEO4J_PASSWORD", "s3cr3t-value")
    monkeypatch.setenv("KG_HOME", "/tmp/kg-home")
    settings = Settings()
    assert settings.neo4j_uri == "neo4j+s://abc.databases.neo4j.io"
    assert settings.neo4j_password is not None
    assert settings.neo4j_password.get_secret_value() == "s3cr3t-value"
    assert "s3cr3t-value" not in repr(settings)
    assert settings.neo4j_home == Path("/tmp/kg-home/neo4j")


def test_production_refuses_a_default_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_ENV", "production")
    monkeypatch.setenv("NEO4J_URI", "neo4j://db:7687")
    monkeypatch.setenv("NEO4J_PASSWORD", "neo4j")
    with pytest.raises((ConfigurationError, ValidationError), match="refuses a default NEO4J_PASSWORD"):
        Settings()


def test_password_without_uri_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO4J_PASSWORD", "something-long")
    with pytest.raises((ConfigurationError, ValidationError), match="NEO4J_URI is not"):
        Settings()


def test_memory_sizes_are_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_NEO4J_HEAP", "lots")
    with pytest.raises(ValidationError, match="KG_NEO4J_HEAP"):
        Settings()
