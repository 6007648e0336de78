"""Import throughput: kg's loader against the naive neomodel loader, on the same generated rows.

    .venv/bin/python -m benchmarks.import_throughput [--scales S M] [--batch-sizes 100 1000 10000 50000] [--json]
    .venv/bin/python -m benchmarks.import_throughput --scales M --no-naive --batch-scale M \
        --batch-sizes 1000 10000 1000 10000        # batch sizes on the M file, interleaved and repeated

The rows are `benchmarks.generate`'s kg-json. kg's side is ``import_kgjson`` (parse, validate, batched
``UNWIND $rows ... MERGE``, provenance and run records included). The naive side is the obvious code a neomodel
user writes, on the S file (about 10^4 rows), compared per row::

    for node in nodes:
        Model(uid=node["uid"], **node["properties"]).save()
    for rel in relationships:
        a = Start.nodes.get(uid=...); b = End.nodes.get(uid=...)
        getattr(a, manager).connect(b, {"source_ids": ..., "quotes": ..., **rel["properties"]})

Each run starts from an empty database with kg's constraints. Prints rows/s, nodes/s and relationships/s, the
ratios, and the loader's time per batch size. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ijson
from neomodel import db as neomodel_db

from benchmarks.common import throwaway_neo4j
from benchmarks.generate import SyntheticKnowledgeBase, write_kgjson
from importers.kgjson import import_kgjson
from importers.loader import DEFAULT_BATCH_SIZE, LoadOptions
from kg.core.database import Database
from queries.admin import DELETE_BATCH_SIZE, DELETE_NODES_BATCH, wipe_database
from schema import apply_schema
from schema import models as graph_models


def _records(path: Path, key: str) -> Iterator[dict[str, Any]]:
    document = json.loads(path.read_text())
    yield from document[key]


def _model(label: str) -> Any:
    return getattr(graph_models, label)


def _managers() -> dict[tuple[str, str], str]:
    """(start label, relationship type) -> the neomodel manager a user would call ``connect`` on."""
    found: dict[tuple[str, str], str] = {}
    for label in (
        "City",
        "Project",
        "Organisation",
        "Challenge",
        "Solution",
        "Network",
        "ThematicField",
        "Source",
    ):
        model = _model(label)
        for name, definition in model.defined_properties(aliases=False, properties=False, rels=True).items():
            if definition.definition.get("direction") == 1:  # outgoing (RelationshipTo)
                found.setdefault((label, definition.definition["relation_type"]), name)
    return found


NAIVE_ROWS = 10_000


def naive_load(db: Database, path: Path, max_rows: int = NAIVE_ROWS) -> tuple[float, float, int, int]:
    """Seconds for the nodes and for the relationships, and how many of each, the neomodel way: every node, then
    relationships until ``max_rows`` rows in all (the issue's 10^4-row sample; compared per row)."""
    neomodel_db.set_connection(driver=db.driver)
    start = time.perf_counter()
    nodes = 0
    for node in _records(path, "nodes"):
        properties = {k: v for k, v in node["properties"].items() if k != "embedding"}
        _model(node["label"])(uid=node["uid"], **properties).save()
        nodes += 1
    nodes_s = time.perf_counter() - start
    managers, relationships = _managers(), 0
    start = time.perf_counter()
    for rel in _records(path, "relationships"):
        if nodes + relationships >= max_rows:
            break
        (start_label, start_uid), (end_label, end_uid) = (
            ref.split(":", 1) for ref in (rel["from"], rel["to"])
        )
        a = _model(start_label).nodes.get(uid=start_uid)
        b = _model(end_label).nodes.get(uid=end_uid)
        props = {"source_ids": rel["source_ids"], "quotes": rel["quotes"], **rel["properties"]}
        getattr(a, managers[(start_label, rel["type"])]).connect(b, props)
        relationships += 1
    return nodes_s, time.perf_counter() - start, nodes, relationships


class PhaseClock:
    """The loader's progress (rows written, batch by batch) as the time each writing phase ended."""

    def __init__(self, phase_rows: list[tuple[str, int]]) -> None:
        self.phase_rows = phase_rows  # (phase, rows) in the loader's order
        self.started = 0.0
        self.done = 0
        self.ended: dict[str, float] = {}

    def start(self, total: int, description: str) -> None:
        self.started = time.perf_counter()

    def advance(self, rows: int) -> None:
        self.done += rows
        boundary = 0
        for phase, count in self.phase_rows:
            boundary += count
            if self.done >= boundary and phase not in self.ended:
                self.ended[phase] = time.perf_counter()

    def seconds(self) -> dict[str, float]:
        spans, previous = {}, self.started
        for phase, _ in self.phase_rows:
            end = self.ended.get(phase, previous)
            spans[phase], previous = end - previous, end
        return spans


def phase_rows(path: Path) -> list[tuple[str, int]]:
    """How many rows each writing phase of ``path`` has (nodes, provenance, relationships)."""
    nodes = provenance = relationships = 0
    with path.open("rb") as stream:
        for node in ijson.items(stream, "nodes.item"):
            nodes += 1
            provenance += len(node.get("provenance") or [])
    with path.open("rb") as stream:
        relationships = sum(1 for _ in ijson.items(stream, "relationships.item"))
    return [("nodes", nodes), ("provenance", provenance), ("relationships", relationships)]


@dataclass(frozen=True)
class KgLoad:
    seconds: float  # the whole import: plan, checks, run record, batches, sync
    nodes: int
    relationships: int  # created, provenance links included
    nodes_s: float  # the node batches' writing phase
    relationships_s: float  # the provenance and relationship batches' phases


def kg_load(db: Database, path: Path, batch_size: int) -> KgLoad:
    clock = PhaseClock(phase_rows(path))
    start = time.perf_counter()
    report = import_kgjson(db, path, LoadOptions(batch_size=batch_size), clock)
    seconds = time.perf_counter() - start
    phases = clock.seconds()
    return KgLoad(
        seconds,
        sum(report.nodes_created.values()),
        sum(report.relationships_created.values()),
        phases["nodes"],
        phases["provenance"] + phases["relationships"],
    )


def empty(db: Database) -> None:
    """A fresh database: data, constraints and indexes dropped, kg's schema applied again (this also empties
    the server's plan cache, so the next import plans each of its statements anew)."""
    wipe_database(db)
    apply_schema(db)


def clear_data(db: Database) -> None:
    """Every node and relationship deleted, kg's schema and the server's plan cache kept."""
    while int(db.write(DELETE_NODES_BATCH, batch=DELETE_BATCH_SIZE)[0]["deleted"]) == DELETE_BATCH_SIZE:
        pass


def compare_with_naive(db: Database, sample: Path, batch_sizes: Iterable[int]) -> dict[str, Any]:
    """kg's loader and the naive neomodel loader (on the first ``NAIVE_ROWS`` of them) on the same rows, per row,
    both with their statements planned (the first kg import, the cold figure, plans each distinct statement
    once: ~0.3 s each on this machine, which at 10^4 rows is most of its time); then kg at each batch size. kg's rates are its writing phases'
    (``PhaseClock``); its whole import, checks, run record and sync included, is ``import.sample.seconds``."""
    empty(db)
    cold = kg_load(db, sample, DEFAULT_BATCH_SIZE)
    clear_data(db)
    naive_nodes_s, naive_rels_s, n_nodes, n_rels = naive_load(db, sample)
    clear_data(db)
    warm = kg_load(db, sample, DEFAULT_BATCH_SIZE)
    naive_node_rate, naive_rel_rate = n_nodes / naive_nodes_s, n_rels / naive_rels_s
    kg_node_rate, kg_rel_rate = warm.nodes / warm.nodes_s, warm.relationships / warm.relationships_s
    figures: dict[str, Any] = {
        "import.naive.nodes": n_nodes,
        "import.naive.rels": n_rels,
        "import.naive.seconds": round(naive_nodes_s + naive_rels_s, 2),
        "import.naive.nodes_per_s": round(naive_node_rate, 1),
        "import.naive.rels_per_s": round(naive_rel_rate, 1),
        "import.sample.cold_seconds": round(cold.seconds, 2),
        "import.sample.seconds": round(warm.seconds, 2),
        "import.sample.nodes_per_s": round(kg_node_rate, 1),
        "import.sample.rels_per_s": round(kg_rel_rate, 1),
        "import.sample.ratio_nodes_vs_neomodel": round(kg_node_rate / naive_node_rate, 1),
        "import.sample.ratio_rels_vs_neomodel": round(kg_rel_rate / naive_rel_rate, 1),
        "import.sample.ratio_whole_vs_neomodel": round((naive_nodes_s + naive_rels_s) / warm.seconds, 1),
    }
    for batch in batch_sizes:
        clear_data(db)
        figures[f"import.batch_{batch}.seconds"] = round(kg_load(db, sample, batch).seconds, 2)
    return figures


def batch_sensitivity(db: Database, written: Path, scale: str, batch_sizes: Iterable[int]) -> dict[str, Any]:
    """kg's loader on one file at each batch size, in the order given (repeat sizes to see the spread): per
    size, the list of whole-import seconds and of the writing phases' nodes/s and relationships/s."""
    kg_load(db, written, DEFAULT_BATCH_SIZE)  # every statement planned before the first timed run
    figures: dict[str, list[float]] = {}
    for batch in batch_sizes:
        clear_data(db)
        run = kg_load(db, written, batch)
        for name, value in (
            ("seconds", run.seconds),
            ("nodes_per_s", run.nodes / run.nodes_s),
            ("rels_per_s", run.relationships / run.relationships_s),
        ):
            figures.setdefault(f"import.batch_{batch}.{scale}.{name}", []).append(round(value, 1))
    return dict(figures)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scales", nargs="+", default=["S", "M"], help="kg's loader on these scales (default S M)"
    )
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[100, 1_000, 10_000, 50_000])
    parser.add_argument(
        "--batch-scale",
        choices=["S", "M", "L"],
        help="time the batch sizes on this scale's whole file (default: the naive side's S sample)",
    )
    parser.add_argument("--no-naive", action="store_true", help="skip the naive neomodel loader (3 min at S)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args()
    if args.batch_scale and args.batch_scale not in args.scales:
        parser.error(f"--batch-scale {args.batch_scale} needs that scale in --scales")
    figures: dict[str, Any] = {}
    with throwaway_neo4j() as env, tempfile.TemporaryDirectory() as scratch:
        files = {
            s: write_kgjson(SyntheticKnowledgeBase(s, 1), Path(scratch) / f"{s}.kg.json") for s in args.scales
        }
        sample = files.get("S") or write_kgjson(SyntheticKnowledgeBase("S", 1), Path(scratch) / "S.kg.json")
        if not args.no_naive:
            sizes = [] if args.batch_scale else args.batch_sizes
            figures |= compare_with_naive(env.db, sample.path, sizes)
        else:
            empty(env.db)
        if args.batch_scale:
            figures |= batch_sensitivity(
                env.db, files[args.batch_scale].path, args.batch_scale, args.batch_sizes
            )
        for scale, written in files.items():
            clear_data(env.db)
            run = kg_load(env.db, written.path, DEFAULT_BATCH_SIZE)
            rows = written.nodes + written.relationships + written.provenance
            figures |= {
                f"import.{scale}.seconds": round(run.seconds, 2),
                f"import.{scale}.rows_per_s": round(rows / run.seconds, 1),
                f"import.{scale}.nodes_per_s": round(run.nodes / run.nodes_s, 1),
                f"import.{scale}.rels_per_s": round(run.relationships / run.relationships_s, 1),
            }
        largest = args.scales[-1]
        figures["import.rels_per_s"] = figures[f"import.{largest}.rels_per_s"]
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    for name, value in figures.items():
        shown = ", ".join(f"{v:,}" for v in value) if isinstance(value, list) else f"{value:>12,}"
        print(f"{name:40} {shown}")


if __name__ == "__main__":
    main()
