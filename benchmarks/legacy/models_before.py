"""The replication engine's results: pydantic models, each stating the knowledge-base version it was computed on."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from kg.core.errors import NotFoundError


class CityNotFoundError(NotFoundError):
    """No city has that public id, name or alias."""


class NotAFollowerError(NotFoundError):
    """The city holds no follower role in any project."""


class CityRef(BaseModel):
    uid: str
    name: str


class ChallengeRef(BaseModel):
    uid: str
    name: str


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
    solutions: list[str]


class SolutionLink(BaseModel):
    uid: str
    name: str
    project: str | None
    status: str | None
    addresses: str
    outcome: str
    confidence: float


class Evidence(BaseModel):
    claim: str
    source: str
    file_name: str
    quote: str


class Match(BaseModel):
    follower: CityRef
    lighthouse: CityRef
    score: float
    factors: dict[str, Factor]
    shared_challenges: list[SharedChallenge]
    solutions: list[SolutionLink]
    evidence: list[Evidence]
    shared_projects: list[str]
    shared_networks: list[str]
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
