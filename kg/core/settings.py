"""The one settings class. Read once at start-up (``Settings()``), never at import time."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kg.core.errors import ConfigurationError

NEO4J_VERSION = "5.26.30"
EMBEDDING_MODEL_NAME = "all-MiniLM-L6-v2"  # kg/embeddings runs it; its files live under KG_HOME/models/
UNSAFE_PASSWORDS = frozenset({"neo4j", "password", "changeme", "secret", "test"})
DEFAULT_VIEW_SECRET = "kg-development-view-token-secret"  # production refuses it


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Provisioner(StrEnum):
    """How kg obtains its Neo4j server; ``auto`` tries external, then Docker, then the local server."""

    AUTO = "auto"
    EXTERNAL = "external"
    DOCKER = "docker"
    LOCAL = "local"


MemorySize = Annotated[str, Field(pattern=r"^[0-9]+[kKmMgG]$")]


class Settings(BaseSettings):
    """Every knob kg reads from the environment (or a ``.env`` file).

    Example:
        >>> Settings(NEO4J_URI="neo4j+s://abc.databases.neo4j.io").neo4j_uri
        'neo4j+s://abc.databases.neo4j.io'
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    env: Environment = Field(Environment.DEVELOPMENT, validation_alias="KG_ENV")
    home: Path = Field(Path(".kg"), validation_alias="KG_HOME")

    neo4j_uri: str | None = Field(None, validation_alias="NEO4J_URI")
    neo4j_user: str = Field("neo4j", validation_alias="NEO4J_USER")
    neo4j_password: SecretStr | None = Field(None, validation_alias="NEO4J_PASSWORD")
    neo4j_database: str | None = Field(None, validation_alias="NEO4J_DATABASE")

    provisioner: Provisioner = Field(Provisioner.AUTO, validation_alias="KG_NEO4J_PROVISIONER")
    bolt_port: int = Field(7687, ge=1, le=65535, validation_alias="KG_NEO4J_BOLT_PORT")
    heap_size: MemorySize = Field("1g", validation_alias="KG_NEO4J_HEAP")
    pagecache_size: MemorySize = Field("512m", validation_alias="KG_NEO4J_PAGECACHE")
    start_timeout_s: float = Field(120.0, gt=0, validation_alias="KG_NEO4J_START_TIMEOUT")
    maven_repo_local: Path | None = Field(None, validation_alias="KG_MAVEN_REPO_LOCAL")

    seed_documents: Path | None = Field(None, validation_alias="KG_SEED_DOCUMENTS")
    model_dir_override: Path | None = Field(None, validation_alias="KG_MODEL_DIR")

    query_timeout_s: float = Field(30.0, gt=0, validation_alias="KG_QUERY_TIMEOUT")
    export_max_nodes: int = Field(200_000, ge=1, validation_alias="KG_EXPORT_MAX_NODES")
    view_token_secret: SecretStr = Field(
        SecretStr(DEFAULT_VIEW_SECRET), validation_alias="KG_VIEW_TOKEN_SECRET"
    )
    view_frame_ancestors: list[str] = Field(["'self'"], validation_alias="KG_VIEW_FRAME_ANCESTORS")
    api_host: str = Field("127.0.0.1", validation_alias="KG_API_HOST")
    api_port: int = Field(8000, ge=1, le=65535, validation_alias="KG_API_PORT")
    api_keys: list[str] = Field(default_factory=list, validation_alias="KG_API_KEYS")
    api_reads_open: bool = Field(True, validation_alias="KG_API_READS_OPEN")
    api_cors_origins: list[str] = Field(default_factory=list, validation_alias="KG_API_CORS_ORIGINS")
    api_max_depth: int = Field(10, ge=2, validation_alias="KG_API_MAX_DEPTH")
    api_max_aliases: int = Field(20, ge=1, validation_alias="KG_API_MAX_ALIASES")
    api_max_tokens: int = Field(3000, ge=10, validation_alias="KG_API_MAX_TOKENS")
    api_max_cost: int = Field(250_000, ge=1, validation_alias="KG_API_MAX_COST")
    api_max_body_bytes: int = Field(100_000, ge=1_000, validation_alias="KG_API_MAX_BODY_BYTES")
    api_operation_timeout_s: float = Field(30.0, gt=0, validation_alias="KG_API_OPERATION_TIMEOUT")
    # Fair sharing, per worker (api/fairshare.py): expensive operations take turns; each client spends a budget.
    api_expensive_cost: int = Field(10_000, ge=1, validation_alias="KG_API_EXPENSIVE_COST")
    api_expensive_slots: int = Field(  # half the cores: the engine's work is CPU (embeddings), not waiting
        default_factory=lambda: max(1, (os.cpu_count() or 2) // 2),
        ge=1,
        validation_alias="KG_API_EXPENSIVE_SLOTS",
    )
    api_expensive_wait_s: float = Field(1.0, ge=0, validation_alias="KG_API_EXPENSIVE_WAIT")
    api_cost_per_minute: int = Field(2_000_000, ge=1, validation_alias="KG_API_COST_PER_MINUTE")

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        password = self.neo4j_password.get_secret_value() if self.neo4j_password else None
        if (
            self.env is Environment.PRODUCTION
            and password is not None
            and password.lower() in UNSAFE_PASSWORDS
        ):
            raise ConfigurationError("KG_ENV=production refuses a default NEO4J_PASSWORD; set a real secret.")
        view_secret = self.view_token_secret.get_secret_value()
        if self.env is Environment.PRODUCTION and (
            view_secret == DEFAULT_VIEW_SECRET or len(view_secret) < 32
        ):
            raise ConfigurationError(
                "KG_ENV=production refuses the default KG_VIEW_TOKEN_SECRET; set 32 or more random characters."
            )
        if self.neo4j_password is not None and self.neo4j_uri is None:
            raise ConfigurationError("NEO4J_PASSWORD is set but NEO4J_URI is not; set both or neither.")
        return self

    @property
    def neo4j_home(self) -> Path:
        """Conf, data, logs and credentials of the locally provisioned server."""
        return self.home.resolve() / "neo4j"

    @property
    def model_dir(self) -> Path:
        """Where the sentence-embedding model's files are unpacked (kg model install)."""
        if self.model_dir_override:
            return self.model_dir_override.resolve()
        return self.home.resolve() / "models" / EMBEDDING_MODEL_NAME

    @property
    def alias_file(self) -> Path:
        """The curators' entity-resolution decisions (``kg resolve --accept`` writes it; edit it by hand too)."""
        return self.home.resolve() / "aliases.yaml"

    @property
    def runtime_dir(self) -> Path:
        """The resolved classpath of the Neo4j runtime (jars stay in the Maven repository)."""
        return self.home.resolve() / "runtime" / f"neo4j-{NEO4J_VERSION}"
