"""kg's numpy all-MiniLM-L6-v2 against sentence-transformers' own vectors, and the matching threshold."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from kg.embeddings import DIMENSIONS, SentenceEmbedder
from kg.replication import SEMANTIC_THRESHOLD

REFERENCE = Path(__file__).resolve().parents[1] / "fixtures" / "embeddings" / "reference_embeddings.json"


def test_matches_sentence_transformers_reference(embedder: SentenceEmbedder) -> None:
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    ours = embedder.embed(reference["texts"])
    theirs = np.array(reference["vectors"], dtype=np.float32)
    cosines = (ours * theirs).sum(axis=1) / (np.linalg.norm(ours, axis=1) * np.linalg.norm(theirs, axis=1))
    assert ours.shape == (len(reference["texts"]), DIMENSIONS)
    assert cosines.min() >= 0.999, dict(zip(reference["texts"], cosines.round(5).tolist(), strict=True))


def test_vectors_are_unit_length_and_deterministic(embedder: SentenceEmbedder) -> None:
    texts = ["Tender regulations and procurement", "Activation of private home-owners"]
    first, second = embedder.embed(texts), embedder.embed(list(reversed(texts)))[::-1]
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(first, second)


def test_differently_worded_public_interest_barriers_match(embedder: SentenceEmbedder) -> None:
    # SMARTER TOGETHER's wording and Sharing Cities' wording of one barrier.
    a, b = embedder.embed(
        ["Lack of public interest in citizen labs", "public apathy towards a smart city agenda"]
    )
    similarity = float(a @ b)
    assert similarity >= SEMANTIC_THRESHOLD
    unrelated = embedder.embed(["CE certification"])[0]
    assert float(a @ unrelated) < SEMANTIC_THRESHOLD
    assert float(b @ unrelated) < SEMANTIC_THRESHOLD


@pytest.mark.parametrize("texts", [[], ["a"]])
def test_edge_inputs(embedder: SentenceEmbedder, texts: list[str]) -> None:
    assert embedder.embed(texts).shape == (len(texts), DIMENSIONS)
