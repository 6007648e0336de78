"""One root error for everything kg raises on purpose, with specific subclasses that carry details."""

from __future__ import annotations


class KGError(Exception):
    """Root of every error kg raises deliberately; the CLI prints its message without a traceback."""


class ConfigurationError(KGError):
    """The settings are inconsistent or unsafe (e.g. a default secret in production)."""


class ProvisioningError(KGError):
    """A Neo4j server could not be provided (missing tools, failed start, port clash...)."""


class ToolMissingError(ProvisioningError):
    """Neither a Docker engine nor Java 17 + Maven is available to provide Neo4j."""


class PortInUseError(ProvisioningError):
    """The Bolt port is held by a process that is not our Neo4j server."""


class ServerStartError(ProvisioningError):
    """The Neo4j process exited or did not answer Bolt in time."""


class Neo4jUnavailableError(KGError):
    """No Neo4j server answers at the configured URI."""


class SchemaMigrationError(KGError):
    """Applying constraints and indexes failed."""


class SeedValidationError(KGError):
    """A seed dataset file is malformed; the message names the file, line, entry and field."""


class ImportAbortedError(KGError):
    """An import stopped before committing anything (e.g. a relationship endpoint is missing)."""
