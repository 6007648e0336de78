"""kg's numpy all-MiniLM-L6-v2 against sentence-transformers' own vectors, and the matching threshold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import kg.embeddings.encoder as encoder_module
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


def test_a_text_seen_before_is_not_encoded_again_and_the_cache_is_bounded(
    embedder: SentenceEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = SentenceEmbedder(embedder.model_directory)
    texts = ["lack of funding", "no shared data platform", "lack of funding"]
    encoded: list[str] = []
    embed_batch = fresh._embed_batch

    def counting(batch: list[str]) -> Any:
        encoded.extend(batch)
        return embed_batch(batch)

    monkeypatch.setattr(fresh, "_embed_batch", counting)
    first = fresh.embed(texts)
    again = fresh.embed(["no shared data platform", "citizens are not engaged"])
    assert encoded == ["lack of funding", "no shared data platform", "citizens are not engaged"]
    np.testing.assert_allclose(again[0], first[1], atol=1e-6)
    np.testing.assert_allclose(first[0], first[2])
    monkeypatch.setattr(encoder_module, "CACHED_TEXTS", 2)
    fresh.embed(["a first text", "a second text", "a third text"])
    assert list(fresh._cache) == ["a second text", "a third text"]
