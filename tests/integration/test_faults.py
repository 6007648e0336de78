"""Faults lose nothing: Neo4j killed or stopped during an import, then restarted, and the re-run ends in exactly
the clean run's graph; Neo4j away while the API serves answers 503 and the API recovers by itself; a transient
error (a real deadlock) is retried, a constraint violation is not and is a domain error; concurrent imports of
the same rows by several processes leave no duplicate; a backup (`kg db dump` / `kg db load`) restores the graph.

The server faults run on a server of this module's own (a second JVM), so the session server is never stopped;
the clean run every fault is compared with is imported once, on the session server.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fastapi.testclient import TestClient
from neo4j import ManagedTransaction
from typer.testing import CliRunner

import importers.loader
from api.app import create_app
from importers.kgjson import import_kgjson
from importers.loader import FAULT_ENV, LoadOptions
from importers.report import ImportReport
from importers.rows import LoadPlan, NodeRow, RelationshipRow
from importers.runs import begin_run, run_params
from kg.cli import app
from kg.core.connection import Neo4jConnection
from kg.core.database import Database
from kg.core.errors import ConflictError, Neo4jUnavailableError
from kg.core.settings import Settings
from kg.provisioning.backup import dump_local, load_local
from kg.provisioning.local import LocalNeo4jServer
from queries.admin import wipe_database
from queries.loading import (
    CREATE_RUN,
    LOCK_IMPORTER,
    REMOVE_STALE_RELATIONSHIPS,
    WITHDRAW_FROM_RELATIONSHIPS,
    merge_nodes,
    merge_relationships,
)
from schema import apply_schema
from schema.models import RelType
from tests.conftest import make_local_server, point_at
from tests.integration.graph_state import RUN_PROPERTIES, STAMPS, graph_state
from tests.integration.test_loading import big_file, domain_counts

T = TypeVar("T")
pytestmark = pytest.mark.integration  # runs a server of its own, which the collection hook cannot see
runner = CliRunner()
SMALL_BATCHES = LoadOptions(batch_size=7)  # 24 batches: a fault at batch 3 leaves most of the file unwritten


@pytest.fixture(scope="module")
def fault_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalNeo4jServer]:
    server = make_local_server(request.config, tmp_path_factory.mktemp("neo4j-faults"))
    server.start()
    yield server
    server.stop()


@dataclass(frozen=True)
class CleanImport:
    """``big_file`` imported without a fault (batch size 7): the report, the counts and the graph it leaves."""

    report: ImportReport
    counts: tuple[dict[str, int], dict[str, int]]
    state: list[Any]


@pytest.fixture(scope="module")
def clean_import(session_db: Database, tmp_path_factory: pytest.TempPathFactory) -> CleanImport:
    wipe_database(session_db)
    apply_schema(session_db)
    report = import_kgjson(
        session_db, big_file(tmp_path_factory.mktemp("clean") / "big.kg.json"), SMALL_BATCHES
    )
    clean = CleanImport(
        report, domain_counts(session_db), graph_state(session_db.driver, RUN_PROPERTIES | STAMPS)
    )
    wipe_database(session_db)
    return clean


def quick_database(connection: Neo4jConnection) -> Database:
    """A handle that gives up on an unreachable server after 2 s of retries (the default is 30 s)."""
    return Database.open(connection, connection_timeout=2.0, max_transaction_retry_time=2.0)


def kill(server: LocalNeo4jServer) -> None:
    """SIGKILL: the server dies mid-transaction, as in a crash; the restart recovers from its transaction log."""
    pid = server.running_pid()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while server.running_pid() is not None and time.monotonic() < deadline:
        time.sleep(0.2)


def wait_until_answering(db: Database, timeout_s: float = 90) -> None:
    """Bolt can answer before the database is online: ask until a read succeeds."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            db.read("RETURN 1 AS one")
            return
        except Neo4jUnavailableError:
            assert time.monotonic() < deadline, "the restarted server never answered"
            time.sleep(0.5)


@pytest.mark.parametrize(("fault", "how"), [("mid", "killed"), ("after", "stopped")])
def test_neo4j_lost_during_an_import_then_restarted_reruns_to_the_clean_state(
    fault_server: LocalNeo4jServer,
    clean_import: CleanImport,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    fault: str,
    how: str,
) -> None:
    connection = fault_server.start().connection
    path = big_file(tmp_path / "big.kg.json")
    options = SMALL_BATCHES
    with quick_database(connection) as db:
        wait_until_answering(db)
        db.write("MATCH (n) DETACH DELETE n")
        apply_schema(db)

    def lose_the_server(injected: tuple[str, int] | None, where: str, index: int) -> None:
        if injected == (where, index):  # KG_IMPORT_FAULT names it; unset for the re-run
            kill(fault_server) if how == "killed" else fault_server.stop()

    monkeypatch.setenv(FAULT_ENV, f"{fault}:3")
    monkeypatch.setattr(importers.loader, "_maybe_fault", lose_the_server)
    with quick_database(connection) as db, pytest.raises(Neo4jUnavailableError):
        import_kgjson(db, path, options)
    monkeypatch.delenv(FAULT_ENV)
    assert fault_server.running_pid() is None

    restarted = fault_server.start().connection
    with quick_database(restarted) as db:
        wait_until_answering(db)
        partial = domain_counts(db)
        assert sum(partial[0].values()) < sum(clean_import.counts[0].values())  # the loss was real
        rerun = import_kgjson(db, path, options)
        assert rerun.resumed_from_batch == (3 if fault == "mid" else 4)
        assert domain_counts(db) == clean_import.counts
        assert graph_state(db.driver, RUN_PROPERTIES | STAMPS) == clean_import.state
        assert (rerun.nodes_created, rerun.relationships_created) == (
            clean_import.report.nodes_created,
            clean_import.report.relationships_created,
        )
        assert db.read("MATCH (r:ImportRun) RETURN r.status AS s") == [{"s": "completed"}]


def test_the_api_answers_503_while_neo4j_is_away_and_recovers_by_itself(
    fault_server: LocalNeo4jServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    connection = fault_server.start().connection
    with quick_database(connection) as db:
        wait_until_answering(db)
        apply_schema(db)
    point_at(monkeypatch, connection, tmp_path)
    query = {"query": "{ cities(first: 1) { totalCount } }"}
    with TestClient(create_app(Settings())) as client:
        assert client.post("/graphql", json=query).status_code == 200
        fault_server.stop()
        away = client.post("/graphql", json=query)
        assert away.status_code == 503 and away.headers["retry-after"] == "5"
        assert away.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        assert client.get("/readyz").status_code == 503
        fault_server.start()
        deadline = time.monotonic() + 90
        back = client.post("/graphql", json=query)
        while back.status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.5)
            back = client.post("/graphql", json=query)
        assert back.status_code == 200 and "errors" not in back.json()  # the same app, no restart
        assert client.get("/readyz").status_code == 200


def test_a_deadlock_is_retried_until_both_transactions_commit(db: Database) -> None:
    db.write("UNWIND ['a', 'b'] AS uid CREATE (:FaultProbe {uid: uid, hits: 0})")
    attempts: Counter[str] = Counter()
    barrier = threading.Barrier(2, timeout=20)
    bump = "MATCH (p:FaultProbe {uid: $uid}) SET p.hits = p.hits + 1"

    def in_order(first: str, second: str) -> None:
        def work(tx: ManagedTransaction) -> None:
            attempts[first] += 1
            tx.run(bump, uid=first).consume()  # each holds one lock ...
            if attempts[first] == 1:
                barrier.wait()  # ... then wants the other's: Neo4j detects the deadlock, one side retries
            tx.run(bump, uid=second).consume()

        db.write_transaction(work)

    try:
        threads = [threading.Thread(target=in_order, args=pair) for pair in (("a", "b"), ("b", "a"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sum(attempts.values()) >= 3  # a transient error was retried
        hits = db.read("MATCH (p:FaultProbe) RETURN p.uid AS uid, p.hits AS hits ORDER BY uid")
        assert hits == [{"uid": "a", "hits": 2}, {"uid": "b", "hits": 2}]  # both committed, once each
    finally:
        db.write("MATCH (p:FaultProbe) DELETE p")


def test_a_constraint_violation_is_a_conflict_and_is_not_retried(db: Database) -> None:
    apply_schema(db)
    db.write("MERGE (:City {uid: 'fault-city', name: 'Fault City'})")
    attempts = 0

    def duplicate(tx: ManagedTransaction) -> None:
        nonlocal attempts
        attempts += 1
        tx.run("CREATE (:City {uid: 'fault-city', name: 'Again'})").consume()

    try:
        with pytest.raises(ConflictError, match="clashes with what is stored"):
            db.write_transaction(duplicate)
        assert attempts == 1
        assert db.read("MATCH (c:City {uid: 'fault-city'}) RETURN c.name AS name") == [{"name": "Fault City"}]
    finally:
        db.write("MATCH (c:City {uid: 'fault-city'}) DELETE c")


def _while_uncommitted(
    db: Database, held: Callable[[Any], None], other: Callable[[], T]
) -> tuple[bool, Future[T]]:
    """Run ``held`` in a transaction left open while ``other`` starts in a thread, then commit it; whether
    ``other`` had already finished before the commit, and its outcome."""
    with ThreadPoolExecutor(1) as pool:
        with db.driver.session(database=db.name) as session, session.begin_transaction() as open_tx:
            held(open_tx)
            running = pool.submit(other)
            time.sleep(2)  # the other is waiting on the held entities' locks (or, without them, is done)
            done_early = running.done()
            open_tx.commit()  # (a failure above rolls back instead, and the waiting one goes on)
        wait([running], timeout=30)
    return done_early, running


def test_a_run_that_starts_while_another_is_starting_waits_for_it_and_is_refused(db: Database) -> None:
    """The check for a running run and the creation of one are one locked step: without the lock, a run
    beginning while another's creation is not yet committed sees nothing, and both load (and each one's sync
    removes what the other wrote)."""
    apply_schema(db)
    plan = LoadPlan(importer="kg-json:race-probe", origin="race-probe.kg.json", sha256="0" * 64)
    other_process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    other = run_params(plan, "kg-json:race-probe:other", {}, 1, socket.gethostname(), other_process.pid)

    def starting(tx: Any) -> None:
        tx.run(LOCK_IMPORTER, importer=plan.importer).consume()
        tx.run(CREATE_RUN, other).consume()

    try:
        began_early, second = _while_uncommitted(db, starting, lambda: begin_run(db, plan, {}, 1))
        assert not began_early, "a second run began while the first was still being created"
        with pytest.raises(ConflictError, match=r"import is running .* wait for it to end"):
            second.result()
        runs = db.read(
            "MATCH (r:ImportRun {importer: $importer}) RETURN r.uid AS uid", importer=plan.importer
        )
        assert runs == [{"uid": "kg-json:race-probe:other"}]
    finally:
        other_process.kill()
        other_process.wait()
        db.write("MATCH (r:ImportRun {importer: $importer}) DELETE r", importer=plan.importer)
        db.write("MATCH (m:KGMeta {key: $key}) DELETE m", key="import-lock:" + plan.importer)


# Two importers' transactions on one fact: the test holds one open (uncommitted) while the other runs, then
# commits it. Under read-committed isolation the second must read the fact only once it holds its write lock,
# or it writes back a list the first had already changed.
LOST_UPDATE_CITY = NodeRow("City", "lost-update-city", {"name": "Lost Update City"})
LOST_UPDATE_CHALLENGE = NodeRow("Challenge", "lost-update-challenge", {"name": "Lost updates"})
LOST_UPDATE_FACES = RelationshipRow(
    "FACES", "City", "lost-update-city", "Challenge", "lost-update-challenge", {}, ("src",), ("a quote",), 0.9
)


def _state_as(tx: ManagedTransaction, importer: str, rows: str = "nodes and relationship") -> None:
    params: dict[str, Any] = {"run": importer + ":1", "importer": importer, "actor": "import:" + importer}
    params |= {"own": [], "stamp": dt.datetime.now(dt.UTC)}
    if "nodes" in rows:
        for row in (LOST_UPDATE_CITY, LOST_UPDATE_CHALLENGE):
            tx.run(merge_nodes(row.label), params, rows=[row.params()]).consume()
    tx.run(merge_relationships(RelType.FACES, "City", "Challenge"), params, rows=[LOST_UPDATE_FACES.params()])


@pytest.fixture
def lost_update_probe(db: Database) -> Iterator[Database]:
    apply_schema(db)
    for importer in ("probe-0", "probe-a", "probe-b"):
        plan = LoadPlan(importer=importer, origin="probe", sha256=None)
        db.write(CREATE_RUN, **run_params(plan, importer + ":1", {}, 1, "", 0))
    yield db
    db.write(
        "MATCH (n) WHERE n.uid STARTS WITH 'lost-update-' OR n.importer STARTS WITH 'probe-' DETACH DELETE n"
    )


def _stated_by(db: Database) -> tuple[list[str], list[str], int]:
    rows = db.read(
        "MATCH (c:City {uid: 'lost-update-city'}) OPTIONAL MATCH (c)-[r:FACES]->() "
        "RETURN c.imported_by AS city, r.imported_by AS faces, "
        "size([x IN [c, r] WHERE x IS NOT NULL AND x._kg_lock IS NOT NULL]) AS locks"
    )
    return sorted(rows[0]["city"]), sorted(rows[0]["faces"] or []), rows[0]["locks"]


def test_two_importers_stating_a_fact_at_once_are_both_recorded(lost_update_probe: Database) -> None:
    db = lost_update_probe
    db.write_transaction(lambda tx: _state_as(tx, "probe-0"))  # the fact exists before both
    _, other = _while_uncommitted(
        db,
        lambda tx: _state_as(tx, "probe-b"),
        lambda: db.write_transaction(lambda tx: _state_as(tx, "probe-a")),
    )
    other.result()
    everyone = ["probe-0", "probe-a", "probe-b"]
    assert _stated_by(db) == (everyone, everyone, 0)


def test_a_sync_does_not_remove_a_fact_another_importer_states_meanwhile(lost_update_probe: Database) -> None:
    db = lost_update_probe
    db.write_transaction(lambda tx: _state_as(tx, "probe-a"))  # stated by probe-a's run 1 only
    params = {"importer": "probe-a", "run": "probe-a:2", "own": []}  # its run 2 no longer states FACES

    def sync() -> list[str]:
        queries = (REMOVE_STALE_RELATIONSHIPS, WITHDRAW_FROM_RELATIONSHIPS)
        return db.write_transaction(lambda tx: [r["key"] for q in queries for r in tx.run(q, params)])

    _, synced = _while_uncommitted(db, lambda tx: _state_as(tx, "probe-b", rows="relationship"), sync)
    synced.result()
    assert _stated_by(db) == (["probe-a"], ["probe-b"], 0)  # withdrawn from, not deleted


def test_concurrent_imports_of_the_same_rows_leave_no_duplicate(
    db: Database, neo4j_connection: Neo4jConnection, clean_import: CleanImport, tmp_path: Path
) -> None:
    path = big_file(tmp_path / "big.kg.json")
    apply_schema(db)

    # Three copies under other names are three imports writing the same rows at once; a second process on the
    # same file is refused while the first runs (an import of one source runs once at a time).
    files = [shutil.copy(path, tmp_path / f"copy-{i}.kg.json") for i in range(3)]
    env = {**os.environ, **neo4j_connection.environment()}

    def start(file: Path | str) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "kg", "import", "json", str(file), "--batch-size", "7"]
        return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    copies = [start(file) for file in files]
    same = [start(path), start(path)]
    outcomes = [(p.wait(180), p.stderr.read().decode() if p.stderr else "") for p in copies + same]
    assert [code for code, _ in outcomes[:3]] == [0, 0, 0], [err[-400:] for _, err in outcomes]
    refused = [err for code, err in outcomes[3:] if code != 0]
    assert all("import is running" in err and "wait for it to end" in err for err in refused), refused
    assert len(refused) <= 1  # at most the one that overlapped the other
    assert domain_counts(db) == clean_import.counts
    duplicated = db.read(
        "MATCH (n) WHERE n.uid IS NOT NULL WITH labels(n) AS labels, n.uid AS uid, count(*) AS copies "
        "WHERE copies > 1 RETURN labels, uid, copies"
    )
    assert duplicated == []
    parallel_edges = db.read(
        "MATCH (a)-[r]->(b) WITH a, b, type(r) AS type, count(r) AS copies WHERE copies > 1 "
        "RETURN a.uid AS a, b.uid AS b, type, copies"
    )
    assert parallel_edges == []
    # Every process's importer is listed on every fact it stated: none overwrote another's concurrent update.
    importers = {f"kg-json:{Path(file).name}" for file in [*files, path]}
    stated_by = db.read(
        "MATCH (x) WHERE x.imported_by IS NOT NULL RETURN DISTINCT x.imported_by AS importers UNION "
        "MATCH ()-[x]->() WHERE x.imported_by IS NOT NULL RETURN DISTINCT x.imported_by AS importers"
    )
    assert {frozenset(row["importers"]) for row in stated_by} == {frozenset(importers)}  # lists in any order


# ------------------------------------------------------------------------------------------------ backup


def test_a_local_dump_then_load_restores_every_node_and_property(
    fault_server: LocalNeo4jServer, tmp_path: Path
) -> None:
    connection = fault_server.start().connection
    with quick_database(connection) as db:
        wait_until_answering(db)
        db.write("MATCH (n) DETACH DELETE n")
        apply_schema(db)
        import_kgjson(db, big_file(tmp_path / "big.kg.json"), LoadOptions(batch_size=50))
        before_counts, before_state = domain_counts(db), graph_state(db.driver, frozenset())
    said: list[str] = []

    dumped = dump_local(fault_server, tmp_path / "backup.dump", notify=said.append)
    assert dumped.restarted and dumped.bytes > 0 and fault_server.running_pid() is not None
    assert any("only a stopped database" in line for line in said)
    with quick_database(connection) as db:
        wait_until_answering(db)
        db.write("MATCH (n:City) DETACH DELETE n")  # a mistake the backup undoes
        assert domain_counts(db) != before_counts

    loaded = load_local(fault_server, dumped.path, notify=said.append)
    assert loaded.restarted and fault_server.running_pid() is not None
    with quick_database(fault_server.connection()) as db:
        wait_until_answering(db)
        assert domain_counts(db) == before_counts
        assert graph_state(db.driver, frozenset()) == before_state  # every property, the run stamps too


BOOKKEEPING = frozenset({"import_run_ids", "imported_by", "updated_at", "updated_by"})


def restorable_state(db: Database) -> list[object]:
    """What a kg-json round trip restores: everything but the import bookkeeping and the kb version (KGMeta),
    which a load recomputes."""
    return [entry for entry in graph_state(db.driver, BOOKKEEPING) if entry[0] != ["KGMeta"]]


def test_an_external_server_is_dumped_as_kgjson_and_loaded_back(
    db: Database, neo4j_connection: Neo4jConnection, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    db.write("MATCH (n) DETACH DELETE n")
    apply_schema(db)
    import_kgjson(db, big_file(tmp_path / "big.kg.json"), LoadOptions(batch_size=50))
    before_counts, before_state = domain_counts(db), restorable_state(db)
    point_at(monkeypatch, neo4j_connection, tmp_path)
    backup = tmp_path / "backup.kg.json"

    dumped = runner.invoke(app, ["db", "dump", "-o", str(backup)])
    assert dumped.exit_code == 0, dumped.output
    assert "backed up as kg-json" in dumped.output and backup.stat().st_size > 0

    refused = runner.invoke(app, ["db", "load", str(backup)])
    assert refused.exit_code != 0 and "--force" in refused.output  # the database holds data
    dump_file = tmp_path / "x.dump"
    dump_file.write_bytes(b"not really")
    wrong = runner.invoke(app, ["db", "load", str(dump_file), "--force"])
    assert wrong.exit_code != 0 and "local server only" in wrong.output

    db.write("MATCH (n) DETACH DELETE n")
    loaded = runner.invoke(app, ["db", "load", str(backup)])
    assert loaded.exit_code == 0, loaded.output
    assert domain_counts(db) == before_counts
    assert restorable_state(db) == before_state
