"""The provider interface every way of obtaining Neo4j implements, and the errors provisioning raises."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from kg.core.connection import Neo4jConnection
from kg.core.errors import UnavailableError
from kg.core.settings import Provisioner

Notify = Callable[[str], None]


def quiet(_: str) -> None:
    return None


class ProvisioningError(UnavailableError):
    """A Neo4j server could not be provided (missing tools, failed start, port clash...)."""


class ToolMissingError(ProvisioningError):
    """Neither a Docker engine nor Java 17 + Maven is available to provide Neo4j."""


class PortInUseError(ProvisioningError):
    """The Bolt port is held by a process that is not our Neo4j server."""


class ServerStartError(ProvisioningError):
    """The Neo4j process exited or did not answer Bolt in time."""


class ServerExitedError(ServerStartError):
    """The Neo4j process ended while starting (a throwaway server is started once more elsewhere)."""


@dataclass(frozen=True)
class ServerStatus:
    """What ``kg db status`` reports of a provider's server."""

    provider: Provisioner
    running: bool
    uri: str
    bolt_answering: bool
    pid: int | None = None
    home: Path | None = None


@dataclass(frozen=True)
class StartResult:
    connection: Neo4jConnection
    pid: int | None
    already_running: bool


class Provider(Protocol):
    """One way of obtaining a Neo4j server: an external one, a Docker container, a local community server."""

    kind: Provisioner

    def start(self) -> StartResult:
        """Make the server answer (start it unless it runs already); idempotent."""
        ...

    def stop(self) -> bool:
        """Stop the server this provider started; False when there was nothing to stop."""
        ...

    def status(self) -> ServerStatus: ...

    def connection(self) -> Neo4jConnection:
        """How to reach the server, without starting it."""
        ...
