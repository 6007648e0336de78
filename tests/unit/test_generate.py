"""The synthetic knowledge base (benchmarks/generate.py): deterministic, loadable as it is, shaped and skewed
like the seed graph, with embeddings that cluster by family and field."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from benchmarks.generate import SyntheticKnowledgeBase, write_kgjson
from importers.kgjson import kgjson_plan


@pytest.fixture(scope="module")
def small() -> SyntheticKnowledgeBase:
    return SyntheticKnowledgeBase("S", seed=1)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_same_seed_writes_the_same_file_and_another_seed_another(tmp_path: Path) -> None:
    first = write_kgjson(SyntheticKnowledgeBase("S", 1), tmp_path / "a.kg.json")
    again = write_kgjson(SyntheticKnowledgeBase("S", 1), tmp_path / "b.kg.json")
    other = write_kgjson(SyntheticKnowledgeBase("S", 2), tmp_path / "c.kg.json")
    assert digest(first.path) == digest(again.path) != digest(other.path)
    assert 10_000 <= first.relationships + first.provenance < 20_000  # S: about 10^4 relationships


def test_every_record_is_valid_for_the_loader(tmp_path: Path) -> None:
    written = write_kgjson(SyntheticKnowledgeBase("S", 1), tmp_path / "s.kg.json")
    plan = kgjson_plan(written.path)
    assert plan.skipped == []
    assert (len(plan.nodes), len(plan.relationships), len(plan.provenance)) == (
        written.nodes,
        written.relationships,
        written.provenance,
    )
    assert all(rel.source_ids and rel.quotes for rel in plan.relationships)


def test_a_few_lighthouses_serve_many_followers(small: SyntheticKnowledgeBase) -> None:
    followers_served: Counter[int] = Counter()
    for members in small.roles:
        lighthouses = [city for city, role in members if role == "lighthouse"]
        followers = sum(role == "follower" for _, role in members)
        for city in lighthouses:
            followers_served[city] += followers
    counts = sorted(followers_served.values(), reverse=True)
    assert counts[0] >= 10 * counts[len(counts) // 2]  # Zipf: the busiest serves 10x the median lighthouse


def test_embeddings_cluster_by_family_then_by_field(small: SyntheticKnowledgeBase) -> None:
    vectors = small.embeddings
    families = np.array([family for family, _ in small.challenges])
    fields = np.array([small.family_field[family] for family in families])
    cosine = vectors @ vectors.T
    upper = np.triu_indices(len(vectors), 1)
    same_family = (families[:, None] == families[None, :])[upper]
    same_field = (fields[:, None] == fields[None, :])[upper]
    values = cosine[upper]
    within, near, unrelated = (
        values[same_family].mean(),
        values[same_field & ~same_family].mean(),
        values[~same_field].mean(),
    )
    assert within > 0.7 > near > 0.2 > abs(unrelated)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_challenges_have_worded_aliases_of_their_family(small: SyntheticKnowledgeBase) -> None:
    challenges = [n for n in small.nodes() if n["label"] == "Challenge"]
    assert all(node["properties"]["aliases"] for node in challenges)
    first = challenges[0]["properties"]
    assert all(alias.endswith("(0)") and alias != first["name"] for alias in first["aliases"])
