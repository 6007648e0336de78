"""A selection as a NetworkX graph, and that graph as GraphML, GEXF, node-link JSON or kg-json — and back.

``to_networkx(subgraph)`` gives an ``nx.MultiDiGraph``: node ids are global ids (``"City:lyon"``), the node's
label is its ``label`` attribute, every exported property is an attribute with its Python type (``str``, ``int``,
``float``, ``bool``, ``list``, ``datetime.date``, ``datetime.datetime``), each relationship is an edge whose key
is its type (``"PARTICIPATES_IN"``) and whose data are its properties. ``G.graph`` holds the file metadata:
``kb_version``, ``selection``, ``exported_at``, ``sources`` (the documents it draws on), ``kg_version`` and
``citation``.

**How values GraphML and GEXF cannot hold are written** (one rule for both, documented in the README): a list is
its JSON array text (``'["Lyon", "Lyons"]'``), a date its ISO form (``"2017-10-02"``), a datetime its ISO 8601
form with offset (``"2017-10-02T09:30:00+00:00"``). The file's metadata names every attribute written that way,
per label and relationship type (``"encoded": {"node": {"City": {"aliases": "list"}}, "edge": {...}}``), and
``read_graphml`` / ``read_gexf`` turn them back into the same Python types. Node-link JSON keeps lists as JSON
arrays and encodes only dates and datetimes, the same way. The metadata itself is the graph attribute
``kg_metadata`` (JSON text) in GraphML, the ``<meta><description>`` in GEXF and ``"graph"`` in node-link JSON.

In GEXF the node's display label is its ``name`` (what Gephi shows) and the kg label travels as ``kg_label``; the
edge's display label is its type. ``read_gexf`` undoes both.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, Final, Literal

import networkx as nx
from networkx.readwrite.gexf import GEXFWriter

import kg
from kg.export.selection import Subgraph
from schema.kgjson import EDGE_TOP_LEVEL, FORMAT, VERSION, edge_properties, node_properties

Kind = Literal["list", "date", "datetime"]
Format = Literal["graphml", "gexf", "node-link", "kg-json"]
FORMATS: Final[tuple[Format, ...]] = ("graphml", "gexf", "node-link", "kg-json")
CONTENT_TYPES: Final[dict[Format, str]] = {
    "graphml": "application/graphml+xml",
    "gexf": "application/gexf+xml",
    "node-link": "application/json",
    "kg-json": "application/json",
}
SUFFIXES: Final[dict[Format, str]] = {
    "graphml": ".graphml",
    "gexf": ".gexf",
    "node-link": ".json",
    "kg-json": ".kg.json",
}
EDGES_KEY: Final = "edges"  # node-link JSON's edge list, named explicitly (networkx 3.4 changed the default)
METADATA_KEY: Final = "kg_metadata"
CITATION: Final = (
    "kg: a knowledge base of European smart cities, lighthouse projects, the barriers they face and the "
    "solutions that overcame them (version {kg_version}, knowledge base {kb_version}, exported {date}). "
    "Cite the documents listed in 'sources' for the facts you use: every fact carries its source and quote."
)
_GEXF_NS: Final = "{http://www.gexf.net/1.2draft}"


# -- NetworkX ---------------------------------------------------------------------------------------------------


def metadata(subgraph: Subgraph) -> dict[str, Any]:
    sources: dict[str, dict[str, Any]] = {}
    for node in subgraph.nodes:
        if node.label == "Source":
            props = node.properties
            entry = {"uid": props["uid"], "name": props.get("name")}
            sources[props["uid"]] = entry | {k: props[k] for k in ("url", "file_name") if props.get(k)}
    for edge in subgraph.edges:
        for uid in edge.properties.get("source_ids") or []:
            sources.setdefault(uid, {"uid": uid})
    kb_version = subgraph.kb_version
    return {
        "kb_version": kb_version,
        "selection": subgraph.selection.describe(),
        "selection_kind": subgraph.selection.kind.value,
        "exported_at": subgraph.exported_at.isoformat(timespec="seconds"),
        "kg_version": kg.__version__,
        "citation": CITATION.format(
            kg_version=kg.__version__, kb_version=kb_version, date=subgraph.exported_at.date().isoformat()
        ),
        "sources": [sources[uid] for uid in sorted(sources)],
    }


def to_networkx(subgraph: Subgraph) -> nx.MultiDiGraph:
    """The selection as a MultiDiGraph (see the module docstring for its shape)."""
    graph = nx.MultiDiGraph(**metadata(subgraph))
    for node in subgraph.nodes:
        graph.add_node(node.id, label=node.label, **node.properties)
    for edge in subgraph.edges:
        graph.add_edge(edge.start, edge.end, key=edge.type, **edge.properties)
    return graph


# -- value encoding ---------------------------------------------------------------------------------------------


def _kind(value: Any) -> Kind | None:
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    return None


def _encode(value: Any, kind: Kind) -> Any:
    if kind == "list":
        return json.dumps(list(value), ensure_ascii=False)
    return value.isoformat()


def _decode(value: Any, kind: str) -> Any:
    if not isinstance(value, str):
        return value
    if kind == "list":
        return json.loads(value)
    if kind == "datetime":
        return dt.datetime.fromisoformat(value)
    return dt.date.fromisoformat(value)


Table = dict[str, dict[str, dict[str, str]]]  # "node" | "edge" -> label or type -> attribute -> kind


def _encoded_data(group: str, owner: str, data: dict[str, Any], table: Table, lists: bool) -> dict[str, Any]:
    encoded: dict[str, Any] = {}
    for name, value in data.items():
        kind = _kind(value)
        if value is None or kind is None or (kind == "list" and not lists):
            if value is not None:
                encoded[name] = value
            continue
        table[group].setdefault(owner, {})[name] = kind
        encoded[name] = _encode(value, kind)
    return encoded


def encoded_copy(graph: nx.MultiDiGraph, lists: bool = True) -> tuple[nx.MultiDiGraph, Table]:
    """A copy of ``graph`` whose attribute values GraphML/GEXF can hold, and the table that says what changed."""
    table: Table = {"node": {}, "edge": {}}
    copy = nx.MultiDiGraph()
    for node, data in graph.nodes(data=True):
        copy.add_node(node, **_encoded_data("node", str(data.get("label")), data, table, lists))
    for start, end, key, data in graph.edges(keys=True, data=True):
        copy.add_edge(start, end, key=key, **_encoded_data("edge", str(key), data, table, lists))
    return copy, table


def decode_in_place(graph: nx.MultiDiGraph, table: Table) -> nx.MultiDiGraph:
    for _, data in graph.nodes(data=True):
        for name, kind in table.get("node", {}).get(str(data.get("label")), {}).items():
            if name in data:
                data[name] = _decode(data[name], kind)
    for _, _, key, data in graph.edges(keys=True, data=True):
        for name, kind in table.get("edge", {}).get(str(key), {}).items():
            if name in data:
                data[name] = _decode(data[name], kind)
    return graph


def _metadata_text(graph: nx.MultiDiGraph, table: Table) -> str:
    return json.dumps({**graph.graph, "encoded": table}, ensure_ascii=False, default=str)


def _restore_metadata(graph: nx.MultiDiGraph, text: str | None) -> nx.MultiDiGraph:
    found = json.loads(text) if text else {}
    table = found.pop("encoded", {"node": {}, "edge": {}})
    graph.graph.clear()
    graph.graph.update(found)
    return decode_in_place(graph, table)


# -- GraphML ----------------------------------------------------------------------------------------------------


def iter_graphml(graph: nx.MultiDiGraph) -> Iterator[str]:
    copy, table = encoded_copy(graph)
    copy.graph.update(
        {
            METADATA_KEY: _metadata_text(graph, table),
            **{k: str(graph.graph[k]) for k in ("kb_version", "selection", "citation") if k in graph.graph},
        }
    )
    yield "<?xml version='1.0' encoding='utf-8'?>\n"
    for line in nx.generate_graphml(copy, named_key_ids=True, edge_id_from_attribute=None):
        yield line + "\n"


def read_graphml(path: str | Path | IO[bytes]) -> nx.MultiDiGraph:
    """A GraphML file written by kg, with every value back in its Python type and the metadata in ``G.graph``."""
    read = nx.read_graphml(path, force_multigraph=True)
    graph = nx.MultiDiGraph(read)
    for _, _, data in graph.edges(data=True):
        data.pop("id", None)
    return _restore_metadata(graph, read.graph.get(METADATA_KEY))


# -- GEXF -------------------------------------------------------------------------------------------------------


def _gexf_ready(graph: nx.MultiDiGraph) -> tuple[nx.MultiDiGraph, Table]:
    copy, table = encoded_copy(graph)
    for node, data in copy.nodes(data=True):
        data["kg_label"] = data.pop("label", "")
        data["label"] = str(data.get("name", node))
    for _, _, key, data in copy.edges(keys=True, data=True):
        data["label"] = str(key)
    return copy, table


def iter_gexf(graph: nx.MultiDiGraph) -> Iterator[str]:
    copy, table = _gexf_ready(graph)
    writer = GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
    writer.add_graph(copy)
    meta = writer.xml.find("meta")
    if meta is not None:
        ET.SubElement(meta, "keywords").text = "kg, smart cities, lighthouse projects, replication"
        ET.SubElement(meta, "description").text = _metadata_text(graph, table)
    for line in str(writer).splitlines():
        yield line + "\n"


def read_gexf(path: str | Path) -> nx.MultiDiGraph:
    """A GEXF file written by kg, with every value back in its Python type and the metadata in ``G.graph``."""
    read = nx.read_gexf(path, node_type=str, relabel=False)
    graph = nx.MultiDiGraph()
    for node, data in read.nodes(data=True):
        attributes = {k: v for k, v in data.items() if k not in ("label", "kg_label")}
        graph.add_node(node, label=data.get("kg_label"), **attributes)
    # A file without parallel edges reads back as a DiGraph: the key comes from the label kg wrote, not the id.
    for start, end, data in read.edges(data=True):
        attributes = {k: v for k, v in data.items() if k not in ("id", "label")}
        graph.add_edge(start, end, key=data["label"], **attributes)
    description = ET.parse(path).getroot().find(f"{_GEXF_NS}meta/{_GEXF_NS}description")
    return _restore_metadata(graph, description.text if description is not None else None)


# -- node-link JSON ---------------------------------------------------------------------------------------------


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _node_link_parts(
    graph: nx.MultiDiGraph,
) -> tuple[dict[str, Any], Iterator[dict[str, Any]], Iterator[dict[str, Any]]]:
    copy, table = encoded_copy(graph, lists=False)
    header = {"directed": True, "multigraph": True, "graph": {**graph.graph, "encoded": table}}
    nodes = ({"id": node, **data} for node, data in copy.nodes(data=True))
    edges = (
        {"source": start, "target": end, "key": key, **data}
        for start, end, key, data in copy.edges(keys=True, data=True)
    )
    return header, nodes, edges


def node_link_data(graph: nx.MultiDiGraph) -> dict[str, Any]:
    """The node-link JSON document as a dict (what the GraphQL field ``exportGraph`` answers)."""
    header, nodes, edges = _node_link_parts(graph)
    return header | {"nodes": list(nodes), EDGES_KEY: list(edges)}


def iter_node_link(graph: nx.MultiDiGraph) -> Iterator[str]:
    """``nx.node_link_graph(json.load(f), edges="edges")`` reads it (kg's ``read_node_link`` also decodes dates)."""
    header, nodes, edges = _node_link_parts(graph)
    yield _json(header)[:-1]
    yield ',\n "nodes": ['
    for index, node in enumerate(nodes):
        yield ("," if index else "") + "\n  " + _json(node)
    yield f'\n ],\n "{EDGES_KEY}": ['
    for index, edge in enumerate(edges):
        yield ("," if index else "") + "\n  " + _json(edge)
    yield "\n ]\n}\n"


def read_node_link(path: str | Path) -> nx.MultiDiGraph:
    with Path(path).open(encoding="utf-8") as stream:
        data = json.load(stream)
    graph = nx.node_link_graph(data, directed=True, multigraph=True, edges=EDGES_KEY)
    return _restore_metadata(nx.MultiDiGraph(graph), json.dumps(data.get("graph", {})))


# -- kg-json ----------------------------------------------------------------------------------------------------


def _kgjson_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    return value


def _kgjson_node(graph: nx.MultiDiGraph, node: str, data: dict[str, Any]) -> dict[str, Any]:
    label = str(data["label"])
    allowed = node_properties(label)
    provenance = [
        {"source": end.partition(":")[2]}
        | {k: _kgjson_value(v) for k, v in sorted(edge.items()) if k != "import_run_ids"}
        for _, end, key, edge in graph.out_edges(node, keys=True, data=True)
        if key == "SOURCED_FROM"
    ]
    item: dict[str, Any] = {
        "label": label,
        "uid": data["uid"],
        "properties": {k: _kgjson_value(v) for k, v in data.items() if k in allowed},
    }
    return item | ({"provenance": provenance} if provenance else {})


def _kgjson_relationship(start: str, end: str, key: str, data: dict[str, Any]) -> dict[str, Any]:
    allowed = edge_properties(key)
    item: dict[str, Any] = {
        "type": key,
        "from": start,
        "to": end,
        "properties": {k: _kgjson_value(v) for k, v in data.items() if k in allowed},
    }
    return item | {k: data[k] for k in sorted(EDGE_TOP_LEVEL) if data.get(k) is not None}


def iter_kgjson(graph: nx.MultiDiGraph) -> Iterator[str]:
    """kg-json (``schema/kgjson.py``): ``kg import json FILE`` into an empty database reproduces the graph.

    SOURCED_FROM edges become each node's ``provenance``. SIMILAR_TO edges are left out: kg derives them from
    the embeddings, and ``kg import json`` recomputes them (from exported embeddings, ``--with-embeddings``, or
    with the installed model). Import runs and update stamps are never part of the format.
    """
    yield f'{{"format": "{FORMAT}", "version": {VERSION},\n "metadata": ' + _json(graph.graph)
    yield ',\n "nodes": ['
    for index, (node, data) in enumerate(graph.nodes(data=True)):
        yield ("," if index else "") + "\n  " + _json(_kgjson_node(graph, node, data))
    yield '\n ],\n "relationships": ['
    first = True
    for start, end, key, data in graph.edges(keys=True, data=True):
        if key in ("SOURCED_FROM", "SIMILAR_TO"):
            continue
        yield ("" if first else ",") + "\n  " + _json(_kgjson_relationship(start, end, key, data))
        first = False
    yield "\n ]\n}\n"


# -- one entry point per format ---------------------------------------------------------------------------------

_WRITERS = {"graphml": iter_graphml, "gexf": iter_gexf, "node-link": iter_node_link, "kg-json": iter_kgjson}


def iter_format(graph: nx.MultiDiGraph, file_format: Format) -> Iterator[str]:
    """The file, as text chunks (for streaming)."""
    return _WRITERS[file_format](graph)


def write(graph: nx.MultiDiGraph, file_format: Format, target: str | Path | IO[str]) -> int:
    """Write ``graph`` as ``file_format`` to a path or a text stream; returns the number of characters."""
    if isinstance(target, str | Path):
        with Path(target).open("w", encoding="utf-8") as stream:
            return _write_chunks(iter_format(graph, file_format), stream)
    return _write_chunks(iter_format(graph, file_format), target)


def _write_chunks(chunks: Iterable[str], stream: IO[str]) -> int:
    written = 0
    for chunk in chunks:
        written += stream.write(chunk)
    return written


def render(graph: nx.MultiDiGraph, file_format: Format) -> str:
    buffer = io.StringIO()
    write(graph, file_format, buffer)
    return buffer.getvalue()
