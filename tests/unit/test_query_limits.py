"""The GraphQL limits (api/security.py) without a server: one linear pass over the document however its
fragments spread each other, cycles and bad page sizes refused first. Work is counted (selection sets walked),
never timed; how long a refusal takes belongs in a benchmark."""

from __future__ import annotations

import pytest
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLSchema,
    OperationDefinitionNode,
    Visitor,
    get_introspection_query,
    parse,
    validate,
    visit,
)

from api.graphql.schema import build_schema
from api.security import MAX_FRAGMENTS, MAX_SPREADS, _Walk, limits_rule
from queries.graph_read import DEFAULT_PAGE

RULE = limits_rule(max_depth=10, max_aliases=20, max_cost=250_000)


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_schema()._schema


def chain(length: int, body: str = "uid name") -> str:
    """Fragment i spreads fragment i-1 twice: 2**length expansions for a naive walker."""
    fragments = [f"fragment F0 on City {{ {body} }}"]
    fragments += [f"fragment F{i} on City {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, length + 1)]
    return f"query {{ cities(first: 1) {{ edges {{ node {{ ...F{length} }} }} }} }}\n" + "\n".join(fragments)


def messages(schema: GraphQLSchema, document: str) -> list[str]:
    return [error.message for error in validate(schema, parse(document), [RULE])]


def selection_sets(document: DocumentNode) -> int:
    class Count(Visitor):
        found = 0

        def enter_selection_set(self, *_: object) -> None:
            Count.found += 1

    visit(document, Count())
    return Count.found


@pytest.mark.parametrize("length", [4, 16, 40])
def test_a_fragment_chain_is_walked_once_per_selection_set(length: int) -> None:
    document = parse(chain(length))
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    walk = _Walk(fragments, max_depth=10)
    shape = walk.selection_set(operation.selection_set)
    assert walk.visits == selection_sets(document)  # each fragment body once: linear, not 2**length
    assert shape.cost == 3 + 2**length * 2  # cities, edges, node, then 2**length times (uid, name)


def test_an_omitted_first_costs_the_default_page(schema: GraphQLSchema) -> None:
    document = parse("query { cities { edges { node { projects { node { cities { node { name } } } } } } } }")
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    shape = _Walk({}, max_depth=10, schema=schema).selection_set(
        operation.selection_set, 0, schema.query_type
    )
    page = DEFAULT_PAGE  # cities, projects and cities all take `first` and default to it
    assert shape.cost == 1 + page * (1 + 1 + (1 + page * (1 + (1 + page * (1 + 1)))))


def test_introspection_is_not_counted_as_graph_depth(schema: GraphQLSchema) -> None:
    assert messages(schema, get_introspection_query()) == []


def test_a_long_chain_is_refused_by_its_cost(schema: GraphQLSchema) -> None:
    assert messages(schema, chain(16)) == []
    (refusal,) = messages(schema, chain(40))
    assert refusal.startswith("query cost 2199023255555 exceeds the limit of 250000")


@pytest.mark.parametrize(
    ("document", "refusal"),
    [
        (
            "query { cities { edges { node { ...A } } } } fragment A on City { uid ...A }",
            "fragment 'A' spreads itself",
        ),
        (
            "query { cities { edges { node { ...A } } } } fragment A on City { ...B } fragment B on City { ...A }",
            "spreads itself",
        ),
        (
            "query { cities(first: 1) { edges { node { projects(first: -2147483648) { node { uid } } } } } }",
            "projects(first: -2147483648): first must be between 1 and 100",
        ),
        (
            "query { cities(first: 1) { edges { node { projects(first: 101) { node { uid } } } } } }",
            "between 1 and 100",
        ),
        ("query { cities(first: 0) { edges { node { uid } } } }", "cities(first: 0)"),
    ],
)
def test_cycles_and_bad_pages_are_refused_first(schema: GraphQLSchema, document: str, refusal: str) -> None:
    assert any(refusal in message for message in messages(schema, document))


def test_too_many_fragments_or_spreads(schema: GraphQLSchema) -> None:
    many = " ".join(f"fragment X{i} on City {{ uid }}" for i in range(MAX_FRAGMENTS + 1))
    spreads = " ".join(f"...X{i}" for i in range(MAX_SPREADS + 1))
    assert (
        f"{MAX_FRAGMENTS + 1} fragments"
        in messages(schema, f"query {{ cities {{ edges {{ node {{ {spreads} }} }} }} }} {many}")[0]
    )
    few = " ".join(f"fragment X{i} on City {{ uid }}" for i in range(MAX_SPREADS + 1))
    document = f"query {{ cities {{ edges {{ node {{ {spreads} }} }} }} }} {few}"
    assert any(
        f"{MAX_SPREADS + 1} fragment spreads in one selection" in m for m in messages(schema, document)
    )


def test_depth_and_aliases_count_through_fragments(schema: GraphQLSchema) -> None:
    deep = "fragment D on City { projects { node { cities { node { projects { node { cities { node { uid } } } } } } } } }"
    query = f"query {{ cities {{ edges {{ node {{ projects {{ node {{ cities {{ node {{ ...D }} }} }} }} }} }} }} }} {deep}"
    assert any("exceeds maximum operation depth 10" in m for m in messages(schema, query))
    aliased = "fragment A on City { " + " ".join(f"a{i}: uid" for i in range(11)) + " }"
    twice = f"query {{ cities {{ edges {{ node {{ ...A x: projects {{ node {{ uid }} }} }} }} }} }} {aliased}"
    assert messages(schema, twice) == []
    both = f"query {{ one: cities {{ edges {{ node {{ ...A }} }} }} two: cities {{ edges {{ node {{ ...A }} }} }} }} {aliased}"
    assert any("24 aliases exceed the limit of 20" in m for m in messages(schema, both))
