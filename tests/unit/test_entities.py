"""Entity resolution without a database: folding, the match order, countries, the review queue."""

from __future__ import annotations

from pathlib import Path

import pytest

from importers.entities import AliasEntry, Incoming, Resolver, append_alias, fold, read_alias_file
from importers.errors import InputFileError
from importers.inputs import check_input, decode
from schema.kgjson import SCHEMA_PATH, render
from schema.vocabularies import ResolutionMethod, ResolutionStatus


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Sønderborg", "sonderborg"),
        ("München", "munchen"),
        ("Æbeltoft", "aebeltoft"),
        ("Straße", "strasse"),
        ("Tepebaşı/Eskişehir", "tepebasi eskisehir"),
        ("Łódź", "lodz"),
        ("Nilüfer-Turkey", "nilufer turkey"),
    ],
)
def test_fold_handles_letters_nfkd_leaves_alone(text: str, folded: str) -> None:
    assert fold(text) == folded


def seeded() -> Resolver:
    resolver = Resolver()
    resolver.add("City", "munich", ["Munich", "München"], "DE", 2867714)
    resolver.add("City", "vienna", ["Vienna", "Wien"], "AT", 2761369)
    resolver.add("City", "valencia", ["Valencia"], "ES", None)
    resolver.add("Project", "smarter-together", ["SMARTER TOGETHER"], None, grant_agreement="691876")
    return resolver


def test_the_match_order_uid_grant_name_alias_geonames() -> None:
    resolver = seeded()
    assert resolver.resolve(Incoming("City", "x", "DE", uid="munich")).method is ResolutionMethod.UID
    project = resolver.resolve(
        Incoming("Project", "Smarter Together project", None, grant_agreement="691876")
    )
    assert (project.method, project.uid) == (ResolutionMethod.GRANT_AGREEMENT, "smarter-together")
    assert resolver.resolve(Incoming("City", "MUNICH", "DE")).method is ResolutionMethod.NAME
    assert resolver.resolve(Incoming("City", "Wien", "AT")).method is ResolutionMethod.ALIAS
    geo = resolver.resolve(Incoming("City", "Monaco di Baviera", "DE"))
    assert (geo.method, geo.uid) == (ResolutionMethod.GEONAMES, "munich")


def test_cities_of_one_name_in_two_countries_never_merge() -> None:
    resolver = seeded()
    elsewhere = resolver.resolve(Incoming("City", "Valencia", "VE"))
    assert elsewhere.method is ResolutionMethod.NEW and elsewhere.uid == "valencia-ve"


def test_a_near_spelling_is_made_apart_and_waits_for_review_unless_rejected() -> None:
    resolver = seeded()
    near = resolver.resolve(Incoming("City", "Palencia", "ES"))
    assert (near.method, near.status, near.uid, near.target) == (
        ResolutionMethod.SIMILAR_NAME,
        ResolutionStatus.PENDING,
        "palencia",
        "valencia",
    )
    again = seeded()
    again.rejected = {Incoming("City", "Palencia", "ES").key}
    assert again.resolve(Incoming("City", "Palencia", "ES")).method is ResolutionMethod.NEW


def test_a_new_city_gets_geonames_data_and_name_when_unambiguous() -> None:
    kiev = Resolver().resolve(Incoming("City", "Kiev", "UA"))
    assert kiev.method is ResolutionMethod.NEW and kiev.geo is not None and kiev.geo.name == "Kyiv"


def test_the_alias_file_is_a_curator_decision(tmp_path: Path) -> None:
    path = tmp_path / "aliases.yaml"
    append_alias(path, AliasEntry(label="City", name="Laussane", country="CH", uid="lausanne"))
    resolver = Resolver(aliases=read_alias_file(path))
    resolver.add("City", "lausanne", ["Lausanne"], "CH")
    decision = resolver.resolve(Incoming("City", "Laussane", "CH"))
    assert (decision.method, decision.uid) == (ResolutionMethod.ALIAS_FILE, "lausanne")
    path.write_text("- {label: City}\n")
    with pytest.raises(InputFileError, match="entry 0"):
        read_alias_file(path)


def test_inputs_name_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    with pytest.raises(InputFileError, match=r"x.json:2:3: not valid UTF-8"):
        decode(path, b"ok\nab\xffcd")
    with pytest.raises(InputFileError, match=r"x.json:1:2: control character U\+001B"):
        decode(path, b"a\x1bb")
    path.write_bytes(b"")
    with pytest.raises(InputFileError, match="empty"):
        check_input(path, 10)


def test_the_kg_json_schema_file_is_current() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render(), "run `python -m schema.kgjson`"
