"""GraphQL types for the replication engine's results, converted explicitly from kg.replication's models, and
the ``ScoringInput`` a request overrides the versioned scoring configuration with."""

from __future__ import annotations

from enum import Enum

import strawberry

from kg.replication import ScoringConfig
from kg.replication import models as engine


@strawberry.enum(description="How a follower's challenge reached the lighthouse's solution.")
class LinkKind(Enum):
    EXACT = "exact"
    SEMANTIC = "semantic"


@strawberry.enum(description="Whose barrier it is: the city's own statement, a named group's, its project's.")
class Attribution(Enum):
    OWN = "own"
    GROUP = "group"
    PROJECT = "project"


@strawberry.type(description="A city by public id and name.")
class CityRef:
    uid: str
    name: str


@strawberry.type
class ChallengeRef:
    uid: str
    name: str


@strawberry.type(description="An organisation behind a lighthouse's solution: who to talk to.")
class OrganisationRef:
    uid: str
    name: str
    role: str | None


@strawberry.type(
    description="A process driver or enabler a document states for the lighthouse or its solution."
)
class DriverRef:
    uid: str
    name: str
    category: str | None
    of: str | None


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
    attribution: Attribution
    via: str | None
    solutions: list[str]


@strawberry.type(description="A need the follower states, met by a lighthouse solution of that kind.")
class MetNeed:
    field: ChallengeRef
    need: str
    attribution: Attribution
    strength: float
    solutions: list[str]


@strawberry.type
class SolutionLink:
    uid: str
    name: str
    project: str | None
    status: str | None
    status_label: str | None
    addresses: str | None
    outcome: str | None
    confidence: float
    organisations: list[OrganisationRef]


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
    reason: str
    factors: list[Factor]
    shared_challenges: list[SharedChallenge]
    met_needs: list[MetNeed]
    solutions: list[SolutionLink]
    organisations: list[OrganisationRef]
    evidence: list[Evidence]
    shared_projects: list[str]
    shared_networks: list[str]
    lighthouse_drivers: list[DriverRef]
    follower_drivers: list[DriverRef]
    scoring: str
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
    scoring: str
    kb_version: str | None


@strawberry.type(description="For a lighthouse solution: the follower cities facing its barrier, ranked.")
class SolutionCandidates:
    solution: CityRef
    lighthouse: CityRef | None
    status: str | None
    status_label: str | None
    addresses: list[ChallengeRef]
    candidates: list[Match]
    note: str | None
    scoring: str
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


# ------------------------------------------------------------------------------------------------ scoring input


@strawberry.input(description="Factor weights to use instead of the defaults (unset: the default weight).")
class WeightsInput:
    challenges: float | None = None
    needs: float | None = None
    channel: float | None = None
    thematic: float | None = None
    context: float | None = None


@strawberry.input(
    description=(
        "Overrides of the versioned scoring configuration; every result names the configuration it used "
        "(`scoring`: the version, plus a digest when overridden)."
    )
)
class ScoringInput:
    ignore_ties: bool = strawberry.field(default=False, description="Leave the replication channel out.")
    outcomes: list[str] | None = strawberry.field(
        default=None,
        description="Only links with these outcomes count: solved, mitigated, attempted, proposed.",
    )
    min_status: str | None = strawberry.field(
        default=None, description="Only solutions at least this far count: idea … completed."
    )
    semantic_threshold: float | None = None
    weights: WeightsInput | None = None


def scoring_config(given: ScoringInput | None, default_outcomes: list[str] | None = None) -> ScoringConfig:
    """The configuration a request asks for; a value out of range is BAD_USER_INPUT (InvalidScoringError)."""
    if given is None:
        return ScoringConfig.requested(outcomes=default_outcomes)
    weights = {k: v for k, v in vars(given.weights).items() if v is not None} if given.weights else None
    return ScoringConfig.requested(
        weights=weights,
        ignore_ties=given.ignore_ties,
        outcomes=given.outcomes if given.outcomes is not None else default_outcomes,
        min_status=given.min_status,
        semantic_threshold=given.semantic_threshold,
    )


# ------------------------------------------------------------------------------------------------ converters


def city(ref: engine.CityRef) -> CityRef:
    return CityRef(uid=ref.uid, name=ref.name)


def gap(item: engine.Gap) -> Gap:
    return Gap(uid=item.uid, name=item.name, category=item.category)


def _organisations(items: list[engine.OrganisationRef]) -> list[OrganisationRef]:
    return [OrganisationRef(uid=o.uid, name=o.name, role=o.role) for o in items]


def match(item: engine.Match) -> Match:
    return Match(
        follower=city(item.follower),
        lighthouse=city(item.lighthouse),
        score=item.score,
        reason=item.reason,
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
                attribution=Attribution(s.attribution),
                via=s.via,
                solutions=s.solutions,
            )
            for s in item.shared_challenges
        ],
        met_needs=[
            MetNeed(
                field=ChallengeRef(uid=n.field.uid, name=n.field.name),
                need=n.need,
                attribution=Attribution(n.attribution),
                strength=n.strength,
                solutions=n.solutions,
            )
            for n in item.met_needs
        ],
        solutions=[
            SolutionLink(
                **s.model_dump(exclude={"organisations"}), organisations=_organisations(s.organisations)
            )
            for s in item.solutions
        ],
        organisations=_organisations(item.organisations),
        evidence=[Evidence(**e.model_dump()) for e in item.evidence],
        shared_projects=item.shared_projects,
        shared_networks=item.shared_networks,
        lighthouse_drivers=[DriverRef(**d.model_dump()) for d in item.lighthouse_drivers],
        follower_drivers=[DriverRef(**d.model_dump()) for d in item.follower_drivers],
        scoring=item.scoring,
        kb_version=item.kb_version,
    )


def follower_matches(item: engine.FollowerMatches) -> FollowerMatches:
    return FollowerMatches(
        follower=city(item.follower),
        matches=[match(m) for m in item.matches],
        gaps=[gap(g) for g in item.gaps],
        challenges=item.challenges,
        note=item.note,
        scoring=item.scoring,
        kb_version=item.kb_version,
    )


def solution_candidates(item: engine.SolutionCandidates) -> SolutionCandidates:
    return SolutionCandidates(
        solution=city(item.solution),
        lighthouse=city(item.lighthouse) if item.lighthouse else None,
        status=item.status,
        status_label=item.status_label,
        addresses=[ChallengeRef(uid=c.uid, name=c.name) for c in item.addresses],
        candidates=[match(m) for m in item.candidates],
        note=item.note,
        scoring=item.scoring,
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
