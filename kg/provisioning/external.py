"""An existing server named by ``NEO4J_URI`` (bolt://, neo4j:// for a cluster, neo4j+s:// for Aura): kg never
starts or stops it."""

from __future__ import annotations

from kg.core.connection import Neo4jConnection
from kg.core.settings import Provisioner, Settings
from kg.provisioning.base import ProvisioningError, ServerStatus, StartResult
from kg.provisioning.tools import bolt_answers, wait_for_bolt

EXTERNAL_WAIT_S = 30.0


class ExternalNeo4jServer:
    """A server someone else runs (a ``Provider`` whose start only waits for it and whose stop does nothing)."""

    kind = Provisioner.EXTERNAL

    def __init__(self, connection: Neo4jConnection, wait_s: float = EXTERNAL_WAIT_S) -> None:
        self._connection = connection
        self.wait_s = wait_s

    @classmethod
    def from_settings(cls, settings: Settings) -> ExternalNeo4jServer:
        if not settings.neo4j_uri:
            raise ProvisioningError(
                "KG_NEO4J_PROVISIONER=external needs NEO4J_URI (and NEO4J_USER, NEO4J_PASSWORD)."
            )
        password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else ""
        connection = Neo4jConnection(
            settings.neo4j_uri, settings.neo4j_user, password, settings.neo4j_database, Provisioner.EXTERNAL
        )
        return cls(connection, min(settings.start_timeout_s, EXTERNAL_WAIT_S))

    def connection(self) -> Neo4jConnection:
        return self._connection

    def start(self) -> StartResult:
        wait_for_bolt(self._connection, timeout_s=self.wait_s)
        return StartResult(self._connection, pid=None, already_running=True)

    def stop(self) -> bool:
        return False

    def status(self) -> ServerStatus:
        answering = bolt_answers(self._connection)
        return ServerStatus(
            provider=self.kind, running=answering, uri=self._connection.uri, bolt_answering=answering
        )
