"""Export time and file size per format: the seed-plus-programme graph and a synthetic one of ~100,000 relationships.

    python -m benchmarks.export_formats [--cities 9700] [--samples 3]

On a throwaway Neo4j (never .kg/ data). For each graph: reading the selection from Neo4j (``select``), building
the NetworkX graph (``to_networkx``) and writing each format, as the median of ``--samples`` runs, with the
file's size; then the same for a 2-hop neighbourhood. Figures, not pass/fail: timed goals live here, not in tests.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from benchmarks.common import throwaway_neo4j
from benchmarks.synthetic import generate
from importers.programme import import_programme
from importers.seed import import_seed
from kg.core.database import Database
from kg.export import FORMATS, SUFFIXES, Selection, select, to_networkx, write
from kg.replication import refresh_challenge_embeddings, refresh_similarities
from queries.admin import wipe_database
from schema.constraints import apply_schema

T = TypeVar("T")


def median_ms(call: Callable[[], T], samples: int) -> tuple[float, T]:
    durations, result = [], None
    for _ in range(samples):
        start = time.perf_counter()
        result = call()
        durations.append((time.perf_counter() - start) * 1000)
    assert result is not None
    return statistics.median(durations), result


def report(db: Database, name: str, selection: Selection, samples: int, directory: Path) -> None:
    read_ms, subgraph = median_ms(lambda: select(db, selection, max_nodes=10_000_000), samples)
    build_ms, graph = median_ms(lambda: to_networkx(subgraph), samples)
    print(
        f"\n{name} — {selection.describe()}: {graph.number_of_nodes():,} nodes, "
        f"{graph.number_of_edges():,} relationships; read {read_ms:,.0f} ms, to_networkx {build_ms:,.0f} ms"
    )
    print(f"  {'format':<10} {'write ms':>9} {'total ms':>9} {'size':>12}")
    for file_format in FORMATS:
        path = directory / f"{name}{SUFFIXES[file_format]}"
        write_ms, _ = median_ms(lambda: write(graph, file_format, path), samples)  # noqa: B023
        total = read_ms + build_ms + write_ms
        print(f"  {file_format:<10} {write_ms:>9,.0f} {total:>9,.0f} {path.stat().st_size / 1e6:>9.2f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--cities", type=int, default=9_700, help="synthetic cities (~10.3 relationships each)"
    )
    parser.add_argument("--samples", type=int, default=3)
    args = parser.parse_args()
    with throwaway_neo4j() as bench, tempfile.TemporaryDirectory(prefix="kg-export-") as scratch:
        directory = Path(scratch)
        import_seed(bench.db)
        import_programme(bench.db)
        refresh_challenge_embeddings(bench.db, bench.embedder)
        report(bench.db, "seed-programme", Selection.whole(), args.samples, directory)
        report(bench.db, "seed-programme-lyon", Selection.around("Lyon", 2), args.samples, directory)
        wipe_database(bench.db)
        apply_schema(bench.db)
        synthetic = generate(bench.db, cities=args.cities)
        refresh_similarities(bench.db)
        print(
            f"\nsynthetic graph: {synthetic.cities:,} cities, {synthetic.relationships:,} relationships generated"
        )
        report(bench.db, "synthetic", Selection.whole(), args.samples, directory)
        report(bench.db, "synthetic-c0", Selection.around("c0", 2), args.samples, directory)


if __name__ == "__main__":
    main()
