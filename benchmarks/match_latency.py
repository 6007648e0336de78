"""Replication match latency on the seed graph and on a synthetic graph (10,000 cities, ~100,000 relationships).

Runs against its own throwaway local Neo4j (a temporary folder, a free port) and prints p50/p95 per query and
the synthetic/seed ratio. Not a test: nothing here asserts a time.

    .venv/bin/python -m benchmarks.match_latency [--cities 10000] [--samples 30]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from benchmarks.common import throwaway_neo4j, timed
from benchmarks.synthetic import generate
from importers.seed import import_seed
from kg.core.database import Database
from kg.embeddings import SentenceEmbedder
from kg.replication import ReplicationEngine, refresh_challenge_embeddings
from queries.admin import wipe_database
from schema import apply_schema


def summary(name: str, durations: list[float]) -> float:
    ordered = sorted(durations)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(f"  {name:<42} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms   (n={len(ordered)})")
    return p50


def bench_seed(db: Database, embedder: SentenceEmbedder, samples: int) -> float:
    wipe_database(db)
    import_seed(db)
    refresh_challenge_embeddings(db, embedder)
    engine = ReplicationEngine(db, embedder=embedder)
    followers = engine.followers()
    print(f"seed graph: {len(followers)} followers")
    rng = random.Random(1)
    p50 = summary("match one follower", timed(lambda: engine.matches_for(rng.choice(followers)), samples))
    summary("match all followers", timed(engine.matches_for_all, max(samples // 5, 3)))
    summary(
        "free-text barrier (embed + match)",
        timed(lambda: engine.matches_for_barriers(["residents are not interested"]), samples),
    )
    summary("shared challenges", timed(engine.shared_challenges, samples))
    summary("gaps", timed(engine.gaps, max(samples // 5, 3)))
    return p50


def bench_synthetic(db: Database, cities: int, samples: int) -> float:
    wipe_database(db)
    apply_schema(db)
    start = time.perf_counter()
    graph = generate(db, cities=cities)
    print(
        f"synthetic graph: {graph.cities:,} cities, {graph.relationships:,} relationships, "
        f"{len(graph.followers):,} followers (generated in {time.perf_counter() - start:.1f} s)"
    )
    engine = ReplicationEngine(db)
    rng = random.Random(1)
    return summary(
        "match one follower", timed(lambda: engine.matches_for(rng.choice(graph.followers)), samples)
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cities", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=30)
    args = parser.parse_args()
    with throwaway_neo4j() as bench:
        seed_p50 = bench_seed(bench.db, bench.embedder, args.samples)
        synthetic_p50 = bench_synthetic(bench.db, args.cities, args.samples)
    print(f"ratio synthetic/seed (match one follower, p50): {synthetic_p50 / seed_p50:.1f}x")


if __name__ == "__main__":
    main()
