"""The replication engine's results: pydantic models, each stating the knowledge-base version and the scoring
configuration it was computed with."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from kg.core.errors import NotFoundError

Attribution = Literal["own", "group", "project"]


class CityNotFoundError(NotFoundError):
    """No city has that public id, name or alias."""


class NotAFollowerError(NotFoundError):
    """The city holds no follower role in any project."""


class SolutionNotFoundError(NotFoundError):
    """No solution has that public id, name or alias, or it is implemented in no lighthouse city."""


class CityRef(BaseModel):
    uid: str
    name: str


class ChallengeRef(BaseModel):
    uid: str
    name: str


class OrganisationRef(BaseModel):
    uid: str
    name: str
    role: str | None = None


class DriverRef(BaseModel):
    uid: str
    name: str
    category: str | None = None
    of: str | None = None  # the entity it drives: "City:lund", "Solution:..."


class Factor(BaseModel):
    value: float | None = Field(description="in [0, 1]; null when there is no data (then it is left out)")
    weight: float
    detail: str


class SharedChallenge(BaseModel):
    follower_challenge: ChallengeRef
    matched_challenge: ChallengeRef
    kind: Literal["exact", "semantic"]
    similarity: float
    strength: float
    attribution: Attribution = Field(
        description="whose barrier: the city's own, a named group's, its project's"
    )
    via: str | None = Field(None, description="the group or project the attribution goes through")
    solutions: list[str]


class MetNeed(BaseModel):
    field: ChallengeRef
    need: str
    attribution: Attribution
    strength: float
    solutions: list[str]


class SolutionLink(BaseModel):
    uid: str
    name: str
    project: str | None
    status: str | None
    status_label: str | None = None
    addresses: str | None = Field(description="the challenge it addresses; null when it meets a need")
    outcome: str | None
    confidence: float
    organisations: list[OrganisationRef] = Field(default_factory=list)


class Evidence(BaseModel):
    claim: str
    source: str
    file_name: str
    quote: str


class Match(BaseModel):
    follower: CityRef
    lighthouse: CityRef
    score: float
    reason: str = Field(description="one sentence a planner can read")
    factors: dict[str, Factor]
    shared_challenges: list[SharedChallenge]
    met_needs: list[MetNeed] = Field(default_factory=list)
    solutions: list[SolutionLink]
    organisations: list[OrganisationRef] = Field(default_factory=list, description="who to talk to")
    evidence: list[Evidence]
    shared_projects: list[str]
    shared_networks: list[str]
    lighthouse_drivers: list[DriverRef] = Field(default_factory=list)
    follower_drivers: list[DriverRef] = Field(default_factory=list)
    scoring: str
    kb_version: str | None


class Gap(BaseModel):
    uid: str
    name: str
    category: str | None


class FollowerMatches(BaseModel):
    follower: CityRef
    matches: list[Match]
    gaps: list[Gap]
    challenges: int
    note: str | None
    scoring: str
    kb_version: str | None


class SolutionCandidates(BaseModel):
    """The mission's question: for a lighthouse solution, the follower cities that face its barrier."""

    solution: CityRef
    lighthouse: CityRef | None
    status: str | None
    status_label: str | None = None
    addresses: list[ChallengeRef]
    candidates: list[Match]
    note: str | None
    scoring: str
    kb_version: str | None


class SharedChallengeRow(BaseModel):
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


class FollowerGaps(BaseModel):
    follower: CityRef
    challenges: int
    gaps: list[Gap]
    kb_version: str | None


class UnreplicatedSolution(BaseModel):
    uid: str
    name: str
    lighthouse: CityRef
    projects: list[str]
    challenges: list[dict[str, str | None]]
    kb_version: str | None
