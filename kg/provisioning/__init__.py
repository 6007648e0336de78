"""How kg obtains a Neo4j server: one ``Provider`` interface (start, stop, status, connection), three providers
(an external server, Docker, a local community server from Maven Central) and one place that chooses among them.
"""

from __future__ import annotations

from kg.provisioning.base import (
    PortInUseError,
    Provider,
    ProvisioningError,
    ServerExitedError,
    ServerStartError,
    ServerStatus,
    StartResult,
    ToolMissingError,
)
from kg.provisioning.choice import choose_provisioner, current_connection, provider_for, provision
from kg.provisioning.docker import DockerNeo4jServer
from kg.provisioning.external import ExternalNeo4jServer
from kg.provisioning.local import LocalNeo4jServer

__all__ = [
    "DockerNeo4jServer",
    "ExternalNeo4jServer",
    "LocalNeo4jServer",
    "PortInUseError",
    "Provider",
    "ProvisioningError",
    "ServerExitedError",
    "ServerStartError",
    "ServerStatus",
    "StartResult",
    "ToolMissingError",
    "choose_provisioner",
    "current_connection",
    "provider_for",
    "provision",
]
