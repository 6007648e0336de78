"""Driver lifecycle: one driver per process, created from a Neo4jConnection and passed to whoever needs it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from neo4j import Driver, GraphDatabase, NotificationDisabledClassification
from neo4j.exceptions import AuthError, ServiceUnavailable

from kg.errors import Neo4jUnavailableError
from kg.server import Neo4jConnection


def open_driver(connection: Neo4jConnection, **options: Any) -> Driver:
    """A driver for ``connection``; ``neo4j://`` and ``neo4j+s://`` URIs route across a cluster or Aura.

    Example:
        >>> with open_driver(connection) as driver:  # doctest: +SKIP
        ...     driver.execute_query("RETURN 1")
    """
    # Schema-less reads of optional properties ("property key does not exist") are expected, not noise.
    options.setdefault(
        "notifications_disabled_classifications", [NotificationDisabledClassification.UNRECOGNIZED]
    )
    return GraphDatabase.driver(connection.uri, auth=connection.auth, **options)


@contextmanager
def connected_driver(connection: Neo4jConnection, **options: Any) -> Iterator[Driver]:
    """A verified driver, closed on exit; a clear Neo4jUnavailableError if the server does not answer."""
    driver = open_driver(connection, **options)
    try:
        try:
            driver.verify_connectivity()
        except (ServiceUnavailable, OSError) as error:
            raise Neo4jUnavailableError(
                f"no Neo4j answers at {connection.uri}: {error}. Start one with `kg db start`."
            ) from error
        except AuthError as error:
            raise Neo4jUnavailableError(
                f"Neo4j at {connection.uri} rejected the credentials: {error}"
            ) from error
        yield driver
    finally:
        driver.close()
