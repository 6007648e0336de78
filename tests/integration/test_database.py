"""The one database handle: reads in read transactions, writes in write transactions, both under a timeout, also
through a routing (neo4j://) URI, as on a cluster or Aura."""

from __future__ import annotations

import dataclasses

import pytest
from neo4j.exceptions import ClientError

from kg.core.connection import Neo4jConnection
from kg.core.database import Database
from kg.core.errors import ErrorCategory, Neo4jUnavailableError, QueryTimeoutError, category_of
from kg.provisioning.tools import find_free_port

SLOW_READ = "UNWIND range(1, 200000000) AS x RETURN count(x) AS n"


@pytest.fixture
def routed(db: Database, neo4j_connection: Neo4jConnection) -> Database:
    """The test server reached through neo4j:// (a single server answers routing requests too)."""
    uri = neo4j_connection.uri.replace("bolt://", "neo4j://", 1)
    return Database.open(dataclasses.replace(neo4j_connection, uri=uri), timeout_s=10)


def test_reads_and_writes_through_a_routing_uri(routed: Database) -> None:
    with routed:
        assert routed.uri.startswith("neo4j://")
        routed.write("CREATE (:City {uid: 'graz', name: 'Graz'})")
        assert routed.read("MATCH (c:City {uid: 'graz'}) RETURN c.name AS name") == [{"name": "Graz"}]
        summary = routed.driver.execute_query("RETURN 1", routing_="r").summary
        assert summary.server.address is not None


def test_a_read_transaction_refuses_to_write(db: Database) -> None:
    with pytest.raises(ClientError, match=r"(?i)write"):
        db.read("CREATE (:City {uid: 'x', name: 'X'})")
    assert db.read("MATCH (c:City) RETURN count(c) AS n") == [{"n": 0}]


def test_the_server_cancels_a_read_that_outlives_its_timeout(db: Database) -> None:
    with pytest.raises(QueryTimeoutError, match=r"did not finish within 0\.5 s") as raised:
        db.with_timeout(0.5).read(SLOW_READ)
    cause = raised.value.__cause__
    assert isinstance(cause, ClientError) and "TransactionTimedOut" in (cause.code or "")
    assert category_of(raised.value) is ErrorCategory.UNAVAILABLE  # 503 to retry, not a 500
    assert db.read("RETURN 1 AS one") == [{"one": 1}]  # the handle still works


def test_a_write_has_a_timeout_too(db: Database) -> None:
    with pytest.raises(QueryTimeoutError):
        db.with_timeout(0.5).write(
            "UNWIND range(1, 200000000) AS x WITH count(x) AS n CREATE (:City {uid: 'slow', name: toString(n)})"
        )
    assert db.read("MATCH (c:City {uid: 'slow'}) RETURN count(c) AS n") == [{"n": 0}]


def test_an_absent_server_is_unavailable_not_a_bug() -> None:
    nowhere = Neo4jConnection(f"bolt://127.0.0.1:{find_free_port()}", "neo4j", "unused")
    with Database.open(nowhere, timeout_s=2, connection_timeout=1, max_transaction_retry_time=1) as db:
        with pytest.raises(Neo4jUnavailableError) as raised:
            db.read("RETURN 1")
        assert category_of(raised.value) is ErrorCategory.UNAVAILABLE
        with pytest.raises(Neo4jUnavailableError, match="no Neo4j answers"):
            db.verify()


def test_load_csv_cannot_read_the_servers_files(db: Database) -> None:
    """The local server's configuration (kg/provisioning/local.py) refuses file URLs: no query reads its disk."""
    with pytest.raises(ClientError) as refused:
        db.read("LOAD CSV FROM 'file:///etc/hostname' AS row RETURN count(row) AS rows")
    print(refused.value.message)
    assert "allow_csv_import_from_file_urls" in (refused.value.message or "")
