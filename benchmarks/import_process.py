"""One kg-json import in a process of its own, so that its peak memory is the importer's alone.

    .venv/bin/python -m benchmarks.import_process FILE [--batch-size 1000]

Connects with the NEO4J_* environment (``benchmarks.suite`` passes its throwaway server's), runs
``import_kgjson`` and prints one JSON line: seconds, nodes and relationships created, rows read. The caller reads
the peak resident set size from ``os.wait4``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from importers.kgjson import import_kgjson
from importers.loader import LoadOptions
from kg.core.database import Database
from kg.core.settings import Settings
from kg.provisioning.choice import current_connection


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--batch-size", type=int, default=1_000)
    args = parser.parse_args()
    with Database.connect(current_connection(Settings()), timeout_s=3_600) as db:
        start = time.perf_counter()
        report = import_kgjson(db, args.file, LoadOptions(batch_size=args.batch_size))
        seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "seconds": seconds,
                "nodes": sum(report.nodes_created.values()),
                "relationships": sum(report.relationships_created.values()),
            }
        )
    )


if __name__ == "__main__":
    main()
