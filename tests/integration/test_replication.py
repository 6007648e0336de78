"""The replication engine on small hand-built graphs with exact expected scores.

The story: project alpha (lighthouse Lumen, followers Fenn and Duo) and project beta (lighthouses Lyra and Duo:
Duo is a follower in alpha and a lighthouse in beta). Fenn faces tender rules and home-owner activation; Lumen
solved tender rules, Lyra mitigated home-owner activation, Duo attempted tender rules. Twin lighthouses tie.
Embeddings are set by hand (unit vectors with a known cosine) so the semantic path has exact numbers too.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from neo4j import Driver
from neo4j.exceptions import ClientError

from kg.core.database import Database
from kg.embeddings import DIMENSIONS, SentenceEmbedder
from kg.replication import (
    NO_KNOWN_SOLUTION,
    SEMANTIC_THRESHOLD,
    CityNotFoundError,
    EngineConfig,
    NotAFollowerError,
    ReplicationEngine,
    refresh_challenge_embeddings,
)
from schema import apply_schema
from schema.constraints import VECTOR_INDEX

FACT = "{source_ids: ['doc1'], quotes: ['a quote'], confidence: $confidence}"


def unit(*components: tuple[int, float]) -> list[float]:
    vector = [0.0] * DIMENSIONS
    for index, value in components:
        vector[index] = value
    return vector


def build(db: Database, script: list[tuple[str, dict[str, Any]]]) -> None:
    driver = db.driver
    apply_schema(db)
    driver.execute_query(
        "MERGE (:Source {uid: 'doc1', name: 'Doc 1', file_name: 'doc1.txt', kind: 'report'})"
    )
    driver.execute_query("MERGE (m:KGMeta {key: 'kb'}) SET m.version = 'test-1'")
    for query, params in script:
        driver.execute_query(query, **params)


def city(
    uid: str, country: str | None = None, population: int | None = None, latitude: float | None = None
) -> tuple[str, dict[str, Any]]:
    return (
        "CREATE (:City {uid: $uid, name: $name, country: $country, population: $population, latitude: $latitude})",
        {"uid": uid, "name": uid.title(), "country": country, "population": population, "latitude": latitude},
    )


def node(label: str, uid: str) -> tuple[str, dict[str, Any]]:
    query = {
        "Project": "CREATE (:Project {uid: $uid, name: $uid})",
        "Challenge": "CREATE (:Challenge {uid: $uid, name: $uid})",
        "Solution": "CREATE (:Solution {uid: $uid, name: $uid})",
        "ThematicField": "CREATE (:ThematicField {uid: $uid, name: $uid})",
        "Network": "CREATE (:Network {uid: $uid, name: $uid})",
    }[label]
    return query, {"uid": uid}


def role(city_uid: str, project: str, role_name: str) -> tuple[str, dict[str, Any]]:
    return (
        "MATCH (c:City {uid: $city}), (p:Project {uid: $project}) "
        "CREATE (c)-[:PARTICIPATES_IN {role: $role, source_ids: ['doc1'], quotes: ['q']}]->(p)",
        {"city": city_uid, "project": project, "role": role_name},
    )


def faces(city_uid: str, challenge: str, confidence: float = 1.0) -> tuple[str, dict[str, Any]]:
    return (
        "MATCH (c:City {uid: $city}), (ch:Challenge {uid: $challenge}) CREATE (c)-[:FACES "
        + FACT
        + "]->(ch)",
        {"city": city_uid, "challenge": challenge, "confidence": confidence},
    )


def solution(
    uid: str, lighthouse: str, challenge: str, outcome: str, field: str | None = None
) -> list[tuple[str, dict[str, Any]]]:
    steps = [
        node("Solution", uid),
        (
            "MATCH (s:Solution {uid: $s}), (c:City {uid: $c}) CREATE (s)-[:IMPLEMENTED_IN " + FACT + "]->(c)",
            {"s": uid, "c": lighthouse, "confidence": 1.0},
        ),
        (
            "MATCH (s:Solution {uid: $s}), (ch:Challenge {uid: $ch}) "
            "CREATE (s)-[:ADDRESSES {outcome: $outcome, source_ids: ['doc1'], quotes: ['addresses quote'], confidence: 1.0}]->(ch)",
            {"s": uid, "ch": challenge, "outcome": outcome},
        ),
    ]
    if field:
        steps.append(
            (
                "MATCH (s:Solution {uid: $s}), (t:ThematicField {uid: $t}) CREATE (s)-[:IN_FIELD]->(t)",
                {"s": uid, "t": field},
            )
        )
    return steps


def in_field(challenge: str, field: str) -> tuple[str, dict[str, Any]]:
    return (
        "MATCH (c:Challenge {uid: $c}), (t:ThematicField {uid: $t}) CREATE (c)-[:IN_FIELD]->(t)",
        {"c": challenge, "t": field},
    )


def embed(challenge: str, vector: list[float]) -> tuple[str, dict[str, Any]]:
    return (
        "MATCH (c:Challenge {uid: $c}) CALL db.create.setNodeVectorProperty(c, 'embedding', $v)",
        {"c": challenge, "v": vector},
    )


@pytest.fixture
def story(db: Database, driver: Driver) -> ReplicationEngine:
    script: list[tuple[str, dict[str, Any]]] = [
        node("Project", "alpha"),
        node("Project", "beta"),
        *(node("Challenge", uid) for uid in ("tender", "owners", "privacy", "twin-barrier")),
        *(node("ThematicField", uid) for uid in ("t1", "t2", "t3")),
        city("lumen", "DE", 1_000_000, 48.0),
        city("lyra", "FR", 100_000, 45.0),
        city("fenn", "DE", 100_000, 50.0),
        city("duo"),
        city("faro"),
        city("fara"),
        city("twin-b"),
        city("twin-a"),
        role("lumen", "alpha", "lighthouse"),
        role("fenn", "alpha", "follower"),
        role("duo", "alpha", "follower"),
        role("duo", "beta", "lighthouse"),
        role("lyra", "beta", "lighthouse"),
        role("faro", "beta", "follower"),
        role("fara", "beta", "follower"),
        role("twin-a", "beta", "lighthouse"),
        role("twin-b", "beta", "lighthouse"),
        faces("fenn", "tender"),
        faces("fenn", "owners", 0.6),
        faces("duo", "privacy"),
        faces("fara", "twin-barrier"),
        in_field("tender", "t1"),
        in_field("owners", "t2"),
        *solution("s1", "lumen", "tender", "solved", "t1"),
        *solution("s4", "lumen", "privacy", "proposed", "t3"),
        *solution("s2", "lyra", "owners", "mitigated", "t2"),
        *solution("s3", "duo", "tender", "attempted", "t1"),
        *solution("s5", "twin-a", "twin-barrier", "solved"),
        *solution("s6", "twin-b", "twin-barrier", "solved"),
    ]
    build(db, script)
    return ReplicationEngine(db)


def scores(result: Any) -> list[tuple[str, float]]:
    return [(m.lighthouse.uid, m.score) for m in result.matches]


def test_ranked_matches_with_exact_scores(story: ReplicationEngine) -> None:
    result = story.matches_for("fenn")
    # lumen: 0.7*0.75 (solved, one document) + 0.1*(1/3) fields + 0.1*1 same project + 0.1*0.8 context
    # duo:   (0.7*0.375 (attempted) + 0.1*0.5 + 0.1*1) / 0.9, context unknown and left out
    # lyra:  0.7*(0.75*0.6*0.75) (mitigated, FACES confidence 0.6) + 0.1*0.5 + 0 + 0.1*(1.75/3)
    assert scores(result) == [("lumen", 0.7383), ("duo", 0.4583), ("lyra", 0.3446)]
    lumen = result.matches[0]
    assert {name: f.value for name, f in lumen.factors.items()} == {
        "challenges": 0.75,
        "thematic": 0.3333,
        "ties": 1.0,
        "context": 0.8,
    }
    assert lumen.kb_version == "test-1" and result.kb_version == "test-1"
    assert [(s.follower_challenge.uid, s.kind, s.solutions) for s in lumen.shared_challenges] == [
        ("tender", "exact", ["s1"])
    ]
    assert [(s.uid, s.outcome, s.addresses) for s in lumen.solutions] == [("s1", "solved", "tender")]
    claims = {e.claim for e in lumen.evidence}
    assert claims == {"Fenn faces tender", "s1 addresses tender (solved)", "s1 is implemented in Lumen"}
    assert all(e.file_name == "doc1.txt" for e in lumen.evidence)
    assert lumen.shared_projects == ["alpha"]


def test_city_with_two_roles_never_matches_itself(story: ReplicationEngine) -> None:
    duo = story.matches_for("duo")
    # Duo follows in alpha: Lumen proposed a fix for its privacy challenge. Duo's own solution s3 is excluded.
    assert scores(duo) == [("lumen", round((0.7 * 0.25 * 0.75 + 0.1 * 1.0) / 0.8, 4))]
    assert all(m.lighthouse.uid != "duo" for m in duo.matches)


def test_ties_break_by_public_id(story: ReplicationEngine) -> None:
    result = story.matches_for("fara")
    same = round((0.7 * 0.75 + 0.1 * 1.0) / 0.8, 4)  # solved, same project beta, no fields or context
    assert scores(result) == [("twin-a", same), ("twin-b", same)]


def test_follower_without_challenges_gets_an_explicit_note(story: ReplicationEngine) -> None:
    result = story.matches_for("faro")
    assert result.matches == []
    assert result.note == "no challenges recorded for this city, so nothing to match"


def test_follower_whose_challenges_nobody_solved_gets_its_gaps(db: Database, driver: Driver) -> None:
    build(
        db,
        [
            node("Project", "alpha"),
            node("Challenge", "lonely"),
            city("solo"),
            role("solo", "alpha", "follower"),
            faces("solo", "lonely"),
        ],
    )
    result = ReplicationEngine(db).matches_for("Solo")
    assert result.matches == []
    assert result.note == NO_KNOWN_SOLUTION
    assert [g.uid for g in result.gaps] == ["lonely"]


def test_filters_top_and_min_score(story: ReplicationEngine) -> None:
    assert scores(story.matches_for("fenn", top=1)) == [("lumen", 0.7383)]
    assert scores(story.matches_for("fenn", min_score=0.4)) == [("lumen", 0.7383), ("duo", 0.4583)]


def test_unknown_and_non_follower_cities_are_clear_errors(story: ReplicationEngine) -> None:
    with pytest.raises(CityNotFoundError, match="no city is called 'atlantis'"):
        story.matches_for("atlantis")
    with pytest.raises(NotAFollowerError, match="Lumen \\(lumen\\) holds no follower role"):
        story.matches_for("lumen")


def test_semantic_only_match_counts_in_proportion_to_similarity(db: Database, driver: Driver) -> None:
    cosine = 0.7
    build(
        db,
        [
            node("Project", "alpha"),
            node("Challenge", "worded-one-way"),
            node("Challenge", "worded-another-way"),
            node("Challenge", "unrelated"),
            city("fenn"),
            city("lumen"),
            city("lyra"),
            role("fenn", "alpha", "follower"),
            role("lumen", "alpha", "lighthouse"),
            role("lyra", "alpha", "lighthouse"),
            faces("fenn", "worded-one-way"),
            *solution("s1", "lumen", "worded-another-way", "solved"),
            *solution("s2", "lyra", "unrelated", "solved"),
            embed("worded-one-way", unit((0, 1.0))),
            embed("worded-another-way", unit((0, cosine), (1, math.sqrt(1 - cosine**2)))),
            embed("unrelated", unit((0, 0.2), (2, math.sqrt(1 - 0.2**2)))),
        ],
    )
    result = ReplicationEngine(db).matches_for("fenn")
    weight = (cosine - SEMANTIC_THRESHOLD) / (1 - SEMANTIC_THRESHOLD)
    expected = round((0.7 * 0.75 * weight + 0.1 * 1.0) / 0.8, 4)
    shared = result.matches[0].shared_challenges[0]
    assert scores(result) == [("lumen", expected)]
    assert (shared.kind, shared.matched_challenge.uid) == ("semantic", "worded-another-way")
    assert shared.similarity == pytest.approx(cosine, abs=1e-4)


def test_semantic_path_uses_the_vector_index(db: Database, driver: Driver) -> None:
    build(
        db,
        [
            node("Project", "alpha"),
            node("Challenge", "a"),
            node("Challenge", "b"),
            city("fenn"),
            city("lumen"),
            role("fenn", "alpha", "follower"),
            role("lumen", "alpha", "lighthouse"),
            faces("fenn", "a"),
            *solution("s1", "lumen", "b", "solved"),
            embed("a", unit((0, 1.0))),
            embed("b", unit((0, 0.9), (1, math.sqrt(1 - 0.81)))),
        ],
    )
    engine = ReplicationEngine(db)
    assert scores(engine.matches_for("fenn"))[0][0] == "lumen"
    driver.execute_query("DROP INDEX $name", name=VECTOR_INDEX)
    with pytest.raises(ClientError, match=VECTOR_INDEX):
        engine.matches_for("fenn")


def test_real_model_matches_differently_worded_seed_barriers(
    db: Database, driver: Driver, embedder: SentenceEmbedder
) -> None:
    build(
        db,
        [
            node("Project", "smarter-together"),
            (
                "CREATE (:Challenge {uid: 'citizen-lab-interest', name: 'Lack of public interest in citizen labs'})",
                {},
            ),
            (
                "CREATE (:Challenge {uid: 'smart-city-apathy', name: 'public apathy towards a smart city agenda'})",
                {},
            ),
            city("sofia"),
            city("lisbon"),
            role("sofia", "smarter-together", "follower"),
            role("lisbon", "smarter-together", "lighthouse"),
            faces("sofia", "citizen-lab-interest"),
            *solution("smart-ambassadors", "lisbon", "smart-city-apathy", "mitigated"),
        ],
    )
    assert refresh_challenge_embeddings(db, embedder) == 2
    assert refresh_challenge_embeddings(db, embedder) == 0  # unchanged wording: not embedded again
    result = ReplicationEngine(db, embedder=embedder).matches_for("sofia")
    shared = result.matches[0].shared_challenges[0]
    assert (result.matches[0].lighthouse.uid, shared.kind) == ("lisbon", "semantic")
    assert SEMANTIC_THRESHOLD <= shared.similarity < 0.5

    strict = ReplicationEngine(db, embedder=embedder, config=EngineConfig(semantic_threshold=0.5))
    assert strict.matches_for("sofia").matches == []


def test_free_text_barriers_for_a_city_outside_the_graph(
    db: Database, driver: Driver, embedder: SentenceEmbedder
) -> None:
    build(
        db,
        [
            node("Project", "alpha"),
            ("CREATE (:Challenge {uid: 'procurement', name: 'Tender regulations and procurement'})", {}),
            city("lumen", "BG", 300_000, 42.0),
            role("lumen", "alpha", "lighthouse"),
            *solution("joint-procurement", "lumen", "procurement", "solved"),
        ],
    )
    refresh_challenge_embeddings(db, embedder)
    engine = ReplicationEngine(db, embedder=embedder)
    result = engine.matches_for_barriers(
        ["public procurement rules make innovative purchases hard"], country="BG", population=300_000
    )
    match = result.matches[0]
    assert match.lighthouse.uid == "lumen"
    assert match.factors["ties"].value is None and match.factors["thematic"].value is None
    assert match.factors["context"].value == 1.0  # same country and population; latitude not given
    assert match.shared_challenges[0].follower_challenge.name.startswith("public procurement")
    nothing = engine.matches_for_barriers(["the river floods the old town every spring"])
    assert nothing.matches == [] and nothing.note == NO_KNOWN_SOLUTION


def test_companion_analyses(story: ReplicationEngine) -> None:
    shared = story.shared_challenges(min_cities=1)
    # One city each: Duo's challenge ranks first because Duo takes part in two projects.
    assert [(row.uid, row.cities, row.solutions) for row in shared] == [
        ("privacy", ["duo"], 1),
        ("owners", ["fenn"], 1),
        ("tender", ["fenn"], 2),
        ("twin-barrier", ["fara"], 2),
    ]
    assert story.shared_challenges(min_cities=2) == []
    gaps = {g.follower.uid: ([gap.uid for gap in g.gaps], g.challenges) for g in story.gaps()}
    assert gaps == {"duo": ([], 1), "fara": ([], 1), "faro": ([], 0), "fenn": ([], 2)}
    # Every lighthouse solution here addresses a challenge some follower faces.
    assert story.unreplicated_solutions() == []


def test_unreplicated_solution_waits_for_a_follower(db: Database, driver: Driver) -> None:
    build(
        db,
        [
            node("Project", "alpha"),
            node("Challenge", "flooding"),
            city("lumen"),
            role("lumen", "alpha", "lighthouse"),
            *solution("dykes", "lumen", "flooding", "solved"),
        ],
    )
    rows = ReplicationEngine(db).unreplicated_solutions()
    assert [(r.uid, r.lighthouse.uid, r.challenges, r.kb_version) for r in rows] == [
        ("dykes", "lumen", [{"uid": "flooding", "name": "flooding", "outcome": "solved"}], "test-1")
    ]


def test_results_are_deterministic(story: ReplicationEngine) -> None:
    first = [m.model_dump() for m in story.matches_for_all()]
    second = [m.model_dump() for m in story.matches_for_all()]
    assert first == second
    for follower in first:
        for match in follower["matches"]:
            assert 0 < match["score"] <= 1
            assert all(f["value"] is None or 0 <= f["value"] <= 1 for f in match["factors"].values())
