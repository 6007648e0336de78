"""The scoring arithmetic and its configuration, without a database: the pure half of the replication engine."""

from __future__ import annotations

from typing import Any

import pytest

from kg.replication import SCORING_VERSION, InvalidScoringError, ScoringConfig
from kg.replication.models import CityRef
from kg.replication.scoring import (
    PairData,
    Party,
    combine,
    link_strength,
    noisy_or,
    score_pair,
    semantic_weight,
)


def link(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "follower_challenge": "tender",
        "follower_challenge_name": "Tender rules",
        "target": "tender",
        "target_name": "Tender rules",
        "kind": "exact",
        "similarity": 1.0,
        "attribution": "own",
        "via": "fenn",
        "group_name": None,
        "outcome": "solved",
        "status": "in-operation",
        "status_label": "in operation",
        "solution": "joint-procurement",
        "solution_name": "Joint procurement",
        "project": "alpha",
        "addresses_confidence": 1.0,
        "faces_confidence": 1.0,
        "faces_sources": ["doc1"],
        "addresses_sources": ["doc1"],
        "implemented_sources": ["doc1"],
        "faces_quotes": ["Fenn struggles with tender rules"],
        "addresses_quotes": ["joint procurement overcame the tender rules"],
        "implemented_quotes": ["Lumen runs joint procurement"],
        "organisations": [],
    }
    base.update(changes)
    return base


def test_the_default_configuration_is_the_versioned_one() -> None:
    assert ScoringConfig().label == SCORING_VERSION
    assert ScoringConfig.requested() == ScoringConfig()
    assert ScoringConfig.requested(weights={"channel": 0.2}).label == SCORING_VERSION  # the default value


def test_an_override_is_named_by_its_digest() -> None:
    ignored = ScoringConfig.requested(ignore_ties=True)
    assert ignored.weights.channel == 0.0 and ignored.weights.challenges == 0.5  # partial weights merge
    assert ignored.version.startswith(SCORING_VERSION + "+") and ignored.version == ignored.label
    assert ScoringConfig.requested(weights={"channel": 0.0}).version == ignored.version


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"weights": {"channel": -1.0}}, "scoring.weights.channel"),
        (
            {"weights": dict.fromkeys(("challenges", "needs", "channel", "thematic", "context"), 0.0)},
            "weights",
        ),
        ({"semantic_threshold": 0.1}, "scoring.semantic_threshold"),
        ({"outcomes": ["fixed"]}, "scoring.outcomes"),
        ({"min_status": "dreamt"}, "scoring.min_status"),
    ],
)
def test_out_of_range_overrides_are_refused_by_field(changes: dict[str, Any], named: str) -> None:
    with pytest.raises(InvalidScoringError, match=named.replace(".", r"\.")):
        ScoringConfig().with_overrides(**changes)


def test_whose_barrier_it_is_orders_the_strength() -> None:
    config = ScoringConfig()
    own, group, project = (link_strength(link(attribution=a), config) for a in ("own", "group", "project"))
    assert own > group > project > 0
    assert group == pytest.approx(own * 0.6) and project == pytest.approx(own * 0.25)


def test_a_project_barrier_reached_only_semantically_does_not_count() -> None:
    semantic = {"kind": "semantic", "similarity": 0.7, "target": "procurement"}
    assert link_strength(link(attribution="project", **semantic), ScoringConfig()) == 0.0
    assert link_strength(link(attribution="group", **semantic), ScoringConfig()) > 0.0
    permissive = ScoringConfig().with_overrides(semantic_project_links=True)
    assert link_strength(link(attribution="project", **semantic), permissive) > 0.0


def test_status_and_outcome_weigh_and_filter() -> None:
    config = ScoringConfig()
    operating = link_strength(link(status="in-operation"), config)
    planned = link_strength(link(status="planned"), config)
    unknown = link_strength(link(status=None), config)
    assert operating > planned > 0 and unknown == pytest.approx(operating * 0.5)
    assert link_strength(link(outcome="proposed"), config) == pytest.approx(operating * 0.3)
    only_solved = ScoringConfig.requested(outcomes=["solved"])
    assert link_strength(link(outcome="mitigated"), only_solved) == 0.0
    operating_only = ScoringConfig.requested(min_status="in-operation")
    assert link_strength(link(status="planned"), operating_only) == 0.0
    assert link_strength(link(status=None), operating_only) == 0.0  # unknown is not "at least in operation"
    assert link_strength(link(status="completed"), operating_only) > 0.0


def test_more_documents_make_stronger_evidence() -> None:
    one = link_strength(link(), ScoringConfig())
    two = link_strength(link(addresses_sources=["doc2"]), ScoringConfig())
    assert one == pytest.approx(0.75) and two == pytest.approx(1 - 0.25**2)


def test_semantic_weight_is_zero_at_the_threshold_and_one_at_identity() -> None:
    assert semantic_weight(0.38, 0.38) == 0.0 and semantic_weight(1.0, 0.38) == 1.0
    assert semantic_weight(0.2, 0.38) == 0.0  # never negative
    assert semantic_weight(0.69, 0.38) == pytest.approx(0.5)


def test_noisy_or_and_the_mean_of_known_factors() -> None:
    assert noisy_or([]) == 0.0 and noisy_or([0.5, 0.5]) == pytest.approx(0.75)
    pair = PairData(Party(CityRef(uid="fenn", name="Fenn")), Party(CityRef(uid="lumen", name="Lumen")))
    pair.links = [link()]
    pair.shared_projects = [{"uid": "alpha", "name": "Alpha"}]
    match = score_pair(pair, {"doc1": "doc1.txt"}, ScoringConfig(), "kb-1")
    # challenges 0.75 (one document), channel 1; needs, thematic and context have no data and are left out
    assert {name: f.value for name, f in match.factors.items()} == {
        "challenges": 0.75,
        "needs": None,
        "channel": 1.0,
        "thematic": None,
        "context": None,
    }
    assert match.score == combine(match.factors) == round((0.5 * 0.75 + 0.2 * 1.0) / 0.7, 4)
    assert match.reason.startswith(
        "Lumen's Joint procurement (in operation) solved tender rules, which Fenn faces"
    )
    assert match.scoring == SCORING_VERSION and match.kb_version == "kb-1"
    assert [(e.claim, e.file_name, e.quote) for e in match.evidence] == [
        ("Fenn faces Tender rules", "doc1.txt", "Fenn struggles with tender rules"),
        (
            "Joint procurement addresses Tender rules (solved)",
            "doc1.txt",
            "joint procurement overcame the tender rules",
        ),
        ("Joint procurement is implemented in Lumen", "doc1.txt", "Lumen runs joint procurement"),
    ]


def test_filtered_links_are_neither_scored_nor_listed() -> None:
    pair = PairData(Party(CityRef(uid="fenn", name="Fenn")), Party(CityRef(uid="lumen", name="Lumen")))
    pair.links = [link(outcome="attempted")]
    match = score_pair(pair, {}, ScoringConfig.requested(outcomes=["solved"]), None)
    assert match.shared_challenges == [] and match.solutions == []
    assert match.factors["challenges"].value == 0.0
