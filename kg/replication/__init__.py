"""The replication engine: ranked, explained follower-to-lighthouse matches, the mission's question the other way
round (which followers face the barrier a lighthouse solution overcame), and the analyses around them."""

from __future__ import annotations

from kg.replication.challenges import challenge_text, refresh_challenge_embeddings, refresh_similarities
from kg.replication.config import SCORING_VERSION, FactorWeights, InvalidScoringError, ScoringConfig
from kg.replication.engine import NO_CHALLENGES, NO_KNOWN_SOLUTION, SEMANTIC_THRESHOLD, ReplicationEngine
from kg.replication.models import (
    CityNotFoundError,
    FollowerGaps,
    FollowerMatches,
    Match,
    NotAFollowerError,
    SharedChallengeRow,
    SolutionCandidates,
    SolutionNotFoundError,
    UnreplicatedSolution,
)

__all__ = [
    "NO_CHALLENGES",
    "NO_KNOWN_SOLUTION",
    "SCORING_VERSION",
    "SEMANTIC_THRESHOLD",
    "CityNotFoundError",
    "FactorWeights",
    "FollowerGaps",
    "FollowerMatches",
    "InvalidScoringError",
    "Match",
    "NotAFollowerError",
    "ReplicationEngine",
    "ScoringConfig",
    "SharedChallengeRow",
    "SolutionCandidates",
    "SolutionNotFoundError",
    "UnreplicatedSolution",
    "challenge_text",
    "refresh_challenge_embeddings",
    "refresh_similarities",
]
