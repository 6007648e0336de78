"""The one database handle: every read in a read transaction (routed to readers on a cluster), every write in a
write transaction, both under the configured timeout.

One ``Database`` per process wraps one driver. Callers hand it named Cypher (``LiteralString`` from ``queries/``)
and parameters; it never builds query text. The managed transactions retry transient errors (a leader switch, a
deadlock) and the server cancels any transaction that outlives its timeout. When the server cannot be reached the
handle raises ``Neo4jUnavailableError`` (category *unavailable*), so every caller tells "retry later" from a bug;
a uniqueness clash is ``ConflictError`` (category *conflict*), raised at once, never retried.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, LiteralString, TypeVar, cast

from neo4j import (
    Driver,
    GraphDatabase,
    ManagedTransaction,
    NotificationDisabledClassification,
    Record,
    Transaction,
    unit_of_work,
)
from neo4j.exceptions import AuthError, ClientError, ConstraintError, ServiceUnavailable, SessionExpired

from kg.core.connection import Neo4jConnection
from kg.core.errors import ConflictError, Neo4jUnavailableError, QueryTimeoutError

T = TypeVar("T")
Row = dict[str, Any]
DEFAULT_TIMEOUT_S = 30.0


def open_driver(connection: Neo4jConnection, **options: Any) -> Driver:
    """A driver for ``connection``; ``neo4j://`` and ``neo4j+s://`` URIs route across a cluster or Aura."""
    # Schema-less reads of optional properties ("property key does not exist") are expected, not noise.
    options.setdefault(
        "notifications_disabled_classifications", [NotificationDisabledClassification.UNRECOGNIZED]
    )
    return GraphDatabase.driver(connection.uri, auth=connection.auth, **options)


class StatementCounter:
    """Counts the Cypher statements sent through a handle (a request's log line reports them); thread-safe,
    since one request's resolvers run on several threads."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def add(self) -> None:
        with self._lock:
            self.count += 1


class _CountedTransaction:
    """A transaction that counts each statement it runs, and is the transaction in every other respect."""

    def __init__(self, transaction: Transaction | ManagedTransaction, counter: StatementCounter) -> None:
        self._transaction = transaction
        self._counter = counter

    def run(self, query: LiteralString, parameters: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        self._counter.add()
        return self._transaction.run(query, parameters, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transaction, name)


TransactionT = TypeVar("TransactionT", Transaction, ManagedTransaction)


@dataclass(frozen=True)
class Database:
    """Reads and writes against one Neo4j database.

    Example:
        >>> with Database.connect(connection) as db:  # doctest: +SKIP
        ...     db.read("MATCH (c:City) RETURN count(c) AS cities")
        [{'cities': 21}]
    """

    driver: Driver
    name: str | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    uri: str = ""
    statements: StatementCounter | None = field(default=None, compare=False)

    @classmethod
    def open(
        cls, connection: Neo4jConnection, timeout_s: float = DEFAULT_TIMEOUT_S, **options: Any
    ) -> Database:
        """A handle on ``connection`` (no round trip yet); close it with ``close()`` or use ``connect``."""
        return cls(open_driver(connection, **options), connection.database, timeout_s, connection.uri)

    @classmethod
    @contextmanager
    def connect(
        cls, connection: Neo4jConnection, timeout_s: float = DEFAULT_TIMEOUT_S, **options: Any
    ) -> Iterator[Database]:
        """A verified handle, closed on exit; ``Neo4jUnavailableError`` when the server does not answer."""
        database = cls.open(connection, timeout_s, **options)
        try:
            database.verify()
            yield database
        finally:
            database.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self.driver.close()

    def with_timeout(self, timeout_s: float) -> Database:
        """The same handle with another transaction timeout (e.g. the rest of a request's deadline)."""
        return replace(self, timeout_s=timeout_s)

    def counted(self, counter: StatementCounter) -> Database:
        """The same handle, counting every statement it sends in ``counter``."""
        return replace(self, statements=counter)

    def _counting(self, work: Callable[[TransactionT], T]) -> Callable[[TransactionT], T]:
        counter = self.statements
        if counter is None:
            return work
        return lambda transaction: work(cast(TransactionT, _CountedTransaction(transaction, counter)))

    def verify(self) -> None:
        try:
            self.driver.verify_connectivity()
        except (ServiceUnavailable, SessionExpired, OSError) as error:
            raise Neo4jUnavailableError(
                f"no Neo4j answers at {self.uri or 'the configured URI'}: {error}. Start one with `kg db start`."
            ) from error
        except AuthError as error:
            raise Neo4jUnavailableError(
                f"Neo4j at {self.uri or 'the configured URI'} rejected the credentials: {error.message}"
            ) from error

    # -- transactions -----------------------------------------------------------------------------------------
    def read_transaction(self, work: Callable[[ManagedTransaction], T]) -> T:
        """Run ``work`` in a managed read transaction (retried on transient errors, routed to a reader)."""
        with self._unavailable_as_error(), self.driver.session(database=self.name) as session:
            return session.execute_read(unit_of_work(timeout=self.timeout_s)(self._counting(work)))

    def write_transaction(self, work: Callable[[ManagedTransaction], T]) -> T:
        """Run ``work`` in a managed write transaction (retried on transient errors, sent to the leader)."""
        with self._unavailable_as_error(), self.driver.session(database=self.name) as session:
            return session.execute_write(unit_of_work(timeout=self.timeout_s)(self._counting(work)))

    def rolled_back(self, work: Callable[[Transaction], T]) -> T:
        """Run ``work`` in one write transaction that is always rolled back: a dry run sees every effect of
        its writes (counts, conflicts) and leaves nothing behind. Not retried: a dry run is rerun by hand."""
        with self._unavailable_as_error(), self.driver.session(database=self.name) as session:
            transaction = session.begin_transaction(timeout=self.timeout_s)
            try:
                return self._counting(work)(transaction)
            finally:
                transaction.rollback()

    def read(self, query: LiteralString, /, **params: Any) -> list[Row]:
        """One read statement; its rows as dicts of the values as decoded (maps are dicts, nodes stay nodes).

        ``record.data()`` would copy every nested value again; on a match statement's answer that copy cost as
        much as decoding it, so rows are built from the decoded values directly.
        """
        return self.read_transaction(lambda tx: [_row(record) for record in tx.run(query, params)])

    def write(self, query: LiteralString, /, **params: Any) -> list[Row]:
        """One write statement; its rows as dicts (as ``read``)."""
        return self.write_transaction(lambda tx: [_row(record) for record in tx.run(query, params)])

    @contextmanager
    def _unavailable_as_error(self) -> Iterator[None]:
        try:
            yield
        except (ServiceUnavailable, SessionExpired) as error:
            raise Neo4jUnavailableError(f"Neo4j is not reachable: {error}") from error
        except ConstraintError as error:  # a client error: never retried, the caller's change clashes
            raise ConflictError(
                f"the change clashes with what is stored: {(error.message or '')[:200]}"
            ) from error
        except ClientError as error:
            if "TransactionTimedOut" in (error.code or ""):
                raise QueryTimeoutError(
                    f"the query did not finish within {self.timeout_s:.1f} s; ask for less, or retry"
                ) from error
            raise


def _row(record: Record) -> Row:
    return dict(zip(record.keys(), record.values(), strict=True))
