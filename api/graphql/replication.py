"""GraphQL types for the replication engine's results, converted explicitly from kg.replication's models."""

from __future__ import annotations

from enum import Enum

import strawberry

from kg.replication import models as engine


@strawberry.enum(description="How a follower's challenge reached the lighthouse's solution.")
class LinkKind(Enum):
    EXACT = "exact"
    SEMANTIC = "semantic"


@strawberry.type(description="A city by public id and name.")
class CityRef:
    uid: str
    name: str


@strawberry.type
class ChallengeRef:
    uid: str
    name: str


@strawberry.type(description="One factor of a match score; value is null when there is no data for it.")
class Factor:
    name: str
    value: float | None
    weight: float
    detail: str


@strawberry.type
class SharedChallenge:
    follower_challenge: ChallengeRef
    matched_challenge: ChallengeRef
    kind: LinkKind
    similarity: float
    strength: float
    solutions: list[str]


@strawberry.type
class SolutionLink:
    uid: str
    name: str
    project: str | None
    status: str | None
    addresses: str
    outcome: str
    confidence: float


@strawberry.type(description="A source passage behind a claim: open file_name and search for quote.")
class Evidence:
    claim: str
    source: str
    file_name: str
    quote: str


@strawberry.type(description="A lighthouse city matched to a follower, with the score explained.")
class Match:
    follower: CityRef
    lighthouse: CityRef
    score: float
    factors: list[Factor]
    shared_challenges: list[SharedChallenge]
    solutions: list[SolutionLink]
    evidence: list[Evidence]
    shared_projects: list[str]
    shared_networks: list[str]
    kb_version: str | None


@strawberry.type
class Gap:
    uid: str
    name: str
    category: str | None


@strawberry.type(description="Ranked matches for one follower, or a note saying why there are none.")
class FollowerMatches:
    follower: CityRef
    matches: list[Match]
    gaps: list[Gap]
    challenges: int
    note: str | None
    kb_version: str | None


@strawberry.type
class SharedChallengeRow:
    uid: str
    name: str
    category: str | None
    cities: list[str]
    projects: list[str]
    fields: list[str]
    sources: list[str]
    solutions: int
    evidence: int
    kb_version: str | None


@strawberry.type
class FollowerGaps:
    follower: CityRef
    challenges: int
    gaps: list[Gap]
    kb_version: str | None


@strawberry.type
class UnreplicatedChallenge:
    uid: str
    name: str
    outcome: str | None


@strawberry.type
class UnreplicatedSolution:
    uid: str
    name: str
    lighthouse: CityRef
    projects: list[str]
    challenges: list[UnreplicatedChallenge]
    kb_version: str | None


# ------------------------------------------------------------------------------------------------ converters


def city(ref: engine.CityRef) -> CityRef:
    return CityRef(uid=ref.uid, name=ref.name)


def gap(item: engine.Gap) -> Gap:
    return Gap(uid=item.uid, name=item.name, category=item.category)


def match(item: engine.Match) -> Match:
    return Match(
        follower=city(item.follower),
        lighthouse=city(item.lighthouse),
        score=item.score,
        factors=[
            Factor(name=name, value=factor.value, weight=factor.weight, detail=factor.detail)
            for name, factor in item.factors.items()
        ],
        shared_challenges=[
            SharedChallenge(
                follower_challenge=ChallengeRef(uid=s.follower_challenge.uid, name=s.follower_challenge.name),
                matched_challenge=ChallengeRef(uid=s.matched_challenge.uid, name=s.matched_challenge.name),
                kind=LinkKind(s.kind),
                similarity=s.similarity,
                strength=s.strength,
                solutions=s.solutions,
            )
            for s in item.shared_challenges
        ],
        solutions=[SolutionLink(**s.model_dump()) for s in item.solutions],
        evidence=[Evidence(**e.model_dump()) for e in item.evidence],
        shared_projects=item.shared_projects,
        shared_networks=item.shared_networks,
        kb_version=item.kb_version,
    )


def follower_matches(item: engine.FollowerMatches) -> FollowerMatches:
    return FollowerMatches(
        follower=city(item.follower),
        matches=[match(m) for m in item.matches],
        gaps=[gap(g) for g in item.gaps],
        challenges=item.challenges,
        note=item.note,
        kb_version=item.kb_version,
    )


def shared_challenge_row(item: engine.SharedChallengeRow) -> SharedChallengeRow:
    return SharedChallengeRow(**item.model_dump())


def follower_gaps(item: engine.FollowerGaps) -> FollowerGaps:
    return FollowerGaps(
        follower=city(item.follower),
        challenges=item.challenges,
        gaps=[gap(g) for g in item.gaps],
        kb_version=item.kb_version,
    )


def unreplicated_solution(item: engine.UnreplicatedSolution) -> UnreplicatedSolution:
    return UnreplicatedSolution(
        uid=item.uid,
        name=item.name,
        lighthouse=city(item.lighthouse),
        projects=item.projects,
        challenges=[
            UnreplicatedChallenge(uid=str(c["uid"]), name=str(c["name"]), outcome=c.get("outcome"))
            for c in item.challenges
        ],
        kb_version=item.kb_version,
    )
