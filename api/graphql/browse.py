"""node(id:), full-text search and aggregate counts: the analyst's and the dashboard's entry points."""

from __future__ import annotations

from typing import Annotated, Any, Union

import strawberry
from graphql import GraphQLError
from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from api.graphql.graph import TYPES, children, included, node_selection, read, to_node
from api.graphql.permissions import CanRead
from queries import browse
from queries.graph_read import GRAPH_MODEL, MAX_PAGE, node_statement

# Every generated node type, as one union for node(id:).
AnyNode = Annotated[Union[tuple(generated.node for generated in TYPES.values())], strawberry.union("AnyNode")]  # type: ignore[valid-type]  # noqa: UP007


@strawberry.type(description="A node found by full-text search over names and aliases (accents folded).")
class SearchHit:
    label: str
    uid: str
    name: str | None
    score: float

    @strawberry.field(permission_classes=[CanRead], description="The global id, for node(id:).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(f"{self.label}:{self.uid}")


@strawberry.type
class Count:
    key: str
    count: int


@strawberry.type(description="Counts for dashboards, computed by the database.")
class Aggregates:
    labels: list[Count]
    city_roles: list[Count]
    challenges_by_field: list[Count]
    challenges_by_category: list[Count]
    outcomes: list[Count]


def _fields_for(label: str, field: SelectedField) -> list[SelectedField]:
    """Fields selected for ``label`` through fragments (``... on City { name }``) or directly."""
    selected: list[SelectedField] = []
    for child in field.selections:
        if not included(child):
            continue
        if isinstance(child, SelectedField):
            selected.append(child)
        elif isinstance(child, InlineFragment | FragmentSpread) and child.type_condition in (label, None):
            selected.extend(children(child))
    return selected


async def _counts(info: Info, query: Any, **params: Any) -> list[Count]:
    rows = await read(info, (query, params))
    return [Count(key=str(row["key"]), count=int(row["count"])) for row in rows]


@strawberry.type
class BrowseQuery:
    @strawberry.field(
        permission_classes=[CanRead],
        description='Any node by its global id "Label:uid" (e.g. "City:lyon"); null if absent.',
    )
    async def node(self, info: Info, id: strawberry.ID) -> AnyNode | None:  # type: ignore[valid-type]
        label, _, uid = str(id).partition(":")
        if label not in GRAPH_MODEL or not uid:
            raise GraphQLError(
                f'an id is "Label:uid" with a known label, not {id!r}', extensions={"code": "BAD_USER_INPUT"}
            )
        field = info.selected_fields[0]
        assert isinstance(field, SelectedField)
        selection = node_selection(label, _fields_for(label, field))
        rows = await read(info, node_statement(selection, uid))
        return to_node(label, rows[0]["node"], selection) if rows else None

    @strawberry.field(
        description="Full-text search across names and aliases of the given labels (default all)."
    )
    async def search(
        self, info: Info, text: str, labels: list[str] | None = None, first: int = 20
    ) -> list[SearchHit]:
        if not 1 <= first <= MAX_PAGE:
            raise GraphQLError(
                f"first must be between 1 and {MAX_PAGE}", extensions={"code": "BAD_USER_INPUT"}
            )
        unknown = sorted(set(labels or []) - set(GRAPH_MODEL))
        if unknown:
            raise GraphQLError(f"unknown labels: {', '.join(unknown)}", extensions={"code": "BAD_USER_INPUT"})
        terms = browse.lucene_terms(text)
        if not terms:
            return []
        rows = await read(
            info,
            (browse.SEARCH_NAMES, {"text": terms, "labels": labels or list(GRAPH_MODEL), "first": first}),
        )
        return [
            SearchHit(label=r["label"], uid=r["uid"], name=r["name"], score=float(r["score"])) for r in rows
        ]

    @strawberry.field(
        description="Counts per label, per city role, per thematic field, per category, per outcome."
    )
    async def aggregates(self, info: Info) -> Aggregates:
        return Aggregates(
            labels=await _counts(info, browse.COUNT_BY_LABEL, labels=list(GRAPH_MODEL)),
            city_roles=await _counts(info, browse.COUNT_CITY_ROLES),
            challenges_by_field=await _counts(info, browse.COUNT_CHALLENGES_BY_FIELD),
            challenges_by_category=await _counts(info, browse.COUNT_CHALLENGES_BY_CATEGORY),
            outcomes=await _counts(info, browse.COUNT_OUTCOMES),
        )
