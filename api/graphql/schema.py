"""The GraphQL schema: replication questions first (issue 4's engine), served at /graphql."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.fastapi import BaseContext
from strawberry.types import Info

from api.graphql import replication as types
from api.graphql.permissions import CanRead
from kg.apikeys import Principal
from kg.errors import KGError
from kg.replication import CityNotFoundError, NotAFollowerError, ReplicationEngine
from kg.settings import Settings

T = TypeVar("T")
MAX_PAGE = 100


@dataclass
class Context(BaseContext):
    """Per request: a replication engine over the process's driver (stateless, cheap to build)."""

    engine: ReplicationEngine | None
    principal: Principal | None = None
    invalid_key: bool = False
    reads_open: bool = True

    def __post_init__(self) -> None:
        super().__init__()


def _engine(info: Info[Context, None]) -> ReplicationEngine:
    engine = info.context.engine
    if engine is None:
        raise GraphQLError("Neo4j is not available", extensions={"code": "SERVICE_UNAVAILABLE"})
    return engine


async def _call(info: Info[Context, None], work: Callable[[ReplicationEngine], T]) -> T:
    """Run blocking driver work off the event loop; kg's own errors become coded GraphQL errors."""
    engine = _engine(info)
    try:
        return await asyncio.to_thread(work, engine)
    except (CityNotFoundError, NotAFollowerError) as error:
        raise GraphQLError(str(error), extensions={"code": "NOT_FOUND"}) from error
    except KGError as error:
        raise GraphQLError(str(error), extensions={"code": "BAD_USER_INPUT"}) from error


def _page(first: int | None) -> int | None:
    if first is not None and not 1 <= first <= MAX_PAGE:
        raise GraphQLError(f"first must be between 1 and {MAX_PAGE}", extensions={"code": "BAD_USER_INPUT"})
    return first


@strawberry.type
class ReplicationQuery:
    @strawberry.field(
        description="Ranked, explained lighthouse matches for a follower city (public id, name or alias)."
    )
    async def replication_matches(
        self, info: Info[Context, None], follower: str, first: int | None = 5, min_score: float = 0.0
    ) -> types.FollowerMatches:
        top = _page(first)
        result = await _call(info, lambda engine: engine.matches_for(follower, top, min_score))
        return types.follower_matches(result)

    @strawberry.field(
        permission_classes=[CanRead], description="Matches for every city with a follower role."
    )
    async def all_replication_matches(
        self, info: Info[Context, None], first: int | None = 5, min_score: float = 0.0
    ) -> list[types.FollowerMatches]:
        top = _page(first)
        results = await _call(info, lambda engine: engine.matches_for_all(top, min_score))
        return [types.follower_matches(r) for r in results]

    @strawberry.field(
        description="Matches for a city not in the graph, described by its barriers in free text."
    )
    async def barrier_matches(
        self,
        info: Info[Context, None],
        barriers: list[str],
        country: str | None = None,
        population: int | None = None,
        first: int | None = 5,
        min_score: float = 0.0,
    ) -> types.FollowerMatches:
        top = _page(first)
        if not 1 <= len(barriers) <= 20 or any(not 3 <= len(b) <= 500 for b in barriers):
            raise GraphQLError(
                "give 1-20 barriers of 3-500 characters", extensions={"code": "BAD_USER_INPUT"}
            )
        result = await _call(
            info,
            lambda engine: engine.matches_for_barriers(barriers, country, population, None, top, min_score),
        )
        return types.follower_matches(result)

    @strawberry.field(
        permission_classes=[CanRead],
        description="Challenges faced by several cities across projects and fields, ranked.",
    )
    async def shared_challenges(
        self, info: Info[Context, None], min_cities: int = 2, first: int | None = None
    ) -> list[types.SharedChallengeRow]:
        top = _page(first)
        rows = await _call(info, lambda engine: engine.shared_challenges(min_cities))
        return [types.shared_challenge_row(r) for r in rows[:top]]

    @strawberry.field(
        permission_classes=[CanRead],
        description="Follower challenges no solution addresses, exactly or semantically.",
    )
    async def gaps(self, info: Info[Context, None], follower: str | None = None) -> list[types.FollowerGaps]:
        rows = await _call(info, lambda engine: engine.gaps(follower))
        return [types.follower_gaps(r) for r in rows]

    @strawberry.field(
        description="Lighthouse solutions no follower facing their challenge has been matched to."
    )
    async def unreplicated_solutions(self, info: Info[Context, None]) -> list[types.UnreplicatedSolution]:
        rows = await _call(info, lambda engine: engine.unreplicated_solutions())
        return [types.unreplicated_solution(r) for r in rows]

    @strawberry.field(
        permission_classes=[CanRead], description="The knowledge-base version results are computed on."
    )
    async def kb_version(self, info: Info[Context, None]) -> str | None:
        return await _call(info, lambda engine: engine.kb_version())


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema with its safety extensions (depth, aliases, tokens, cost, masking; introspection off in production)."""
    from api.graphql.browse import BrowseQuery
    from api.graphql.graph import root_fields
    from api.graphql.mutations import Mutation
    from api.security import schema_extensions

    query = strawberry.type(type("Query", (ReplicationQuery, BrowseQuery), root_fields()))
    return strawberry.Schema(
        query=query, mutation=Mutation, extensions=schema_extensions(settings or Settings())
    )


def sdl() -> str:
    """The schema in SDL, as exported to schema/schema.graphql."""
    return build_schema().as_str() + "\n"
