"""The export's files without a server: every Python type survives GraphML, GEXF and node-link JSON, kg-json is
valid against its JSON Schema, and a selection refuses what it cannot mean."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from kg.core.errors import InvalidInputError
from kg.export import (
    Selection,
    SelectionKind,
    SelectionRequest,
    Subgraph,
    read_gexf,
    read_graphml,
    read_node_link,
    to_networkx,
    write,
)
from kg.export.graphs import EDGES_KEY
from kg.export.selection import ExportEdge, ExportNode
from schema.kgjson import SCHEMA_PATH
from tests.graph_compare import typed

READERS = {"graphml": read_graphml, "gexf": read_gexf, "node-link": read_node_link}
UTC = dt.UTC
STAMP = dt.datetime(2026, 11, 30, 12, 0, 5, tzinfo=UTC)


def sample() -> Subgraph:
    nodes = [
        ExportNode(
            "City:lyon",
            "City",
            {
                "uid": "lyon",
                "name": 'Lyon <&> "Lugdunum"',
                "aliases": ["Lyons", "Lió"],
                "population": 522_250,
                "latitude": 45.76,
                "updated_at": STAMP,
            },
        ),
        ExportNode(
            "Project:smarter-together",
            "Project",
            {
                "uid": "smarter-together",
                "name": "SMARTER TOGETHER",
                "aliases": [],
                "start_date": dt.date(2016, 2, 1),
            },
        ),
        ExportNode(
            "Source:doc-a",
            "Source",
            {"uid": "doc-a", "name": "D.2.1.1", "kind": "document", "published": dt.date(2017, 10, 2)},
        ),
    ]
    edges = [
        ExportEdge(
            "City:lyon",
            "Project:smarter-together",
            "PARTICIPATES_IN",
            {
                "role": "lighthouse",
                "former": False,
                "confidence": 1.0,
                "source_ids": ["doc-a"],
                "quotes": ["the Lighthouse Cities Lyon and Munich"],
                "as_of": dt.date(2017, 1, 1),
            },
        ),
        ExportEdge("City:lyon", "Source:doc-a", "SOURCED_FROM", {"quote": "Lyon", "confidence": 0.9}),
        ExportEdge(
            "City:lyon", "Project:smarter-together", "MEMBER_OF", {"source_ids": ["doc-a"], "quotes": [""]}
        ),
    ]
    return Subgraph(Selection.whole(), nodes, edges, "kb-123", STAMP)


@pytest.mark.parametrize("file_format", sorted(READERS))
def test_every_type_survives_the_file(file_format: str, tmp_path: Path) -> None:
    graph = to_networkx(sample())
    path = tmp_path / f"g.{file_format}"
    write(graph, file_format, path)  # type: ignore[arg-type]
    back = READERS[file_format](path)
    assert typed(back) == typed(graph)
    assert back.nodes["City:lyon"]["updated_at"].tzinfo is not None
    assert back.graph["kb_version"] == "kb-123"
    assert [s["uid"] for s in back.graph["sources"]] == ["doc-a"]


def test_node_link_names_its_edge_list_and_networkx_reads_it(tmp_path: Path) -> None:
    graph = to_networkx(sample())
    path = tmp_path / "g.json"
    write(graph, "node-link", path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert EDGES_KEY in data and "links" not in data
    plain = nx.node_link_graph(data, edges=EDGES_KEY)
    assert plain.number_of_edges() == 3
    assert data["graph"]["encoded"]["node"]["City"] == {"updated_at": "datetime"}
    assert plain.nodes["City:lyon"]["aliases"] == ["Lyons", "Lió"]  # lists stay JSON arrays


def test_graphml_and_gexf_say_how_values_were_written(tmp_path: Path) -> None:
    graph = to_networkx(sample())
    write(graph, "graphml", tmp_path / "g.graphml")
    plain = nx.read_graphml(tmp_path / "g.graphml")
    assert plain.nodes["City:lyon"]["aliases"] == '["Lyons", "Lió"]'
    metadata = json.loads(plain.graph["kg_metadata"])
    assert metadata["encoded"]["node"]["City"] == {"aliases": "list", "updated_at": "datetime"}
    assert "Cite the documents" in plain.graph["citation"]
    write(graph, "gexf", tmp_path / "g.gexf")
    gephi = nx.read_gexf(tmp_path / "g.gexf")
    assert gephi.nodes["City:lyon"]["label"] == 'Lyon <&> "Lugdunum"'  # Gephi shows the name
    assert gephi.nodes["City:lyon"]["kg_label"] == "City"


def test_kg_json_is_valid_against_its_schema_and_folds_provenance(tmp_path: Path) -> None:
    graph = to_networkx(sample())
    path = tmp_path / "g.kg.json"
    write(graph, "kg-json", path)
    document = json.loads(path.read_text(encoding="utf-8"))
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    errors = list(Draft202012Validator(schema).iter_errors(document))
    assert errors == []
    lyon = next(n for n in document["nodes"] if n["uid"] == "lyon")
    assert lyon["provenance"] == [{"source": "doc-a", "quote": "Lyon", "confidence": 0.9}]
    assert "updated_at" not in lyon["properties"]
    assert {r["type"] for r in document["relationships"]} == {"PARTICIPATES_IN", "MEMBER_OF"}
    project = next(n for n in document["nodes"] if n["uid"] == "smarter-together")
    assert project["properties"]["start_date"] == {"$date": "2016-02-01"}
    assert document["metadata"]["kb_version"] == "kb-123"


xml_text = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cs", "Co", "Cn"), blacklist_characters="\ufffe\uffff"
    ),
    max_size=30,
)
values = st.one_of(
    xml_text,
    st.integers(min_value=-(2**62), max_value=2**62),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.booleans(),
    st.lists(xml_text, max_size=4),
    st.dates(),
    st.datetimes(timezones=st.just(UTC)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(properties=st.dictionaries(st.from_regex(r"[a-z][a-z_]{0,12}", fullmatch=True), values, max_size=6))
def test_random_properties_survive_every_file(properties: dict[str, Any], tmp_path: Path) -> None:
    properties = {k: v for k, v in properties.items() if k not in ("label", "uid", "name", "id")}
    node = ExportNode("City:x", "City", {"uid": "x", "name": "X", **properties})
    other = ExportNode("Project:y", "Project", {"uid": "y", "name": "Y"})
    edge = ExportEdge("City:x", "Project:y", "PARTICIPATES_IN", dict(properties))
    graph = to_networkx(Subgraph(Selection.whole(), [node, other], [edge], None, STAMP))
    for file_format, reader in READERS.items():
        path = tmp_path / f"r.{file_format}"
        write(graph, file_format, path)  # type: ignore[arg-type]
        assert typed(reader(path)) == typed(graph), file_format


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"project": "a", "city": "b"}, "choose one selection, not city and project"),
        ({"around": "lyon", "hops": 11}, "hops must be between 0 and 10"),
        ({"labels": ["Town"]}, "labels: unknown Town"),
        ({"types": ["LIKES"]}, "types: unknown LIKES"),
        ({"match": "sofia"}, "match takes FOLLOWER:LIGHTHOUSE"),
        ({"project": "  "}, "a project selection needs a name or id"),
        ({"projekt": "x"}, "projekt: Extra inputs are not permitted"),
        ({"city": "x" * 201}, "city: String should have at most 200 characters"),
    ],
)
def test_a_selection_refuses_what_it_cannot_mean(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        SelectionRequest.parse(**arguments).selection()


def test_descriptions_name_the_selection() -> None:
    assert SelectionRequest.parse().selection().kind is SelectionKind.WHOLE
    assert SelectionRequest.parse(labels=["City,Project", "Source"]).selection().labels == (
        "City",
        "Project",
        "Source",
    )
    assert SelectionRequest.parse(match="sofia:munich").selection().describe() == "the match 'sofia:munich'"
    assert (
        SelectionRequest.parse(around="Lyon", hops=2, types=["FACES"]).selection().describe()
        == "2 hops around 'Lyon' (types FACES)"
    )
