"""The replication engine: ranked, explained follower-to-lighthouse matches and the analyses around them."""

from __future__ import annotations

from kg.replication.challenges import challenge_text, refresh_challenge_embeddings
from kg.replication.engine import NO_KNOWN_SOLUTION, SEMANTIC_THRESHOLD, EngineConfig, ReplicationEngine
from kg.replication.models import (
    CityNotFoundError,
    FollowerGaps,
    FollowerMatches,
    Match,
    NotAFollowerError,
    SharedChallengeRow,
    UnreplicatedSolution,
)

__all__ = [
    "NO_KNOWN_SOLUTION",
    "SEMANTIC_THRESHOLD",
    "CityNotFoundError",
    "EngineConfig",
    "FollowerGaps",
    "FollowerMatches",
    "Match",
    "NotAFollowerError",
    "ReplicationEngine",
    "SharedChallengeRow",
    "UnreplicatedSolution",
    "challenge_text",
    "refresh_challenge_embeddings",
]
