"""The scoring configuration: one versioned set of weights that every result states, and that a request may
override (GraphQL arguments, CLI flags) without touching the code.

``ScoringConfig()`` is the default, named by ``SCORING_VERSION``. An override (``config.with_overrides(...)``)
keeps the version and adds a digest of what changed, so two results computed with different weights never look
alike: ``2026-12-01`` vs ``2026-12-01+3f9a1c2b``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from functools import cache, cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kg.core.errors import InvalidInputError
from schema.validation import field_errors
from schema.vocabularies import Outcome, SolutionStatus

SCORING_VERSION = "2026-12-01"


class InvalidScoringError(InvalidInputError):
    """A scoring override out of range (a negative weight, a threshold below the similarity floor, ...)."""


class FactorWeights(BaseModel):
    """How much each factor counts in the weighted mean (factors without data are left out)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    challenges: float = Field(0.5, ge=0)  # the lighthouse's solutions answer the follower's barriers
    needs: float = Field(0.1, ge=0)  # ... and the kinds of solution the follower says it needs
    channel: float = Field(0.2, ge=0)  # how replication travels: a shared project, else a shared network
    thematic: float = Field(0.1, ge=0)  # overlap of fields
    context: float = Field(0.1, ge=0)  # country, size, climate

    @model_validator(mode="after")
    def _some_factor_counts(self) -> FactorWeights:
        if not any(self.model_dump().values()):
            raise ValueError("at least one factor weight must be above 0")
        return self


class ScoringConfig(BaseModel):
    """Every number the engine scores with. See the README's "How a match is scored"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = SCORING_VERSION
    weights: FactorWeights = FactorWeights()
    # What a link is worth by what the solution achieved on the barrier, and by how far it has come.
    outcome_weights: dict[Outcome, float] = {
        Outcome.SOLVED: 1.0,
        Outcome.MITIGATED: 0.75,
        Outcome.ATTEMPTED: 0.5,
        Outcome.PROPOSED: 0.3,
    }
    status_weights: dict[SolutionStatus, float] = {
        SolutionStatus.COMPLETED: 1.0,
        SolutionStatus.IN_OPERATION: 1.0,
        SolutionStatus.UNDER_CONSTRUCTION: 0.7,
        SolutionStatus.IN_PREPARATION: 0.55,
        SolutionStatus.PLANNED: 0.45,
        SolutionStatus.IDEA: 0.35,
    }
    unknown_status_weight: float = Field(0.5, ge=0, le=1)
    # Whose barrier it is: the city's own statement, a named group's that includes it, or its project's.
    attribution_weights: dict[str, float] = {"own": 1.0, "group": 0.6, "project": 0.25}
    # The replication channel: SCC-01 followers commit to replicate their own project's lighthouses.
    channel_weights: dict[str, float] = {"project": 1.0, "network": 0.4, "none": 0.0}
    evidence_base: float = Field(0.25, gt=0, lt=1)  # evidence weight 1 - base^n for n independent documents
    # A project's barrier reaches its cities only indirectly; reached again only through a differently worded
    # neighbour it is two steps from anything the city said, so by default it does not count (a city's own or
    # its group's barrier matched semantically does).
    semantic_project_links: bool = False
    # Semantic links come from the SIMILAR_TO neighbours computed at embedding time (cosine >= 0.3, 25 per
    # challenge): a threshold may not go below that floor, nor the neighbours above that count.
    semantic_threshold: float = Field(0.38, ge=0.3, lt=1.0)
    neighbours: int = Field(10, ge=1, le=25)
    # Filters: only links whose outcome / status is one of these count (None: all).
    outcomes: frozenset[Outcome] | None = None
    min_status: SolutionStatus | None = None

    def with_overrides(self, **changes: Any) -> ScoringConfig:
        """A copy with ``changes`` applied and validated; ``weights`` may be a partial dict of factor weights.

        Raises ``InvalidScoringError`` naming each field that is out of range.
        """
        if "weights" in changes and isinstance(changes["weights"], dict):
            changes["weights"] = {**self.weights.model_dump(), **changes["weights"]}
        data = self.model_dump()
        data.update(changes)
        data["version"] = SCORING_VERSION
        try:
            updated = ScoringConfig.model_validate(data)
        except ValidationError as error:
            raise InvalidScoringError("; ".join(field_errors(error, prefix="scoring."))[:500]) from None
        return updated.model_copy(update={"version": updated.label})

    @classmethod
    def requested(
        cls,
        *,
        weights: dict[str, float] | None = None,
        ignore_ties: bool = False,
        outcomes: Iterable[str] | None = None,
        min_status: str | None = None,
        semantic_threshold: float | None = None,
    ) -> ScoringConfig:
        """The configuration a request (CLI flags, GraphQL ``scoring`` argument) asks for; the default if none."""
        changes: dict[str, Any] = {}
        factor_weights = dict(weights or {})
        if ignore_ties:
            factor_weights["channel"] = 0.0
        if factor_weights:
            changes["weights"] = factor_weights
        if outcomes is not None:
            changes["outcomes"] = list(outcomes)
        if min_status is not None:
            changes["min_status"] = min_status
        if semantic_threshold is not None:
            changes["semantic_threshold"] = semantic_threshold
        return cls().with_overrides(**changes) if changes else cls()

    @cached_property
    def digest(self) -> str:
        payload = self.model_dump(mode="json", exclude={"version"})
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:8]

    @cached_property
    def label(self) -> str:
        """The version, plus the digest of the overrides when the weights are not the default ones."""
        return SCORING_VERSION if self.digest == _default_digest() else f"{SCORING_VERSION}+{self.digest}"

    def status_weight(self, status: str | None) -> float:
        if status is None:
            return self.unknown_status_weight
        try:
            return self.status_weights[SolutionStatus(status)]
        except (ValueError, KeyError):
            return self.unknown_status_weight

    def counts(self, outcome: str, status: str | None) -> bool:
        """Does a link with this outcome and status pass the filters?"""
        if self.outcomes is not None and outcome not in {o.value for o in self.outcomes}:
            return False
        if self.min_status is not None:
            order = list(SolutionStatus)
            if status is None or status not in {s.value for s in order}:
                return False
            return order.index(SolutionStatus(status)) >= order.index(self.min_status)
        return True


@cache
def _default_digest() -> str:
    return ScoringConfig().digest
