"""The curated seed dataset itself: valid, every quote found in its document, every document covered."""

from __future__ import annotations

from pathlib import Path

import pytest

from importers.seed import (
    DATA_DIR,
    SeedDataset,
    all_quotes,
    normalise,
    plan,
    read_dataset,
    verify_quotes,
)
from tests.conftest import seed_documents_dir

DOCUMENTS = seed_documents_dir()


@pytest.fixture(scope="module")
def dataset() -> SeedDataset:
    return read_dataset(DATA_DIR)


def test_the_documents_are_beside_the_checkout() -> None:
    assert DOCUMENTS.is_dir(), (
        f"the seed documents are missing: expected {DOCUMENTS} (or set KG_SEED_DOCUMENTS)"
    )


def test_every_document_has_a_dataset_file(dataset: SeedDataset) -> None:
    documents = sorted(p.name for p in DOCUMENTS.glob("*.txt"))
    covered = sorted(d.source.file_name for d in dataset.documents.values())
    assert covered == documents


def test_every_quote_is_a_substring_of_its_document(dataset: SeedDataset) -> None:
    texts = {p.name: normalise(p.read_text(encoding="utf-8")) for p in DOCUMENTS.glob("*.txt")}
    quotes = list(all_quotes(dataset))
    missing = [(name, quote) for name, quote in quotes if normalise(quote) not in texts[name]]
    assert len(quotes) > 500
    assert missing == []


def test_the_dataset_merges_without_conflicts(dataset: SeedDataset) -> None:
    seed_plan = plan(dataset, verify_quotes(dataset, DOCUMENTS))
    assert sum(1 for row in seed_plan.nodes if row.label == "Source") == 5
    assert all(facts > 0 for facts in seed_plan.facts_per_source.values())


def test_source_files_are_named_after_their_documents(dataset: SeedDataset) -> None:
    for path, document in dataset.documents.items():
        assert Path(path).name[:3] == document.source.file_name[:3]
