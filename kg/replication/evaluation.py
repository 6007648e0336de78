"""Judged cases and ranking quality: precision@3 and nDCG@3 of the engine's top three against a case file.

A case names the question (a follower's matches, or free-text barriers) and judges the top three: lighthouses
that belong there (``relevant``, with a gain) and lighthouses that must not be there (``irrelevant``).

- precision@3 = relevant lighthouses in the top three / min(3, number of relevant lighthouses);
- nDCG@3 = DCG of the top three (gain / log2(rank + 1)) over the DCG of the ideal order;
- exclusion@3 = the share of cases with an ``irrelevant`` list whose top three holds none of them.

Each figure is averaged over the cases it applies to, separately for tuned and held-out cases.

Example:
    >>> precision_at_3(["munich", "lisbon", "lyon"], {"munich": 1, "lyon": 1, "vienna": 1})
    0.6667
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from kg.core.errors import InvalidInputError
from kg.replication.engine import ReplicationEngine

TOP = 3


class Passage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str
    quote: str


class EvalCase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    kind: Literal["follower", "barriers"]
    follower: str | None = None
    barriers: list[str] = Field(default_factory=list)
    relevant: dict[str, float] = Field(default_factory=dict)
    irrelevant: list[str] = Field(default_factory=list)
    reason: str
    passages: list[Passage] = Field(min_length=1)
    held_out: bool = False

    @model_validator(mode="after")
    def _asks_one_question(self) -> EvalCase:
        if (self.kind == "follower") != (self.follower is not None) or (self.kind == "barriers") != bool(
            self.barriers
        ):
            raise ValueError(f"{self.id}: a follower case names a follower, a barriers case its barriers")
        if not self.relevant and not self.irrelevant:
            raise ValueError(f"{self.id}: judge something (relevant or irrelevant lighthouses)")
        if set(self.relevant) & set(self.irrelevant):
            raise ValueError(f"{self.id}: a lighthouse cannot be both relevant and irrelevant")
        return self


class EvalSet(BaseModel):
    cases: list[EvalCase]


def load_cases(path: Path) -> list[EvalCase]:
    try:
        return EvalSet.model_validate(yaml.safe_load(path.read_text(encoding="utf-8"))).cases
    except (yaml.YAMLError, ValueError) as error:
        raise InvalidInputError(f"{path}: {error}") from error


def _round(value: float) -> float:
    return round(value, 4)


def precision_at_3(ranking: Sequence[str], relevant: dict[str, float]) -> float:
    hits = sum(1 for uid in ranking[:TOP] if uid in relevant)
    return _round(hits / min(TOP, len(relevant)))


def ndcg_at_3(ranking: Sequence[str], relevant: dict[str, float]) -> float:
    dcg = sum(relevant.get(uid, 0.0) / math.log2(rank + 2) for rank, uid in enumerate(ranking[:TOP]))
    ideal = sorted(relevant.values(), reverse=True)[:TOP]
    best = sum(gain / math.log2(rank + 2) for rank, gain in enumerate(ideal))
    return _round(dcg / best) if best else 0.0


def excluded(ranking: Sequence[str], irrelevant: Sequence[str]) -> bool:
    return not set(ranking[:TOP]) & set(irrelevant)


class CaseResult(BaseModel):
    id: str
    held_out: bool
    top: list[str]
    precision: float | None
    ndcg: float | None
    excluded: bool | None


class QualityReport(BaseModel):
    cases: list[CaseResult]

    def figure(self, name: Literal["precision", "ndcg", "excluded"], held_out: bool) -> float | None:
        values = [
            float(getattr(case, name))
            for case in self.cases
            if case.held_out is held_out and getattr(case, name) is not None
        ]
        return _round(sum(values) / len(values)) if values else None


Ranker = Callable[[EvalCase], list[str]]


def evaluate(cases: Sequence[EvalCase], rank: Ranker) -> QualityReport:
    """Judge ``rank``'s answer (lighthouse uids, best first) to every case."""
    results = []
    for case in cases:
        ranking = rank(case)
        results.append(
            CaseResult(
                id=case.id,
                held_out=case.held_out,
                top=ranking[:TOP],
                precision=precision_at_3(ranking, case.relevant) if case.relevant else None,
                ndcg=ndcg_at_3(ranking, case.relevant) if case.relevant else None,
                excluded=excluded(ranking, case.irrelevant) if case.irrelevant else None,
            )
        )
    return QualityReport(cases=results)


def engine_ranker(engine: ReplicationEngine) -> Ranker:
    """What the engine ranks for a case: a follower's matches, or free-text barriers' matches."""

    def rank(case: EvalCase) -> list[str]:
        if case.follower is not None:
            result = engine.matches_for(case.follower, top=TOP)
        else:
            result = engine.matches_for_barriers(case.barriers, top=TOP)
        return [match.lighthouse.uid for match in result.matches]

    return rank
