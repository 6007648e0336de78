"""The GraphQL-to-Cypher compiler without a database: exact Cypher text and parameters for every operator,
quantifier and combination, nested selections, sorting and cursors; and property tests over random filters."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queries.graph_read import (
    MAX_PAGE,
    OPERATORS,
    OPERATORS_BY_KIND,
    QUANTIFIERS,
    FieldFilter,
    QueryCompileError,
    RelFilter,
    RelSelection,
    Selection,
    Sort,
    Where,
    count_statement,
    decode_cursor,
    encode_cursor,
    node_statement,
    operator_kind,
    page_statement,
    read_model,
)
from schema.vocabularies import ChallengeCategory, CityRole


def where_of(label: str, where: Where) -> tuple[str, dict[str, Any]]:
    """Just the WHERE expression of a count statement, and its parameters."""
    text, params = count_statement(label, where)
    prefix, suffix = f"MATCH (n:{label}) WHERE ", " RETURN count(n) AS total"
    assert text.startswith(prefix) and text.endswith(suffix)
    return text[len(prefix) : -len(suffix)], params


def field(name: str, *ops: tuple[str, Any]) -> Where:
    return Where(fields=(FieldFilter(name, ops),))


# ------------------------------------------------------------------------------------------------ operators

OPERATOR_CASES: list[tuple[str, str, str, Any, str]] = [
    # (label, field, operator, value, expected WHERE)
    ("City", "country", "eq", "FR", "n.country = $p0"),
    ("City", "country", "in", ["FR", "DE"], "n.country IN $p0"),
    ("City", "population", "gt", 100_000, "n.population > $p0"),
    ("City", "population", "gte", 100_000, "n.population >= $p0"),
    ("City", "latitude", "lt", 50.5, "n.latitude < $p0"),
    ("City", "latitude", "lte", 50.5, "n.latitude <= $p0"),
    ("City", "name", "contains", "mun", "toLower(n.name) CONTAINS toLower($p0)"),
    ("City", "name", "starts_with", "Lis", "toLower(n.name) STARTS WITH toLower($p0)"),
    ("City", "name", "ends_with", "bon", "toLower(n.name) ENDS WITH toLower($p0)"),
    ("City", "aliases", "includes", "München", "$p0 IN coalesce(n.aliases, [])"),
    ("Event", "startDate", "gte", dt.date(2017, 1, 1), "n.start_date >= $p0"),
    ("City", "updatedAt", "lt", dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "n.updated_at < $p0"),
    ("Challenge", "category", "eq", ChallengeCategory.DATA_AND_PRIVACY, "n.category = $p0"),
    ("Challenge", "category", "in", [ChallengeCategory.SOCIAL], "n.category IN $p0"),
]


@pytest.mark.parametrize(("label", "name", "op", "value", "expected"), OPERATOR_CASES)
def test_every_operator_compiles_to_its_cypher(
    label: str, name: str, op: str, value: Any, expected: str
) -> None:
    text, params = where_of(label, field(name, (op, value)))
    assert text == expected
    plain = (
        [getattr(v, "value", v) for v in value] if isinstance(value, list) else getattr(value, "value", value)
    )
    assert params == {"p0": plain}


def test_the_cases_cover_every_operator_and_kind() -> None:
    assert {case[2] for case in OPERATOR_CASES} == set(OPERATORS)
    kinds = {operator_kind(read_model()[label].scalars[name]) for label, name, *_ in OPERATOR_CASES}
    assert kinds == set(OPERATORS_BY_KIND) - {"bool"}  # bool's only operator, eq, is covered below
    text, params = where_of("Network", field("uid", ("eq", "x")))
    assert (text, params) == ("n.uid = $p0", {"p0": "x"})


def test_boolean_edge_property_and_several_operators_on_one_field() -> None:
    text, params = count_statement(
        "City",
        Where(
            fields=(FieldFilter("population", (("gte", 1), ("lt", 2))),),
            rels=(RelFilter("challenges", "some", edge=(FieldFilter("groupStatement", (("eq", False),)),)),),
        ),
    )
    assert text == (
        "MATCH (n:City) WHERE n.population >= $p0 AND n.population < $p1 AND "
        "EXISTS { MATCH (n)-[fr1:FACES]->(fm1:Challenge) WHERE fr1.group_statement = $p2 AND (true) } "
        "RETURN count(n) AS total"
    )
    assert params == {"p0": 1, "p1": 2, "p2": False}


def test_operators_a_kind_does_not_have_are_refused() -> None:
    with pytest.raises(QueryCompileError, match="'contains' is not available on population"):
        where_of("City", field("population", ("contains", "1")))
    with pytest.raises(QueryCompileError, match="'gt' is not available on category"):
        where_of("Challenge", field("category", ("gt", "social")))
    with pytest.raises(QueryCompileError, match="'in' on country takes a list"):
        where_of("City", field("country", ("in", "FR")))
    with pytest.raises(QueryCompileError, match="City has no field 'mayor'"):
        where_of("City", field("mayor", ("eq", "x")))


# ------------------------------------------------------------------------------------------------ quantifiers


@pytest.mark.parametrize(
    ("quantifier", "expected"),
    [
        (
            "some",
            "EXISTS { MATCH (n)-[fr1:PARTICIPATES_IN]->(fm1:Project) WHERE fr1.role = $p0 AND (fm1.uid = $p1) }",
        ),
        (
            "none",
            "NOT EXISTS { MATCH (n)-[fr1:PARTICIPATES_IN]->(fm1:Project) WHERE fr1.role = $p0 AND (fm1.uid = $p1) }",
        ),
        (
            "all",
            "NOT EXISTS { MATCH (n)-[fr1:PARTICIPATES_IN]->(fm1:Project) "
            "WHERE NOT (fr1.role = $p0 AND (fm1.uid = $p1)) }",
        ),
    ],
)
def test_every_quantifier_with_edge_and_node_conditions(quantifier: str, expected: str) -> None:
    where = Where(
        rels=(
            RelFilter(
                "projects",
                quantifier,  # type: ignore[arg-type]
                edge=(FieldFilter("role", (("eq", CityRole.FOLLOWER),)),),
                node=field("uid", ("eq", "sharing-cities")),
            ),
        )
    )
    assert where_of("City", where) == (expected, {"p0": "follower", "p1": "sharing-cities"})
    assert set(QUANTIFIERS) == {"some", "none", "all"}


def test_incoming_relationships_and_nested_quantifiers_use_fresh_variables() -> None:
    where = Where(
        rels=(
            RelFilter(
                "solutions",  # Challenge <-ADDRESSES- Solution
                "some",
                node=Where(rels=(RelFilter("cities", "none", node=field("country", ("eq", "PT"))),)),
            ),
        )
    )
    text, params = where_of("Challenge", where)
    assert text == (
        "EXISTS { MATCH (n)<-[fr1:ADDRESSES]-(fm1:Solution) WHERE (NOT EXISTS { MATCH (fm1)-[fr2:IMPLEMENTED_IN]->"
        "(fm2:City) WHERE (fm2.country = $p0) }) }"
    )
    assert params == {"p0": "PT"}


def test_an_empty_condition_means_any_related_node() -> None:
    assert where_of("City", Where(rels=(RelFilter("challenges", "none"),)))[0] == (
        "NOT EXISTS { MATCH (n)-[fr1:FACES]->(fm1:Challenge) WHERE (true) }"
    )


def test_the_three_relationships_declared_late_are_filterable() -> None:
    for label, rel, cypher in [
        ("Event", "organisedByNetworks", "(n)-[fr1:ORGANISED_BY]->(fm1:Network)"),
        ("Event", "discussedBestPractices", "(n)-[fr1:DISCUSSED]->(fm1:BestPractice)"),
        ("BestPractice", "learnedFromSolutions", "(n)-[fr1:LEARNED_FROM]->(fm1:Solution)"),
    ]:
        assert (
            where_of(label, Where(rels=(RelFilter(rel, "some"),)))[0]
            == f"EXISTS {{ MATCH {cypher} WHERE (true) }}"
        )


def test_unknown_relationship_and_quantifier_are_refused() -> None:
    with pytest.raises(QueryCompileError, match="City has no relationship 'friends'"):
        where_of("City", Where(rels=(RelFilter("friends", "some"),)))
    with pytest.raises(QueryCompileError, match="unknown relationship quantifier 'most'"):
        where_of("City", Where(rels=(RelFilter("projects", "most"),)))  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------ AND / OR / NOT


def test_and_or_not() -> None:
    where = Where(
        fields=(FieldFilter("country", (("eq", "FR"),)),),
        all_of=(field("population", ("gt", 1)), field("population", ("lt", 9))),
        any_of=(field("uid", ("eq", "lyon")), field("name", ("contains", "mun"))),
        negated=field("uid", ("eq", "vienna")),
    )
    text, params = where_of("City", where)
    assert text == (
        "n.country = $p0 AND (n.population > $p1) AND (n.population < $p2) AND "
        "((n.uid = $p3) OR (toLower(n.name) CONTAINS toLower($p4))) AND NOT (n.uid = $p5)"
    )
    assert params == {"p0": "FR", "p1": 1, "p2": 9, "p3": "lyon", "p4": "mun", "p5": "vienna"}


def test_an_empty_or_is_false_and_no_filter_is_true() -> None:
    assert where_of("City", Where(any_of=()))[0] == "(false)"
    assert where_of("City", Where())[0] == "true"
    assert count_statement("City", None)[0] == "MATCH (n:City) WHERE true RETURN count(n) AS total"


# ------------------------------------------------------------------------------------------------ statements


def test_page_with_nested_selection_sort_and_cursor() -> None:
    selection = Selection(
        "City",
        scalars=["name", "population"],
        rels={
            "lighthouseOf": RelSelection(
                "projects",
                where=field("acronym", ("eq", "ST")),
                first=5,
                edge_scalars=["role", "roleLabel"],
                node=Selection(
                    "Project",
                    scalars=["acronym"],
                    rels={
                        "partners": RelSelection(
                            "partners", first=3, node=Selection("Organisation", ["shortName"])
                        )
                    },
                ),
            )
        },
    )
    text, params = page_statement(
        selection,
        field("country", ("eq", "DE")),
        [Sort("population", descending=True), Sort("name")],
        10,
        encode_cursor(4),
    )
    assert text == (
        "MATCH (n:City) WHERE n.country = $p0 WITH n ORDER BY n.population DESC, n.name, n.uid SKIP $p1 LIMIT $p2 "
        "RETURN n {__uid: n.uid, name: n.name, population: n.population, "
        "lighthouseOf: COLLECT { MATCH (n)-[r1:PARTICIPATES_IN]->(n1:Project) WHERE (n1.acronym = $p3) "
        "WITH r1, n1 ORDER BY n1.uid LIMIT $p5 "
        "RETURN {role: r1.role, roleLabel: r1.role_label, node: {__uid: n1.uid, acronym: n1.acronym, "
        "partners: COLLECT { MATCH (n1)<-[r2:PARTNER_IN]-(n2:Organisation) WHERE (true) "
        "WITH r2, n2 ORDER BY n2.uid LIMIT $p4 RETURN {node: {__uid: n2.uid, shortName: n2.short_name}} }}} }} "
        "AS node"
    )
    # Parameters are numbered as met: the nested limits after their subquery's own projection.
    assert params == {"p0": "DE", "p1": 5, "p2": 11, "p3": "ST", "p4": 3, "p5": 5}


def test_node_statement_by_uid() -> None:
    text, params = node_statement(Selection("Source", scalars=["fileName"]), "doc-a")
    assert text == "MATCH (n:Source {uid: $p0}) RETURN n {__uid: n.uid, fileName: n.file_name} AS node"
    assert params == {"p0": "doc-a"}


def test_page_size_sort_field_and_response_keys_are_checked() -> None:
    with pytest.raises(QueryCompileError, match=f"between 1 and {MAX_PAGE}"):
        page_statement(Selection("City"), None, [], MAX_PAGE + 1, None)
    with pytest.raises(QueryCompileError, match="cannot be sorted by 'mayor'"):
        page_statement(Selection("City"), None, [Sort("mayor")], 5, None)
    with pytest.raises(QueryCompileError, match="invalid response key '__uid'"):
        page_statement(Selection("City", rels={"__uid": RelSelection("projects")}), None, [], 5, None)
    with pytest.raises(QueryCompileError, match="unknown label 'Planet'"):
        count_statement("Planet", None)


def test_cursors_round_trip_and_garbage_is_refused() -> None:
    assert decode_cursor(None) == 0
    assert decode_cursor(encode_cursor(41)) == 42
    for garbage in ("nonsense", encode_cursor(1).replace("b2", "x2"), "b2Zmc2V0Oi0x"):  # the last: offset:-1
        with pytest.raises(QueryCompileError, match="invalid cursor"):
            decode_cursor(garbage)


# ------------------------------------------------------------------------------------------------ properties

_SAMPLE_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "string": st.text(max_size=12),
    "vocabulary": st.just("social"),
    "int": st.integers(-(2**31), 2**31),
    "float": st.floats(allow_nan=False, allow_infinity=False),
    "date": st.dates(),
    "datetime": st.datetimes(timezones=st.just(dt.UTC)),
    "bool": st.booleans(),
    "strings": st.text(max_size=12),
}


@st.composite
def wheres(draw: st.DrawFn, label: str, depth: int = 0) -> Where:
    meta = read_model()[label]
    fields = []
    for name in draw(st.lists(st.sampled_from(sorted(meta.scalars)), max_size=3, unique=True)):
        kind = operator_kind(meta.scalars[name])
        op = draw(st.sampled_from(sorted(OPERATORS_BY_KIND[kind])))
        value = draw(_SAMPLE_VALUES[kind])
        fields.append(FieldFilter(name, ((op, [value] if op == "in" else value),)))
    rels = []
    if depth < 2 and meta.rels:
        for name in draw(st.lists(st.sampled_from(sorted(meta.rels)), max_size=2, unique=True)):
            target = meta.rels[name].target
            node = draw(st.none() | wheres(target, depth + 1))
            rels.append(RelFilter(name, draw(st.sampled_from(["some", "none", "all"])), node=node))
    any_of = (
        draw(st.none() | st.lists(wheres(label, depth + 1), max_size=2).map(tuple)) if depth < 2 else None
    )
    return Where(fields=tuple(fields), rels=tuple(rels), any_of=any_of)


@given(st.sampled_from(sorted(read_model())).flatmap(lambda label: st.tuples(st.just(label), wheres(label))))
@settings(max_examples=200, deadline=None)
def test_random_filters_compile_with_every_value_a_parameter(case: tuple[str, Where]) -> None:
    label, where = case
    text, params = count_statement(label, where)
    # Every value is a parameter, numbered in order, none spliced into the text.
    assert sorted(params, key=lambda name: int(name[1:])) == [f"p{i}" for i in range(len(params))]
    assert set(re.findall(r"\$(p\d+)", text)) == set(params)
    assert "'" not in text and '"' not in text
    # Brackets balance, so no filter can close the statement early.
    for opening, closing in ("()", "{}", "[]"):
        assert text.count(opening) == text.count(closing)
