"""Import throughput of the CORDIS importer on a generated CORDIS-style file (the older single-file layout).

    python -m benchmarks.cordis_import --rows 100000 --batch-size 5000

Prints rows/s, nodes/s and relationships/s for the whole import (parse, validate, resolve, load, sync) on a
throwaway Neo4j, the time of each phase, and the process's peak memory (ru_maxrss).
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import tempfile
import time
from pathlib import Path

from benchmarks.common import throwaway_neo4j
from importers.cordis import cordis_plan
from importers.loader import LoadOptions, load

HEADER = [
    "rcn",
    "id",
    "acronym",
    "status",
    "programme",
    "topics",
    "frameworkProgramme",
    "title",
    "startDate",
    "endDate",
    "projectUrl",
    "objective",
    "totalCost",
    "ecMaxContribution",
    "call",
    "fundingScheme",
    "coordinator",
    "coordinatorCountry",
    "participants",
    "participantCountries",
    "subjects",
]
COUNTRIES = ["DE", "FR", "ES", "IT", "NL", "BE", "SE", "FI", "PL", "PT", "AT", "DK", "UK", "EL", "IE", "CZ"]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """``rows`` projects, each with a coordinator and 2-6 participants from a pool of rows/4 organisations."""
    rng = random.Random(seed)
    pool = [
        (f"ORGANISATION {i} {'GMBH' if i % 3 else 'UNIVERSITY'}", rng.choice(COUNTRIES))
        for i in range(rows // 4 + 10)
    ]
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, delimiter=";", quotechar='"', lineterminator="\r\n")
        writer.writerow(HEADER)
        for i in range(rows):
            partners = rng.sample(pool, rng.randint(3, 7))
            coordinator, rest = partners[0], partners[1:]
            topic = rng.choice(["SCC-01-2015", "LC-SC3-EE-1", "SFS-01", "ICT-10"])
            writer.writerow(
                [
                    i,
                    700000 + i,
                    f"PRJ{i}",
                    "SIGNED",
                    "H2020-EU.3.3.",
                    topic,
                    "H2020",
                    f"Project {i}; a title",
                    "2016-01-01",
                    "2019-12-31",
                    "",
                    "An objective.",
                    f"{rng.randint(1, 9)}000000,50",
                    "1000000",
                    "H2020-CALL",
                    "IA",
                    coordinator[0],
                    coordinator[1],
                    ";".join(n for n, _ in rest),
                    ";".join(c for _, c in rest),
                    "",
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, throwaway_neo4j() as bench:
        path = Path(tmp) / "cordis-generated.csv"
        generate(path, args.rows)
        options = LoadOptions(batch_size=args.batch_size, max_bytes=2 * 1024**3)
        started = time.perf_counter()
        plan = cordis_plan(bench.db, path, options)
        planned = time.perf_counter()
        report = load(bench.db, plan, options)
        ended = time.perf_counter()
        nodes = sum(report.nodes_created.values()) + sum(report.nodes_matched.values())
        rels = sum(report.relationships_created.values()) + sum(report.relationships_matched.values())
        total = ended - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"file: {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB; batch size {args.batch_size}")
        print(f"parse + validate + resolve: {planned - started:.1f} s; load + sync: {ended - planned:.1f} s")
        print(
            f"nodes written: {nodes:,}; relationships written: {rels:,} (incl. SOURCED_FROM); skipped: {len(report.skipped)}"
        )
        print(
            f"throughput: {args.rows / total:,.0f} rows/s, {nodes / total:,.0f} nodes/s, {rels / total:,.0f} relationships/s"
        )
        print(f"peak memory (this process, ru_maxrss): {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
