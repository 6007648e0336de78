"""kg-json export, then import into an empty database, reproduces the graph: for the whole seed-plus-programme
graph (every domain property hashed, embeddings and their similarities included) and for each selection kind.

Left out of the comparison, as documented in README "For researchers": what differs between two equal imports
(import-run ids, the importers' names, update stamps) and the knowledge-base version node, which is a digest of
the import that made it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

from importers.kgjson import import_kgjson
from importers.programme import import_programme
from importers.seed import import_seed
from kg.core.database import Database
from kg.embeddings import SentenceEmbedder
from kg.export import Selection, select, to_networkx, write
from kg.replication import refresh_challenge_embeddings, refresh_similarities
from queries.admin import wipe_database
from tests.conftest import seed_documents_dir
from tests.graph_compare import typed
from tests.integration.graph_state import graph_state
from tests.integration.test_export import SELECTIONS

BOOKKEEPING = frozenset({"import_run_ids", "imported_by", "updated_at", "updated_by"})
DERIVED = "SIMILAR_TO"  # recomputed from the embeddings at import, not a stated fact


def domain_state(driver: Driver) -> list[Any]:
    return [entry for entry in graph_state(driver, BOOKKEEPING) if entry[0] != ["KGMeta"]]


@pytest.fixture(scope="module")
def originals(
    session_db: Database, embedder: SentenceEmbedder, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    wipe_database(session_db)
    import_seed(session_db, documents_dir=seed_documents_dir())
    import_programme(session_db)
    refresh_challenge_embeddings(session_db, embedder)
    directory = tmp_path_factory.mktemp("kgjson")
    everything = directory / "everything.kg.json"
    write(to_networkx(select(session_db, Selection.whole(with_embeddings=True))), "kg-json", everything)
    found: dict[str, Any] = {"state": domain_state(session_db.driver), "everything": everything}
    for kind, chosen in SELECTIONS.items():
        graph = to_networkx(select(session_db, chosen))
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
