"""The seed dataset's validation: errors name the file, line, entry and field; merges refuse conflicts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from importers.errors import SeedValidationError
from importers.seed import (
    merge_nodes_across_files,
    merge_relationships_across_files,
    read_dataset,
    verify_quotes,
)
from schema.models import RelType

SMALL = Path(__file__).resolve().parents[1] / "fixtures" / "seed_small"


@pytest.fixture
def small(tmp_path: Path) -> Path:
    target = tmp_path / "seed"
    shutil.copytree(SMALL, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"fixture text {old!r} not found"
    path.write_text(text.replace(old, new, 1))


def test_small_dataset_is_valid_and_quotes_are_found(small: Path) -> None:
    dataset = read_dataset(small / "data")
    digests = verify_quotes(dataset, small / "docs")
    assert sorted(digests) == ["doc-a.txt", "doc-b.txt"]
    assert all(len(d) == 64 for d in digests.values())


def test_bad_field_names_file_line_entry_and_field(small: Path) -> None:
    _edit(small / "data" / "a.yaml", "props: {country: FR}", "props: {country: France}")
    with pytest.raises(SeedValidationError) as raised:
        read_dataset(small / "data")
    message = str(raised.value)
    assert f"{small / 'data' / 'a.yaml'}:13:" in message
    assert "nodes[1] (City:lyon).props.country" in message
    assert "pattern" in message


def test_unknown_property_is_rejected(small: Path) -> None:
    _edit(small / "data" / "a.yaml", "props: {country: DE}", "props: {country: DE, mayor: someone}")
    with pytest.raises(SeedValidationError, match=r"nodes\[2\] \(City:munich\)\.props\.mayor: Extra inputs"):
        read_dataset(small / "data")


def test_bad_role_vocabulary_is_rejected(small: Path) -> None:
    _edit(small / "data" / "b.yaml", "role: follower", "role: fellow")
    with pytest.raises(
        SeedValidationError, match=r"b\.yaml:\d+: relationships\[0\] \(PARTICIPATES_IN City:burgas"
    ):
        read_dataset(small / "data")


def test_wrong_endpoint_labels_are_rejected(small: Path) -> None:
    _edit(small / "data" / "b.yaml", 'to: "Project:sharing-cities"', 'to: "City:burgas"')
    with pytest.raises(SeedValidationError, match="PARTICIPATES_IN cannot link City:burgas to City:burgas"):
        read_dataset(small / "data")


def test_undefined_endpoint_is_rejected(small: Path) -> None:
    _edit(
        small / "data" / "b.yaml", 'from: "City:burgas", to: "Challenge', 'from: "City:varna", to: "Challenge'
    )
    with pytest.raises(
        SeedValidationError, match=r"relationships\[1\].*City:varna is not defined in this file"
    ):
        read_dataset(small / "data")


def test_quote_missing_from_document_is_rejected(small: Path) -> None:
    _edit(small / "data" / "b.yaml", "quote: Fellow city Burgas}", "quote: Fellow city Burgas rocks}")
    dataset = read_dataset(small / "data")
    with pytest.raises(
        SeedValidationError, match=r"b\.yaml: nodes\[1\] \(City:burgas\): quote not found in doc-b\.txt"
    ):
        verify_quotes(dataset, small / "docs")


def test_conflicting_properties_across_files_name_both_files(small: Path) -> None:
    _edit(small / "data" / "b.yaml", "props: {country: BG}", "props: {country: RO}")
    # a.yaml now defines Burgas too, as BG: the two files disagree on its country.
    _edit(small / "data" / "a.yaml", "uid: sofia, name: Sofia", "uid: burgas, name: Burgas")
    _edit(small / "data" / "a.yaml", "the Follower City Sofia]", "the Follower City Sofia, Burgas]")
    for _ in range(3):  # the group's member, the role and the barrier
        _edit(small / "data" / "a.yaml", '"City:sofia"', '"City:burgas"')
    dataset = read_dataset(small / "data")
    with pytest.raises(
        SeedValidationError, match=r"City:burgas\.country: .*b\.yaml says 'RO' but .*a\.yaml says 'BG'"
    ):
        merge_nodes_across_files(dataset)


def test_merge_unions_aliases_and_keeps_canonical_names(small: Path) -> None:
    nodes = merge_nodes_across_files(read_dataset(small / "data"))
    munich = nodes["City", "munich"]
    assert munich.name == "Munich"
    assert munich.aliases == ["München"]
    assert munich.props["population"] == 1260391
    assert [source for source, _ in munich.mentions] == ["doc-a", "doc-b"]
    tender = nodes["Challenge", "tender-and-procurement-rules"]
    assert tender.name == "Tender and procurement rules"
    assert tender.aliases == ["Tender regulations and procurement", "Difficult public procurement rules"]


def test_group_statement_kept_with_its_quote(small: Path) -> None:
    rels = merge_relationships_across_files(read_dataset(small / "data"))
    faces = rels[RelType.FACES, ("City", "sofia"), ("Challenge", "tender-and-procurement-rules")]
    assert faces.group_flags == [True]
    assert faces.group_quote == "The Follower Cities named the following challenges:"
    assert faces.confidences == [0.6]


def test_canonical_entry_nobody_mentions_is_rejected(small: Path) -> None:
    canonical = small / "data" / "canonical.yaml"
    canonical.write_text(canonical.read_text() + "  - {uid: ghost-barrier, name: Ghost, category: social}\n")
    with pytest.raises(SeedValidationError, match="entries no document mentions: Challenge:ghost-barrier"):
        merge_nodes_across_files(read_dataset(small / "data"))


def test_role_wordings_are_joined_and_role_conflicts_rejected(small: Path) -> None:
    doc = small / "docs" / "doc-b.txt"
    doc.write_text(doc.read_text() + "Munich is a SMARTER TOGETHER lighthouse.\n")
    data = small / "data" / "b.yaml"
    data.write_text(
        data.read_text().replace(
            "relationships:\n",
            "  - {label: Project, uid: smarter-together, name: SMARTER TOGETHER, quote: a SMARTER TOGETHER lighthouse}\n"
            "relationships:\n"
            '  - {type: PARTICIPATES_IN, from: "City:munich", to: "Project:smarter-together", '
            "props: {role: lighthouse, role_label: lighthouse}, quote: Munich is a SMARTER TOGETHER lighthouse.}\n",
        )
    )
    rels = merge_relationships_across_files(read_dataset(small / "data"))
    munich = rels[RelType.PARTICIPATES_IN, ("City", "munich"), ("Project", "smarter-together")]
    assert munich.props == {"role": "lighthouse", "role_label": "Lighthouse City / lighthouse"}
    assert munich.source_ids == ["doc-a", "doc-b"]

    data.write_text(
        data.read_text().replace(
            "props: {role: lighthouse, role_label: lighthouse}", "props: {role: follower}"
        )
    )
    with pytest.raises(
        SeedValidationError, match=r"PARTICIPATES_IN City:munich -> Project:smarter-together\.role"
    ):
        merge_relationships_across_files(read_dataset(small / "data"))
