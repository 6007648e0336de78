"""Ranking quality on the judged cases of tests/fixtures/replication_eval.yaml: precision@3, nDCG@3 and
exclusion@3, for tuned and held-out cases separately (kg.replication.evaluation defines them).

Imports the seed into its own throwaway Neo4j with the real embedding model, then asks every case's question.

    .venv/bin/python -m benchmarks.match_quality [--cases tests/fixtures/replication_eval.yaml] [--json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks.common import throwaway_neo4j
from importers.seed import import_seed
from kg.replication import ReplicationEngine, refresh_challenge_embeddings
from kg.replication.evaluation import QualityReport, engine_ranker, evaluate, load_cases

CASES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "replication_eval.yaml"


def print_report(report: QualityReport) -> None:
    width = max(len(case.id) for case in report.cases)
    print(f"  {'case':<{width}}  {'set':<8} {'p@3':>5} {'nDCG@3':>7} {'excl':>5}  top three")
    for case in report.cases:
        cells = [
            "-" if case.precision is None else f"{case.precision:.2f}",
            "-" if case.ndcg is None else f"{case.ndcg:.2f}",
            "-" if case.excluded is None else ("yes" if case.excluded else "NO"),
        ]
        kind = "held-out" if case.held_out else "tuned"
        print(
            f"  {case.id:<{width}}  {kind:<8} {cells[0]:>5} {cells[1]:>7} {cells[2]:>5}  {', '.join(case.top) or '-'}"
        )
    for held_out in (False, True):
        label = "held-out" if held_out else "tuned"
        figures = {name: report.figure(name, held_out) for name in ("precision", "ndcg", "excluded")}
        print(
            f"{label:>8}: precision@3 {figures['precision']}, nDCG@3 {figures['ndcg']}, "
            f"exclusion@3 {figures['excluded']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=Path, default=CASES)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args()
    cases = load_cases(args.cases)
    with throwaway_neo4j() as bench:
        import_seed(bench.db)
        refresh_challenge_embeddings(bench.db, bench.embedder)
        report = evaluate(cases, engine_ranker(ReplicationEngine(bench.db, bench.embedder)))
    if args.json:
        print(json.dumps(report.model_dump(), indent=2))
    else:
        print_report(report)


if __name__ == "__main__":
    main()
