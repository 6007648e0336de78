"""The judged cases are well-formed, cover every follower of the seed, hold a third out, and quote their
documents verbatim; the metrics are the textbook ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from importers.seed import normalise, read_dataset
from kg.replication.evaluation import evaluate, excluded, load_cases, ndcg_at_3, precision_at_3
from tests.conftest import seed_documents_dir

CASES = load_cases(Path(__file__).resolve().parents[1] / "fixtures" / "replication_eval.yaml")


def test_at_least_fifteen_cases_and_a_third_held_out() -> None:
    assert len(CASES) >= 15
    assert len({case.id for case in CASES}) == len(CASES)
    held_out = sum(case.held_out for case in CASES)
    assert held_out >= len(CASES) / 3 - 0.5


def test_every_seed_follower_is_judged() -> None:
    followers = set()
    for document in read_dataset().documents.values():
        for rel in document.relationships:
            if rel.type.value == "PARTICIPATES_IN" and rel.typed_props.get("role") == "follower":
                followers.add(rel.source.uid)
    assert followers == {case.follower for case in CASES if case.follower}


def test_every_passage_is_verbatim_in_its_document() -> None:
    files = {d.source.uid: d.source.file_name for d in read_dataset().documents.values()}
    texts = {
        uid: normalise((seed_documents_dir() / name).read_text(encoding="utf-8"))
        for uid, name in files.items()
    }
    for case in CASES:
        for passage in case.passages:
            assert normalise(passage.quote) in texts[passage.source], (case.id, passage.quote[:60])


def test_metrics() -> None:
    relevant = {"a": 1.0, "b": 1.0, "c": 1.0}
    assert precision_at_3(["a", "x", "b"], relevant) == 0.6667
    assert precision_at_3(["x"], {"a": 1.0}) == 0.0
    assert ndcg_at_3(["a", "b", "c"], relevant) == 1.0
    assert ndcg_at_3(["x", "a"], {"a": 1.0}) == 0.6309  # 1 / log2(3)
    assert excluded(["a", "b", "c", "lund"], ["lund"]) is True  # only the top three count
    report = evaluate(CASES[:2], lambda case: ["munich", "lyon", "vienna"])
    assert report.figure("precision", held_out=False) == 1.0
    assert report.figure("excluded", held_out=False) == 1.0


@pytest.mark.parametrize("field", ["relevant", "irrelevant"])
def test_a_case_judges_known_cities(field: str) -> None:
    cities = {node.uid for d in read_dataset().documents.values() for node in d.nodes if node.label == "City"}
    for case in CASES:
        assert set(getattr(case, field)) <= cities, case.id
