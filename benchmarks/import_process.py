"""One kg-json import in a process of its own, so that its peak memory is the importer's alone.

    .venv/bin/python -m benchmarks.import_process FILE [--batch-size 10000]

Connects with the NEO4J_* environment (``benchmarks.suite`` passes its throwaway server's), runs
``import_kgjson`` and prints one JSON line: the whole import's seconds, nodes and relationships created, and the
seconds of its writing phases (the loader writes nodes, then provenance, then relationships, in batches; the
progress it reports after each batch dates each phase's end). The caller reads the peak resident set size from
``os.wait4``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from benchmarks.import_throughput import PhaseClock, phase_rows
from importers.kgjson import import_kgjson
from importers.loader import DEFAULT_BATCH_SIZE, LoadOptions
from kg.core.database import Database
from kg.core.settings import Settings
from kg.provisioning.choice import current_connection


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="default the loader's")
    parser.add_argument(
        "--max-bytes", type=int, default=4 * 1024**3, help="the L file is ~315 MB (default 4 GiB)"
    )
    args = parser.parse_args()
    with Database.connect(current_connection(Settings()), timeout_s=3_600) as db:
        clock = PhaseClock(phase_rows(args.file))
        start = time.perf_counter()
        options = LoadOptions(batch_size=args.batch_size, max_bytes=args.max_bytes)
        report = import_kgjson(db, args.file, options, clock)
        seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "seconds": seconds,
                "nodes": sum(report.nodes_created.values()),
                "relationships": sum(report.relationships_created.values()),
                "provenance": report.relationships_created.get("SOURCED_FROM", 0),
                "phases": clock.seconds(),
                "rows": dict(clock.phase_rows),
            }
        )
    )


if __name__ == "__main__":
    main()
