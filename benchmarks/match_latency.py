"""Replication latency: one follower's matches in ONE statement (today's engine) beside the engine before issue 9
(several round trips: resolve the city, the links, the knowledge-base version, the source files, the gaps),
timed in the same run, uncached, on the seed graph and on a synthetic graph (10,000 cities, ~100,000
relationships; once with every challenge worded apart, once with challenges in families of five similar
wordings, so the semantic path has neighbours to walk). Each follower question asks for the top 5 matches,
the CLI's and the API's default, of both engines. Prints p50/p95 per question and the ratios. Not a test:
nothing here asserts a time.

    .venv/bin/python -m benchmarks.match_latency [--cities 10000] [--samples 50]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

from benchmarks.common import percentiles, throwaway_neo4j, timed
from benchmarks.legacy.engine_before import ReplicationEngine as EngineBefore
from benchmarks.synthetic import CHALLENGE_FAMILY, generate
from importers.seed import import_seed
from kg.core.database import Database
from kg.embeddings import SentenceEmbedder
from kg.replication import ReplicationEngine, refresh_challenge_embeddings, refresh_similarities
from queries.admin import wipe_database
from schema import apply_schema

TARGET_P95_MS = 30.0
TOP = 5  # matches per follower: what `kg match` and the API's `first` return by default
WARM_UP = 50  # unmeasured rounds per question: a fresh JVM runs interpreted code until its JIT compiles the hot paths


def side_by_side(name: str, today: Callable[[], object], before: Callable[[], object], samples: int) -> float:
    """Alternate the two paths sample by sample, so drift on the machine hits both alike; returns today's p95."""
    for _ in range(WARM_UP):  # plan cache, page cache, connections, and the fresh server's JIT
        today(), before()
    now_ms: list[float] = []
    then_ms: list[float] = []
    for _ in range(samples):
        for call, into in ((today, now_ms), (before, then_ms)):
            start = time.perf_counter()
            call()
            into.append((time.perf_counter() - start) * 1000)
    now, then = percentiles(now_ms), percentiles(then_ms)
    print(
        f"  {name:<34} today p50 {now[0]:7.1f} p95 {now[1]:7.1f} ms | before p50 {then[0]:7.1f} p95 "
        f"{then[1]:7.1f} ms | before/today p50 {then[0] / now[0]:4.1f}x p95 {then[1] / now[1]:4.1f}x"
    )
    return now[1]


def bench_seed(db: Database, embedder: SentenceEmbedder, samples: int) -> float:
    wipe_database(db)
    import_seed(db)
    refresh_challenge_embeddings(db, embedder)
    engine, before = ReplicationEngine(db, embedder=embedder), EngineBefore(db, embedder=embedder)
    followers = engine.followers()
    print(f"seed graph: {len(followers)} followers")
    rng = random.Random(1)
    p95 = side_by_side(
        "match one follower",
        lambda: engine.matches_for(rng.choice(followers), top=TOP),
        lambda: before.matches_for(rng.choice(followers), top=TOP),
        samples,
    )
    side_by_side("match all followers", engine.matches_for_all, before.matches_for_all, max(samples // 5, 3))
    barrier = ["residents are not interested"]
    side_by_side(
        "free-text barrier (embed + match)",
        lambda: engine.matches_for_barriers(barrier),
        lambda: before.matches_for_barriers(barrier),
        samples,
    )
    print(
        "  candidates for every lighthouse solution: "
        + f"p50 {statistics.median(timed(engine.candidates_for_all, max(samples // 5, 3))):.1f} ms"
    )
    return p95


def bench_synthetic(db: Database, cities: int, samples: int, family: int) -> float:
    wipe_database(db)
    apply_schema(db)
    start = time.perf_counter()
    graph = generate(db, cities=cities, family=family)
    similar = time.perf_counter()
    links = refresh_similarities(db)
    wording = "every challenge worded apart" if family == 1 else f"challenges in families of {family}"
    print(
        f"synthetic graph, {wording}: {graph.cities:,} cities, {graph.relationships:,} relationships, "
        f"{len(graph.followers):,} followers (generated in {time.perf_counter() - start:.1f} s); "
        f"{links:,} SIMILAR_TO neighbours in {time.perf_counter() - similar:.1f} s"
    )
    engine, before = ReplicationEngine(db), EngineBefore(db)
    rng = random.Random(1)
    return side_by_side(
        "match one follower",
        lambda: engine.matches_for(rng.choice(graph.followers), top=TOP),
        lambda: before.matches_for(rng.choice(graph.followers), top=TOP),
        samples,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cities", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=50)
    args = parser.parse_args()
    with throwaway_neo4j() as bench:
        results = [("seed", bench_seed(bench.db, bench.embedder, args.samples))]
        for family in (1, CHALLENGE_FAMILY):
            label = f"{args.cities:,} cities, families of {family}"
            results.append((label, bench_synthetic(bench.db, args.cities, args.samples, family)))
    for label, p95 in results:
        verdict = "meets" if p95 <= TARGET_P95_MS else "misses"
        print(f"one follower, {label}: p95 {p95:.1f} ms {verdict} the {TARGET_P95_MS:.0f} ms target")


if __name__ == "__main__":
    main()
