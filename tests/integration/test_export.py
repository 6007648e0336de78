"""Subgraph export over the seed-plus-programme graph: every selection kind against independent Cypher, every
file format read back to the same typed graph, kg-json export then import reproducing it, Cypher selections that
cannot write, the node cap, the CLI, the README example and the notebook entry point's doctest."""

from __future__ import annotations

import doctest
import json
from pathlib import Path
from typing import Any, LiteralString

import pytest
from neo4j import Driver
from typer.testing import CliRunner

import kg.export
import kg.export.selection as selection_module
from importers.kgjson import import_kgjson
from kg.cli import app
from kg.core.connection import Neo4jConnection
from kg.core.database import Database
from kg.core.errors import InvalidInputError, NotFoundError
from kg.embeddings import SentenceEmbedder
from kg.export import (
    Selection,
    SelectionTooLargeError,
    UnsafeQueryError,
    read_gexf,
    read_graphml,
    read_node_link,
    select,
    to_networkx,
    write,
)
from kg.replication import Match, ReplicationEngine, refresh_similarities
from queries.admin import wipe_database
from schema import graph_model
from schema.models import RelType
from tests.conftest import point_at
from tests.graph_compare import typed
from tests.integration.graph_state import graph_fingerprint, graph_state
from tests.seeding import seeded

runner = CliRunner()
READERS = {"graphml": read_graphml, "gexf": read_gexf, "node-link": read_node_link}
DOMAIN = "NOT (x:ImportRun OR x:Resolution OR x:KGMeta)"
GID = "labels(x)[0] + ':' + x.uid"
ALL_TYPES = "|".join(t.value for t in RelType)
FOLLOWER, LIGHTHOUSE, SOLUTION = "sofia", "munich", "lisbon-smart-ambassadors"

# The reach of each selection, written independently of queries/export.py: one UNION branch per kind of member.
PROJECT = """
MATCH (x:Project {uid: $uid}) RETURN x
UNION MATCH (:Project {uid: $uid})<-[:PARTICIPATES_IN]-(x:City) RETURN x
UNION MATCH (:Project {uid: $uid})<-[:PARTNER_IN]-(x:Organisation) RETURN x
UNION MATCH (:Project {uid: $uid})-[:WORKS_ON]->(x:ThematicField) RETURN x
UNION MATCH (:Project {uid: $uid})-[:FACES]->(x:Challenge) RETURN x
UNION MATCH (:Project {uid: $uid})<-[:PARTICIPATES_IN]-(:City)-[:FACES]->(x:Challenge) RETURN x
UNION MATCH (:Project {uid: $uid})<-[:PART_OF]-(x:Solution) RETURN x
UNION MATCH (:Project {uid: $uid})<-[:PARTICIPATES_IN]-(:City)<-[:IMPLEMENTED_IN]-(x:Solution) RETURN x
UNION MATCH (:Project {uid: $uid})<-[:PART_OF]-(:Solution)-[:ADDRESSES]->(x:Challenge) RETURN x
UNION MATCH (:Project {uid: $uid})<-[:PARTICIPATES_IN]-(:City)<-[:IMPLEMENTED_IN]-(:Solution)-[:ADDRESSES]->(x:Challenge)
      RETURN x
UNION MATCH (:Project {uid: $uid})<-[:LEARNED_FROM]-(x:BestPractice) RETURN x
"""
CITY = """
MATCH (x:City {uid: $uid}) RETURN x
UNION MATCH (:City {uid: $uid})-[:PARTICIPATES_IN]->(x:Project) RETURN x
UNION MATCH (:City {uid: $uid})-[:MEMBER_OF]->(x:Network) RETURN x
UNION MATCH (:City {uid: $uid})-[:FACES]->(x:Challenge) RETURN x
UNION MATCH (:City {uid: $uid})-[:NEEDS]->(x:ThematicField) RETURN x
UNION MATCH (:City {uid: $uid})<-[:IMPLEMENTED_IN]-(x:Solution) RETURN x
UNION MATCH (:City {uid: $uid})<-[:IMPLEMENTED_IN]-(:Solution)-[:ADDRESSES]->(x:Challenge) RETURN x
UNION MATCH (:City {uid: $uid})<-[:LOCATED_IN]-(x:Organisation) RETURN x
UNION MATCH (:City {uid: $uid})-[:DRIVEN_BY]->(x:Driver) RETURN x
UNION MATCH (:City {uid: $uid})<-[:HELD_IN]-(x:Event) RETURN x
"""
NETWORK = """
MATCH (x:Network {uid: $uid}) RETURN x
UNION MATCH (:Network {uid: $uid})<-[:MEMBER_OF]-(x) WHERE x:City OR x:Project OR x:Organisation RETURN x
UNION MATCH (:Network {uid: $uid})-[:PART_OF]-(x:Network) RETURN x
UNION MATCH (:Network {uid: $uid})<-[:ORGANISED_BY]-(x:Event) RETURN x
UNION MATCH (:Network {uid: $uid})<-[:MEMBER_OF]-(m)-[:FACES]->(x:Challenge)
      WHERE m:City OR m:Project OR m:Organisation RETURN x
"""
FIELD = """
MATCH (x:ThematicField {uid: $uid}) RETURN x
UNION MATCH (:ThematicField {uid: $uid})<-[:IN_FIELD]-(x) WHERE x:Challenge OR x:Solution OR x:BestPractice RETURN x
UNION MATCH (:ThematicField {uid: $uid})<-[:WORKS_ON]-(x:Project) RETURN x
UNION MATCH (:ThematicField {uid: $uid})<-[:NEEDS]-(x:City) RETURN x
UNION MATCH (:ThematicField {uid: $uid})<-[:IN_FIELD]-(:Challenge)<-[:FACES]-(x:City) RETURN x
UNION MATCH (:ThematicField {uid: $uid})<-[:IN_FIELD]-(:Challenge)<-[:ADDRESSES]-(x) RETURN x
"""
REACHES: dict[str, tuple[LiteralString, str]] = {
    "project": (PROJECT, "smarter-together"),
    "city": (CITY, "lyon"),
    "network": (NETWORK, "my-smart-city-district"),
    "field": (FIELD, "data-strategy-and-interoperability"),
}
CYPHER = "MATCH p = (:City)-[:FACES]->(:Challenge) RETURN p"


@pytest.fixture(scope="module")
def kb(session_db: Database, embedder: SentenceEmbedder) -> Database:
    seeded(session_db, "seed", "programme", "embeddings", embedder=embedder)
    return session_db


def gids(driver: Driver, query: LiteralString, **params: Any) -> set[str]:
    records = driver.execute_query(f"CALL () {{ {query} }} RETURN DISTINCT {GID} AS id", params).records
    return {record["id"] for record in records}


def with_sources(driver: Driver, core: set[str]) -> set[str]:
    query = f"""
    MATCH (x) WHERE {GID} IN $core
    CALL (x) {{
        MATCH (x)-[:SOURCED_FROM]->(s:Source) RETURN s
      UNION
        MATCH (x)-[r]->(y) WHERE labels(y)[0] + ':' + y.uid IN $core
        UNWIND coalesce(r.source_ids, []) AS id MATCH (s:Source {{uid: id}}) RETURN s
    }}
    RETURN collect(DISTINCT labels(s)[0] + ':' + s.uid) AS ids
    """
    return core | set(driver.execute_query(query, core=sorted(core)).records[0]["ids"])


def induced_edges(driver: Driver, nodes: set[str]) -> int:
    query = f"""
    MATCH (x)-[r]->(y) WHERE {GID} IN $nodes AND labels(y)[0] + ':' + y.uid IN $nodes AND type(r) <> 'LOADED_BY'
    RETURN count(r) AS n
    """
    return int(driver.execute_query(query, nodes=sorted(nodes)).records[0]["n"])


def match_core(match: Match) -> set[str]:
    """What the issue says a match's explanation holds, from the engine's own answer."""
    core = {f"City:{match.follower.uid}", f"City:{match.lighthouse.uid}"}
    for shared in match.shared_challenges:
        core |= {f"Challenge:{shared.follower_challenge.uid}", f"Challenge:{shared.matched_challenge.uid}"}
        core |= {f"Project:{shared.via}"} if shared.attribution == "project" else set()
    core |= {f"ThematicField:{need.field.uid}" for need in match.met_needs}
    core |= {f"Solution:{s.uid}" for s in match.solutions}
    core |= {f"Organisation:{o.uid}" for s in match.solutions for o in s.organisations}
    core |= {f"Organisation:{o.uid}" for o in match.organisations}
    core |= {f"Source:{e.source}" for e in match.evidence}
    core |= {f"Project:{p}" for p in match.shared_projects} | {f"Network:{n}" for n in match.shared_networks}
    return core | {f"Driver:{d.uid}" for d in [*match.lighthouse_drivers, *match.follower_drivers]}


def expected_nodes(kb: Database, kind: str) -> tuple[set[str], int | None]:
    """The node ids a selection must hold, and (for Cypher) its edge count; by independent Cypher or the engine."""
    driver = kb.driver
    if kind == "whole":
        return gids(driver, f"MATCH (x) WHERE {DOMAIN} RETURN x"), None
    if kind == "around":
        return gids(driver, f"MATCH (:City {{uid: 'lyon'}})-[:{ALL_TYPES}*0..2]-(x) RETURN x"), None
    if kind in REACHES:
        query, uid = REACHES[kind]
        return with_sources(driver, gids(driver, query, uid=uid)), None
    engine = ReplicationEngine(kb)
    if kind == "match":
        found = [m for m in engine.matches_for(FOLLOWER).matches if m.lighthouse.uid == LIGHTHOUSE]
        return with_sources(driver, match_core(found[0])), None
    if kind == "candidates":
        answer = engine.candidates_for(SOLUTION, top=10)
        core = {f"Solution:{answer.solution.uid}"} | {f"Challenge:{c.uid}" for c in answer.addresses}
        core |= {f"City:{answer.lighthouse.uid}"} if answer.lighthouse else set()
        for match in answer.candidates:
            core |= match_core(match)
        return with_sources(driver, core), None
    faces = driver.execute_query("MATCH (:City)-[r:FACES]->(:Challenge) RETURN count(r) AS n").records[0]["n"]
    return gids(
        driver, "MATCH (c:City)-[:FACES]->(x:Challenge) RETURN x UNION MATCH (x:City)-[:FACES]->() RETURN x"
    ), faces


SELECTIONS: dict[str, Selection] = {
    "whole": Selection.whole(),
    "around": Selection.around("Lyon", hops=2),
    "project": Selection.of("project", "smarter-together"),
    "city": Selection.of("city", "lyon"),
    "network": Selection.of("network", "my-smart-city-district"),
    "field": Selection.of("field", "data-strategy-and-interoperability"),
    "match": Selection.of("match", f"{FOLLOWER}:{LIGHTHOUSE}"),
    "candidates": Selection.of("candidates", SOLUTION),
    "cypher": Selection.cypher(CYPHER),
}


@pytest.fixture(scope="module")
def exported(kb: Database) -> dict[str, Any]:
    return {kind: to_networkx(select(kb, chosen)) for kind, chosen in SELECTIONS.items()}


@pytest.mark.parametrize("kind", sorted(SELECTIONS))
def test_each_selection_holds_what_independent_cypher_counts(
    kind: str, kb: Database, exported: dict[str, Any]
) -> None:
    graph = exported[kind]
    nodes, edges = expected_nodes(kb, kind)
    assert set(graph.nodes) == nodes
    assert graph.number_of_nodes() == len(nodes) > 1
    assert graph.number_of_edges() == (edges if edges is not None else induced_edges(kb.driver, nodes))
    assert graph.graph["selection"] == SELECTIONS[kind].describe()
    assert graph.graph["kb_version"] and graph.graph["kb_version"].startswith("kb-")
    labels = {data["label"] for _, data in graph.nodes(data=True)}
    assert labels <= set(graph_model().labels)
    assert not any("embedding" in data for _, data in graph.nodes(data=True))


@pytest.mark.parametrize("file_format", sorted(READERS))
@pytest.mark.parametrize("kind", sorted(SELECTIONS))
def test_every_file_reads_back_to_the_same_typed_graph(
    kind: str, file_format: str, exported: dict[str, Any], tmp_path: Path
) -> None:
    graph = exported[kind]
    path = tmp_path / f"export.{file_format}"
    write(graph, file_format, path)  # type: ignore[arg-type]
    assert typed(READERS[file_format](path)) == typed(graph)


def test_the_match_explanation_carries_its_passages(kb: Database, exported: dict[str, Any]) -> None:
    graph = exported["match"]
    match = next(
        m for m in ReplicationEngine(kb).matches_for(FOLLOWER).matches if m.lighthouse.uid == LIGHTHOUSE
    )
    for shared in match.shared_challenges:
        holder = f"Project:{shared.via}" if shared.attribution == "project" else f"City:{FOLLOWER}"
        stated = graph.get_edge_data(holder, f"Challenge:{shared.follower_challenge.uid}", "FACES")
        assert stated is not None and len(stated["quotes"]) == len(stated["source_ids"]) >= 1
        assert all(f"Source:{uid}" in graph for uid in stated["source_ids"])
    assert any(k == "SOURCED_FROM" and d.get("quote") for _, _, k, d in graph.edges(keys=True, data=True))
    assert {s["uid"] for s in graph.graph["sources"]} >= {
        n.partition(":")[2] for n, d in graph.nodes(data=True) if d["label"] == "Source"
    }


def test_labels_and_types_narrow_a_neighbourhood(kb: Database) -> None:
    narrowed = to_networkx(
        select(kb, Selection.around("City:lyon", 2, labels=["City", "Project"], types=["PARTICIPATES_IN"]))
    )
    expected = gids(kb.driver, "MATCH (:City {uid: 'lyon'})-[:PARTICIPATES_IN*0..2]-(x) RETURN x")
    assert set(narrowed.nodes) == expected
    assert {k for _, _, k in narrowed.edges(keys=True)} == {"PARTICIPATES_IN"}


def test_embeddings_only_when_asked(kb: Database) -> None:
    graph = to_networkx(select(kb, Selection.of("city", "lyon", with_embeddings=True)))
    vectors = [d["embedding"] for _, d in graph.nodes(data=True) if d["label"] == "Challenge"]
    assert vectors and all(len(v) == 384 and isinstance(v[0], float) for v in vectors)


def test_an_unknown_or_ambiguous_name_is_a_clear_error(kb: Database) -> None:
    with pytest.raises(NotFoundError, match="no ThematicField has the id, name or alias 'atlantis'"):
        select(kb, Selection.of("field", "atlantis"))
    with pytest.raises(NotFoundError, match="no city is called 'atlantis'"):
        select(kb, Selection.of("match", "sofia:atlantis"))
    with pytest.raises(NotFoundError, match="no city is called 'atlantis'"):
        ReplicationEngine(kb).gaps("atlantis")  # the same lookup; it used to fail validating a null city
    kb.write("CREATE (:Project {uid: 'twin-p', name: 'Twin'}), (:Network {uid: 'twin-n', name: 'twin'})")
    try:
        with pytest.raises(
            InvalidInputError,
            match=r"'Twin' is ambiguous; use one of: Network:twin-n \(twin\), Project:twin-p",
        ):
            select(kb, Selection.around("Twin"))
        assert set(to_networkx(select(kb, Selection.around("Project:twin-p", 0))).nodes) == {"Project:twin-p"}
    finally:
        kb.write("MATCH (n) WHERE n.uid IN ['twin-p', 'twin-n'] DELETE n")


def test_the_node_cap_names_the_selection_and_its_size(kb: Database) -> None:
    size = len(gids(kb.driver, f"MATCH (x) WHERE {DOMAIN} RETURN x"))
    with pytest.raises(
        SelectionTooLargeError, match=rf"the whole graph has {size:,} nodes, more than the export cap of 50"
    ):
        select(kb, Selection.whole(), max_nodes=50)
    with pytest.raises(
        SelectionTooLargeError, match=r"2 hops around 'Lyon' has more nodes than the export cap of 5"
    ):
        select(kb, Selection.around("Lyon", 2), max_nodes=5)


WRITES = [
    "CREATE (x:City {uid: 'atlantis', name: 'Atlantis'}) RETURN x",
    "MERGE (x:City {uid: 'atlantis', name: 'Atlantis'}) RETURN x",
    "MATCH (x:City {uid: 'lyon'}) SET x.name = 'Lugdunum' RETURN x",
    "MATCH (x:City {uid: 'lyon'}) DETACH DELETE x",
    "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line",
    "CALL db.createLabel('Atlantis')",
    "MATCH (x:City) CALL (x) { SET x.hacked = true } RETURN x",
]


@pytest.mark.parametrize("query", WRITES)
def test_a_cypher_selection_that_would_write_is_refused_and_nothing_changes(kb: Database, query: str) -> None:
    before = graph_fingerprint(kb.driver)
    with pytest.raises(UnsafeQueryError, match="--cypher: only read queries"):
        select(kb, Selection.cypher(query))
    assert graph_fingerprint(kb.driver) == before


def test_the_server_refuses_a_write_even_past_the_plan_check(
    kb: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selection_module, "_check_read_only", lambda tx, query: None)
    before = graph_fingerprint(kb.driver)
    with pytest.raises(UnsafeQueryError, match="the server refused it as a write"):
        select(kb, Selection.cypher("MATCH (x:City {uid: 'lyon'}) SET x.name = 'Lugdunum' RETURN x"))
    assert graph_fingerprint(kb.driver) == before


@pytest.fixture
def cli_env(
    kb: Database, neo4j_connection: Neo4jConnection, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Path:
    point_at(monkeypatch, neo4j_connection, tmp_path)
    return tmp_path


def test_the_cli_writes_each_format_and_standard_output(cli_env: Path, exported: dict[str, Any]) -> None:
    result = runner.invoke(
        app, ["export", "--format", "gexf", "--project", "smarter-together", "-o", "st.gexf"]
    )
    assert result.exit_code == 0, result.output
    assert typed(read_gexf(cli_env / "st.gexf"))[:2] == typed(exported["project"])[:2]
    piped = runner.invoke(
        app, ["export", "-f", "node-link", "--match", f"{FOLLOWER}:{LIGHTHOUSE}", "-o", "-"]
    )
    assert piped.exit_code == 0, piped.output
    document = json.loads(piped.stdout)
    assert {n["id"] for n in document["nodes"]} == set(exported["match"].nodes)
    refused = runner.invoke(app, ["export", "--cypher", "MATCH (x) DETACH DELETE x", "-o", "x.graphml"])
    assert refused.exit_code == 2 and "only read queries" in refused.output
    both = runner.invoke(app, ["export", "--city", "lyon", "--project", "x", "-o", "x.graphml"])
    assert both.exit_code == 2 and "choose one selection" in both.output
    assert not (cli_env / "x.graphml").exists()


def test_the_notebook_entry_point_doctest_runs(kb: Database, neo4j_connection: Neo4jConnection) -> None:
    globs = {
        **vars(kg.export),
        "uri": neo4j_connection.uri,
        "user": neo4j_connection.user,
        "password": neo4j_connection.password,
    }
    finder, runner_ = doctest.DocTestFinder(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    modules = (kg.export, selection_module)
    tests = [t for m in modules for t in finder.find(m, m.__name__, globs=globs) if t.examples]
    for test in tests:
        runner_.run(test)
    results = runner_.summarize(verbose=False)
    assert results.attempted >= 5 and results.failed == 0


README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_research_example_runs(
    kb: Database,
    neo4j_connection: Neo4jConnection,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = README.read_text(encoding="utf-8")
    marker = "<!-- the block below runs in tests/integration/test_export.py -->\n```python\n"
    block = text[text.index(marker) + len(marker) :].split("```", 1)[0]
    point_at(monkeypatch, neo4j_connection)
    exec(compile(block, str(README), "exec"), {})  # the README's own example, as a reader runs it
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("kb-") and "nodes" in lines[0]
    ranked = [line.rsplit(maxsplit=1) for line in lines[1:]]
    assert len(ranked) == 5 and all(0.0 <= float(value) <= 1.0 for _, value in ranked)
    assert [float(v) for _, v in ranked] == sorted((float(v) for _, v in ranked), reverse=True)


# -- kg-json: export, then import into an empty database, reproduces the graph --------------------------------
# Left out of the comparison, as documented in README "For researchers": what differs between two equal imports
# (import-run ids, the importers' names, update stamps) and the knowledge-base version node, a digest of the
# import that made it. These tests empty the database, so they come last.

BOOKKEEPING = frozenset({"import_run_ids", "imported_by", "updated_at", "updated_by"})
DERIVED = "SIMILAR_TO"  # recomputed from the embeddings at import, not a stated fact


def domain_state(driver: Driver) -> list[Any]:
    return [entry for entry in graph_state(driver, BOOKKEEPING) if entry[0] != ["KGMeta"]]


@pytest.fixture(scope="module")
def originals(
    kb: Database, exported: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """kg-json files of the whole graph (with embeddings) and of each selection, written before the tests below
    empty the database; these tests come last in the module for that reason."""
    session_db = kb
    directory = tmp_path_factory.mktemp("kgjson")
    everything = directory / "everything.kg.json"
    write(to_networkx(select(session_db, Selection.whole(with_embeddings=True))), "kg-json", everything)
    found: dict[str, Any] = {"state": domain_state(session_db.driver), "everything": everything}
    for kind in SELECTIONS:
        graph = exported[kind].copy()
        graph.remove_edges_from([(u, v, k) for u, v, k in graph.edges(keys=True) if k == DERIVED])
        path = directory / f"{kind}.kg.json"
        write(graph, "kg-json", path)
        found[kind] = (graph, path)
    return found


def test_the_whole_graph_comes_back_property_for_property(
    session_db: Database, originals: dict[str, Any]
) -> None:
    wipe_database(session_db)
    report = import_kgjson(session_db, originals["everything"])
    assert not report.skipped
    similarities = refresh_similarities(session_db)
    state = domain_state(session_db.driver)
    assert similarities > 0
    assert len(state) == len(originals["state"])
    assert state == originals["state"]


@pytest.mark.parametrize("kind", sorted(SELECTIONS))
def test_each_selection_comes_back(kind: str, session_db: Database, originals: dict[str, Any]) -> None:
    graph, path = originals[kind]
    wipe_database(session_db)
    report = import_kgjson(session_db, path)
    assert not report.skipped
    back = to_networkx(select(session_db, Selection.whole()))
    assert back.number_of_nodes() == graph.number_of_nodes() > 1
    assert typed(back, BOOKKEEPING)[:2] == typed(graph, BOOKKEEPING)[:2]


def test_the_file_records_what_it_is(originals: dict[str, Any]) -> None:
    document = json.loads(Path(originals["everything"]).read_text(encoding="utf-8"))
    metadata = document["metadata"]
    assert metadata["selection"] == "the whole graph" and metadata["kb_version"].startswith("kb-")
    assert "Cite the documents listed in 'sources'" in metadata["citation"]
    sources = {n["uid"] for n in document["nodes"] if n["label"] == "Source"}
    assert {s["uid"] for s in metadata["sources"]} == sources
