"""The GraphQL schema: replication questions first (issue 4's engine), served at /graphql."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext, Info

from api.fairshare import ShareFairly
from api.graphql import replication as types
from api.graphql.browse import browse_query
from api.graphql.connections import connection_fields
from api.graphql.context import Context, graphql_error, with_engine
from api.graphql.graph import build_graph_types
from api.graphql.mutations import Mutation
from api.graphql.permissions import CanRead
from api.graphql.subgraph import SubgraphQuery
from api.security import schema_extensions
from kg.core.settings import Settings
from kg.replication import InvalidScoringError, ScoringConfig

ALREADY_SOLVED = ("solved", "mitigated")

MAX_PAGE = 100


def _page(first: int | None) -> int | None:
    if first is not None and not 1 <= first <= MAX_PAGE:
        raise GraphQLError(f"first must be between 1 and {MAX_PAGE}", extensions={"code": "BAD_USER_INPUT"})
    return first


def _config(scoring: types.ScoringInput | None, default_outcomes: list[str] | None = None) -> ScoringConfig:
    try:
        return types.scoring_config(scoring, default_outcomes)
    except InvalidScoringError as error:
        raise graphql_error(error) from error


async def _replication_matches(
    info: Info[Context, None],
    follower: str,
    first: int | None = 5,
    min_score: float = 0.0,
    scoring: types.ScoringInput | None = None,
) -> types.FollowerMatches:
    top, config = _page(first), _config(scoring)
    result = await with_engine(
        info, lambda engine: engine.with_config(config).matches_for(follower, top, min_score)
    )
    return types.follower_matches(result)


async def _all_replication_matches(
    info: Info[Context, None],
    first: int | None = 5,
    min_score: float = 0.0,
    scoring: types.ScoringInput | None = None,
) -> list[types.FollowerMatches]:
    top, config = _page(first), _config(scoring)
    results = await with_engine(
        info, lambda engine: engine.with_config(config).matches_for_all(top, min_score)
    )
    return [types.follower_matches(r) for r in results]


async def _barrier_matches(
    info: Info[Context, None],
    barriers: list[str],
    country: str | None = None,
    population: int | None = None,
    first: int | None = 5,
    min_score: float = 0.0,
    scoring: types.ScoringInput | None = None,
) -> types.FollowerMatches:
    top, config = _page(first), _config(scoring)
    if not 1 <= len(barriers) <= 20 or any(not 3 <= len(b) <= 500 for b in barriers):
        raise GraphQLError("give 1-20 barriers of 3-500 characters", extensions={"code": "BAD_USER_INPUT"})
    result = await with_engine(
        info,
        lambda engine: engine.with_config(config).matches_for_barriers(
            barriers, country, population, None, top, min_score
        ),
    )
    return types.follower_matches(result)


async def _replication_candidates(
    info: Info[Context, None],
    solution: str,
    first: int | None = 10,
    min_score: float = 0.0,
    scoring: types.ScoringInput | None = None,
) -> types.SolutionCandidates:
    top, config = _page(first), _config(scoring)
    result = await with_engine(
        info, lambda engine: engine.with_config(config).candidates_for(solution, top, min_score)
    )
    return types.solution_candidates(result)


async def _all_replication_candidates(
    info: Info[Context, None],
    min_score: float = 0.0,
    first: int | None = 10,
    scoring: types.ScoringInput | None = None,
) -> list[types.SolutionCandidates]:
    top, config = _page(first), _config(scoring, default_outcomes=list(ALREADY_SOLVED))
    results = await with_engine(
        info, lambda engine: engine.with_config(config).candidates_for_all(min_score, top)
    )
    return [types.solution_candidates(r) for r in results]


async def _shared_challenges(
    info: Info[Context, None], min_cities: int = 2, first: int | None = None
) -> list[types.SharedChallengeRow]:
    top = _page(first)
    rows = await with_engine(info, lambda engine: engine.shared_challenges(min_cities))
    return [types.shared_challenge_row(r) for r in rows[:top]]


async def _gaps(info: Info[Context, None], follower: str | None = None) -> list[types.FollowerGaps]:
    rows = await with_engine(info, lambda engine: engine.gaps(follower))
    return [types.follower_gaps(r) for r in rows]


async def _unreplicated_solutions(info: Info[Context, None]) -> list[types.UnreplicatedSolution]:
    rows = await with_engine(info, lambda engine: engine.unreplicated_solutions())
    return [types.unreplicated_solution(r) for r in rows]


async def _kb_version(info: Info[Context, None]) -> str | None:
    return await with_engine(info, lambda engine: engine.kb_version())


@strawberry.type
class ReplicationQuery:
    replication_matches = strawberry.field(
        resolver=_replication_matches,
        permission_classes=[CanRead],
        description="Ranked, explained lighthouse matches for a follower city (public id, name or alias).",
    )
    all_replication_matches = strawberry.field(
        resolver=_all_replication_matches,
        permission_classes=[CanRead],
        description="Matches for every city with a follower role.",
    )
    barrier_matches = strawberry.field(
        resolver=_barrier_matches,
        permission_classes=[CanRead],
        description="Matches for a city not in the graph, described by its barriers in free text.",
    )
    replication_candidates = strawberry.field(
        resolver=_replication_candidates,
        permission_classes=[CanRead],
        description=(
            "The mission's question: for a lighthouse solution (public id, name or alias), the follower cities "
            "that face its barrier (exactly or worded alike) or need a solution of its kind, ranked and explained."
        ),
    )
    all_replication_candidates = strawberry.field(
        resolver=_all_replication_candidates,
        permission_classes=[CanRead],
        description=(
            'Every (lighthouse solution, follower) pair above minScore. "Already solved it" defaults to the '
            "outcomes solved or mitigated; scoring.outcomes and scoring.minStatus change it."
        ),
    )
    shared_challenges = strawberry.field(
        resolver=_shared_challenges,
        permission_classes=[CanRead],
        description="Challenges faced by several cities across projects and fields, ranked.",
    )
    gaps = strawberry.field(
        resolver=_gaps,
        permission_classes=[CanRead],
        description="Follower challenges no solution addresses, exactly or semantically.",
    )
    unreplicated_solutions = strawberry.field(
        resolver=_unreplicated_solutions,
        permission_classes=[CanRead],
        description="Lighthouse solutions no follower facing their challenge has been matched to.",
    )
    kb_version = strawberry.field(
        resolver=_kb_version,
        permission_classes=[CanRead],
        description="The knowledge-base version results are computed on.",
    )


class KGSchema(strawberry.Schema):
    """strawberry's schema, without its log line (and traceback) per error: a caller's mistake is not the
    server's, and the access log has its code; internal errors are logged once, with the request id, where they
    are masked (``api.security.MaskUnexpectedErrors``)."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        return None


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema with its safety extensions (depth, aliases, tokens, cost, masking; introspection off in
    production) and fair sharing by cost (``api.fairshare``)."""
    graph_types = build_graph_types()
    query = strawberry.type(
        type(
            "Query",
            (ReplicationQuery, SubgraphQuery, browse_query(graph_types)),
            connection_fields(graph_types),
        )
    )
    extensions = [*schema_extensions(settings or Settings()), ShareFairly]
    return KGSchema(query=query, mutation=Mutation, extensions=extensions)


def sdl() -> str:
    """The schema in SDL, as exported to schema/schema.graphql."""
    return build_schema().as_str() + "\n"
