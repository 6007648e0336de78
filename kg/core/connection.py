"""Where and how to reach a Neo4j server: the one value every provider returns and every process is given."""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.core.settings import Provisioner


@dataclass(frozen=True)
class Neo4jConnection:
    """A server's URI, credentials and database; ``provider`` says who provides it (external, docker, local).

    Example:
        >>> connection = Neo4jConnection("neo4j://127.0.0.1:7687", "neo4j", "s3cret")
        >>> connection.environment()["NEO4J_URI"]
        'neo4j://127.0.0.1:7687'
    """

    uri: str
    user: str
    password: str = field(repr=False)
    database: str | None = None
    provider: Provisioner = Provisioner.EXTERNAL

    @property
    def auth(self) -> tuple[str, str]:
        return (self.user, self.password)

    def environment(self) -> dict[str, str]:
        """The variables that point another kg process at this server (``Settings`` reads them)."""
        variables = {"NEO4J_URI": self.uri, "NEO4J_USER": self.user, "NEO4J_PASSWORD": self.password}
        if self.database:
            variables["NEO4J_DATABASE"] = self.database
        return variables

    def export_lines(self) -> str:
        """Shell lines that point another process at this server (``eval "$(kg db env)"``)."""
        return "\n".join(f"export {name}={_shell_quote(value)}" for name, value in self.environment().items())


def _shell_quote(value: str) -> str:
    return "'" + value.replace("'", "'\"'\"'") + "'"
