"""The replication engine on small hand-built graphs with exact expected scores (default ScoringConfig:
weights challenges 0.5, needs 0.1, channel 0.2, thematic 0.1, context 0.1; factors without data left out).

The story: project alpha (lighthouse Lumen, followers Fenn and Duo) and project beta (lighthouses Lyra and Duo:
Duo is a follower in alpha and a lighthouse in beta). Fenn faces tender rules and home-owner activation; Lumen
solved tender rules, Lyra mitigated home-owner activation, Duo attempted tender rules. Twin lighthouses tie.
Every solution is in operation (status weight 1) unless a test says otherwise, and one document states each
fact (evidence weight 0.75). Embeddings are set by hand (unit vectors with a known cosine) so the semantic path
has exact numbers too.
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
    NO_CHALLENGES,
    NO_KNOWN_SOLUTION,
    SEMANTIC_THRESHOLD,
    CityNotFoundError,
    InvalidScoringError,
    NotAFollowerError,
    ReplicationEngine,
    ScoringConfig,
    SolutionNotFoundError,
    refresh_challenge_embeddings,
    refresh_similarities,
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
    refresh_similarities(db)  # what an import does after embedding: SIMILAR_TO from the stored vectors


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


def faces(
    city_uid: str, challenge: str, confidence: float = 1.0, group: str | None = None
) -> tuple[str, dict[str, Any]]:
    return (
        "MATCH (c:City {uid: $city}), (ch:Challenge {uid: $challenge}) CREATE (c)-[:FACES {source_ids: ['doc1'], "
        "quotes: ['a quote'], confidence: $confidence, group_statement: $group IS NOT NULL, group: $group, "
        "group_name: 'the group ' + $group, group_quote: CASE WHEN $group IS NULL THEN null ELSE 'the group said' END"
        "}]->(ch)",
        {"city": city_uid, "challenge": challenge, "confidence": confidence, "group": group},
    )


def project_faces(project: str, challenge: str) -> tuple[str, dict[str, Any]]:
    return (
        "MATCH (p:Project {uid: $p}), (ch:Challenge {uid: $c}) "
        "CREATE (p)-[:FACES {source_ids: ['doc1'], quotes: ['the programme faces it'], confidence: 1.0}]->(ch)",
        {"p": project, "c": challenge},
    )


def needs(city_uid: str, field: str, need: str = "a proof of concept") -> tuple[str, dict[str, Any]]:
    return (
        "MATCH (c:City {uid: $c}), (t:ThematicField {uid: $t}) "
        "CREATE (c)-[:NEEDS {need: $need, source_ids: ['doc1'], quotes: ['we need it'], confidence: 1.0}]->(t)",
        {"c": city_uid, "t": field, "need": need},
    )


def solution(
    uid: str,
    lighthouse: str,
    challenge: str,
    outcome: str,
    field: str | None = None,
    status: str | None = "in-operation",
) -> list[tuple[str, dict[str, Any]]]:
    steps: list[tuple[str, dict[str, Any]]] = [
        ("CREATE (:Solution {uid: $uid, name: $uid, status: $status})", {"uid": uid, "status": status}),
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
    # lumen: (0.5*0.75 (solved, one document) + 0.2*1 same project + 0.1*(1/3) fields + 0.1*0.8 context) / 0.9
    # duo:   (0.5*0.375 (attempted) + 0.2*1 + 0.1*0.5) / 0.8, context unknown and left out
    # lyra:  (0.5*(0.75*0.6*0.75) (mitigated, FACES confidence 0.6) + 0.2*0 + 0.1*0.5 + 0.1*(1.75/3)) / 0.9
    assert scores(result) == [("lumen", 0.7648), ("duo", 0.5469), ("lyra", 0.3079)]
    lumen = result.matches[0]
    assert {name: f.value for name, f in lumen.factors.items()} == {
        "challenges": 0.75,
        "needs": None,
        "channel": 1.0,
        "thematic": 0.3333,
        "context": 0.8,
    }
    assert lumen.kb_version == "test-1" and result.kb_version == "test-1"
    assert lumen.scoring == result.scoring == "2026-12-01"
    assert [
        (s.follower_challenge.uid, s.kind, s.attribution, s.solutions) for s in lumen.shared_challenges
    ] == [("tender", "exact", "own", ["s1"])]
    assert [(s.uid, s.outcome, s.addresses, s.status) for s in lumen.solutions] == [
        ("s1", "solved", "tender", "in-operation")
    ]
    claims = {e.claim for e in lumen.evidence}
    assert claims == {"Fenn faces tender", "s1 addresses tender (solved)", "s1 is implemented in Lumen"}
    assert all(e.file_name == "doc1.txt" for e in lumen.evidence)
    assert lumen.shared_projects == ["alpha"]
    assert (
        lumen.reason
        == "Lumen's s1 (in-operation) solved tender, which Fenn faces; Fenn and Lumen share alpha."
    )


def test_city_with_two_roles_never_matches_itself(story: ReplicationEngine) -> None:
    duo = story.matches_for("duo")
    # Duo follows in alpha: Lumen proposed a fix for its privacy challenge. Duo's own solution s3 is excluded.
    assert scores(duo) == [("lumen", round((0.5 * 0.3 * 0.75 + 0.2 * 1.0) / 0.7, 4))]
    assert all(m.lighthouse.uid != "duo" for m in duo.matches)


def test_ties_break_by_public_id(story: ReplicationEngine) -> None:
    result = story.matches_for("fara")
    same = round((0.5 * 0.75 + 0.2 * 1.0) / 0.7, 4)  # solved, same project beta, no fields or context
    assert scores(result) == [("twin-a", same), ("twin-b", same)]


def test_follower_without_challenges_gets_an_explicit_note(story: ReplicationEngine) -> None:
    result = story.matches_for("faro")
    assert result.matches == []
    assert result.note == NO_CHALLENGES


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
    assert scores(story.matches_for("fenn", top=1)) == [("lumen", 0.7648)]
    assert scores(story.matches_for("fenn", min_score=0.4)) == [("lumen", 0.7648), ("duo", 0.5469)]


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
    expected = round((0.5 * round(0.75 * weight, 4) + 0.2 * 1.0) / 0.7, 4)
    shared = result.matches[0].shared_challenges[0]
    assert scores(result) == [("lumen", expected)]
    assert (shared.kind, shared.matched_challenge.uid) == ("semantic", "worded-another-way")
    assert shared.similarity == pytest.approx(cosine, abs=1e-4)


def test_similarities_are_precomputed_from_the_vector_index(db: Database, driver: Driver) -> None:
    """Matching walks SIMILAR_TO; the vector index is asked when similarities are refreshed, not per question."""
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
    similar = driver.execute_query(
        "MATCH (:Challenge {uid: 'a'})-[s:SIMILAR_TO]->(:Challenge {uid: 'b'}) RETURN s.similarity AS similarity"
    ).records
    assert [round(record["similarity"], 4) for record in similar] == [0.9]
    engine = ReplicationEngine(db)
    assert scores(engine.matches_for("fenn"))[0][0] == "lumen"
    driver.execute_query("DROP INDEX $name", name=VECTOR_INDEX)
    assert scores(engine.matches_for("fenn"))[0][0] == "lumen"  # the question no longer needs the index
    with pytest.raises(ClientError, match=VECTOR_INDEX):
        refresh_similarities(db)


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

    strict = ReplicationEngine(
        db, embedder=embedder, config=ScoringConfig().with_overrides(semantic_threshold=0.5)
    )
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
    assert match.factors["channel"].value is None and match.factors["thematic"].value is None
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


# ------------------------------------------------------------------------------------------------ attribution


def test_own_group_and_project_barriers_weigh_differently(db: Database) -> None:
    build(
        db,
        [
            node("Project", "alpha"),
            *(node("Challenge", uid) for uid in ("own", "grouped", "programme", "generic")),
            city("fenn"),
            city("lumen"),
            role("fenn", "alpha", "follower"),
            role("lumen", "alpha", "lighthouse"),
            faces("fenn", "own"),
            faces("fenn", "grouped", confidence=0.6, group="followers"),
            project_faces("alpha", "programme"),
            (
                "MATCH (e:Source {uid: 'doc1'}), (c:Challenge {uid: 'generic'}) CREATE (e)-[:DISCUSSED]->(c)",
                {},
            ),
            *solution("s-own", "lumen", "own", "solved"),
            *solution("s-group", "lumen", "grouped", "solved"),
            *solution("s-programme", "lumen", "programme", "solved"),
            *solution("s-generic", "lumen", "generic", "solved"),
        ],
    )
    match = ReplicationEngine(db).matches_for("fenn").matches[0]
    strengths = {s.follower_challenge.uid: (s.attribution, s.strength) for s in match.shared_challenges}
    assert strengths == {
        "own": ("own", 0.75),  # 1 x solved x in operation x 0.75 (one document)
        "grouped": ("group", 0.27),  # 0.6 (a group's) x 0.6 (confidence) x 0.75
        "programme": ("project", 0.1875),  # 0.25 (its project's) x 0.75
    }  # a barrier stated for cities in general ("generic") reaches no city
    assert match.factors["challenges"].value == round(1 - (1 - 0.75) * (1 - 0.27) * (1 - 0.1875), 4)
    grouped = next(e for e in match.evidence if e.claim == "the statement is made for the group followers")
    assert grouped.quote == "the group said"


def test_a_need_is_met_by_a_lighthouse_solution_of_that_kind(db: Database) -> None:
    build(
        db,
        [
            node("Project", "alpha"),
            node("Challenge", "unrelated"),
            node("ThematicField", "data-platforms"),
            city("fenn"),
            city("lumen"),
            city("lyra"),
            role("fenn", "alpha", "follower"),
            role("lumen", "alpha", "lighthouse"),
            role("lyra", "alpha", "lighthouse"),
            needs("fenn", "data-platforms"),
            *solution("platform", "lumen", "unrelated", "solved", "data-platforms"),
            *solution("draft", "lyra", "unrelated", "solved", "data-platforms", status="idea"),
        ],
    )
    result = ReplicationEngine(db).matches_for("fenn")
    # needs = status weight x 0.75 (one document); channel 1; nothing else known.
    assert scores(result) == [
        ("lumen", round((0.1 * 0.75 + 0.2 * 1.0 + 0.5 * 0) / 0.8, 4)),
        ("lyra", round((0.1 * round(0.35 * 0.75, 4) + 0.2 * 1.0) / 0.8, 4)),
    ]
    met = result.matches[0].met_needs[0]
    assert (met.field.uid, met.need, met.solutions) == ("data-platforms", "a proof of concept", ["platform"])
    assert "where Fenn needs a proof of concept" in result.matches[0].reason


def test_a_request_can_override_the_weights_and_says_so(story: ReplicationEngine) -> None:
    no_ties = story.with_config(ScoringConfig().with_overrides(weights={"channel": 0.0}))
    result = no_ties.matches_for("fenn")
    # Without the channel Lyra, which shares no project with Fenn, draws level with Duo (tie broken by uid).
    assert scores(result) == [
        ("lumen", round((0.5 * 0.75 + 0.1 * 0.3333 + 0.1 * 0.8) / 0.7, 4)),
        ("duo", round((0.5 * 0.375 + 0.1 * 0.5) / 0.6, 4)),
        ("lyra", round((0.5 * 0.3375 + 0.1 * 0.5 + 0.1 * 0.5833) / 0.7, 4)),
    ]
    assert all(m.factors["channel"].weight == 0.0 for m in result.matches)
    assert result.scoring.startswith("2026-12-01+") and result.scoring == result.matches[0].scoring
    solved_only = story.with_config(ScoringConfig().with_overrides(outcomes=["solved"]))
    assert [m.lighthouse.uid for m in solved_only.matches_for("fenn").matches] == ["lumen"]
    mature = story.with_config(ScoringConfig().with_overrides(min_status="completed"))
    assert mature.matches_for("fenn").matches == []
    with pytest.raises(InvalidScoringError, match=r"scoring\.outcomes"):
        ScoringConfig().with_overrides(outcomes=["fixed"])


# ------------------------------------------------------------------------------------------------ candidates


@pytest.fixture
def candidates(db: Database) -> ReplicationEngine:
    """Lumen solved tender rules (s1) and proposed a flood defence (s9) nobody needs.

    Fenn faces tender rules itself; Gale faces them worded differently (cosine 0.8); Hale is one of a group that
    named them; Noro faces them too but is no follower; Iris follows but faces something else.
    """
    cosine = 0.8
    build(
        db,
        [
            node("Project", "alpha"),
            node("Project", "beta"),
            *(node("Challenge", uid) for uid in ("tender", "procurement-worded", "flooding", "other")),
            *(city(uid) for uid in ("lumen", "fenn", "gale", "hale", "noro", "iris")),
            role("lumen", "alpha", "lighthouse"),
            role("noro", "beta", "lighthouse"),
            *(role(uid, "alpha", "follower") for uid in ("fenn", "gale", "hale", "iris")),
            faces("fenn", "tender"),
            faces("gale", "procurement-worded"),
            faces("hale", "tender", confidence=0.6, group="followers"),
            faces("noro", "tender"),
            faces("iris", "other"),
            *solution("s1", "lumen", "tender", "solved"),
            *solution("s9", "lumen", "flooding", "proposed", status="idea"),
            embed("tender", unit((0, 1.0))),
            embed("procurement-worded", unit((0, cosine), (1, math.sqrt(1 - cosine**2)))),
            embed("other", unit((2, 1.0))),
            embed("flooding", unit((3, 1.0))),
        ],
    )
    return ReplicationEngine(db)


def test_candidates_for_a_solution_are_ranked_with_exact_scores(candidates: ReplicationEngine) -> None:
    result = candidates.candidates_for("s1")
    semantic = round(0.75 * (0.8 - SEMANTIC_THRESHOLD) / (1 - SEMANTIC_THRESHOLD), 4)
    assert [(m.follower.uid, m.score) for m in result.candidates] == [
        ("fenn", round((0.5 * 0.75 + 0.2) / 0.7, 4)),  # its own barrier, exact, same project
        ("gale", round((0.5 * semantic + 0.2) / 0.7, 4)),  # the same barrier worded differently
        ("hale", round((0.5 * 0.27 + 0.2) / 0.7, 4)),  # a group's barrier, confidence 0.6
    ]  # not Noro (no follower role), not Iris (another barrier), not Lumen itself
    assert (result.lighthouse.uid if result.lighthouse else None, result.status) == ("lumen", "in-operation")
    gale = result.candidates[1].shared_challenges[0]
    assert (gale.kind, gale.follower_challenge.uid, gale.matched_challenge.uid) == (
        "semantic",
        "procurement-worded",
        "tender",
    )
    assert result.candidates[0].lighthouse.uid == "lumen" and result.note is None


def test_a_solution_nobody_needs_has_an_empty_list_and_a_note(candidates: ReplicationEngine) -> None:
    result = candidates.candidates_for("s9")
    assert result.candidates == []
    assert result.note == (
        "no follower city faces its barriers (exactly or worded alike) or needs a solution of its kind"
    )
    with pytest.raises(SolutionNotFoundError, match="no solution is called 'teleporter'"):
        candidates.candidates_for("teleporter")


def test_programme_wide_candidates_default_to_solved_or_mitigated(candidates: ReplicationEngine) -> None:
    everything = candidates.candidates_for_all()
    assert [(r.solution.uid, [m.follower.uid for m in r.candidates]) for r in everything] == [
        ("s1", ["fenn", "gale", "hale"])
    ]
    solved = candidates.already_solved().candidates_for_all(min_score=0.6)
    assert [(r.solution.uid, [m.follower.uid for m in r.candidates]) for r in solved] == [
        ("s1", ["fenn", "gale"])
    ]
    assert solved[0].scoring != everything[0].scoring  # the filter is part of the stated configuration
    proposed_only = candidates.with_config(ScoringConfig().with_overrides(outcomes=["proposed"]))
    assert proposed_only.candidates_for_all() == []  # s9 is proposed, but nobody faces flooding


def test_drivers_organisations_and_the_network_channel_in_both_directions(db: Database) -> None:
    """Who to talk to, what drove it and the network channel, the same whether asked from the follower or from
    the solution: Lumen (project alpha, in network north) solved tender rules with s1, driven by political
    support; Lumen's own driver is a climate plan; Fenn follows in beta, which is also in north."""
    build(
        db,
        [
            node("Project", "alpha"),
            node("Project", "beta"),
            node("Network", "north"),
            node("Challenge", "tender"),
            city("lumen"),
            city("fenn"),
            role("lumen", "alpha", "lighthouse"),
            role("fenn", "beta", "follower"),
            *(
                (
                    "MATCH (p:Project {uid: $p}), (n:Network {uid: 'north'}) CREATE (p)-[:MEMBER_OF]->(n)",
                    {"p": p},
                )
                for p in ("alpha", "beta")
            ),
            faces("fenn", "tender"),
            *solution("s1", "lumen", "tender", "solved"),
            (
                "MATCH (s:Solution {uid: 's1'}), (p:Project {uid: 'alpha'}), (l:City {uid: 'lumen'}) "
                "CREATE (s)-[:PART_OF]->(p), (o:Organisation {uid: 'lumen-energy', name: 'Lumen Energy'}), "
                "(o)-[:PARTNER_IN {role: 'partner'}]->(p), (o)-[:LOCATED_IN]->(l), "
                "(s)-[:DRIVEN_BY {source_ids: ['doc1'], quotes: ['support was high']}]->"
                "(:Driver {uid: 'political-support', name: 'Political support', category: 'political'}), "
                "(l)-[:DRIVEN_BY {source_ids: ['doc1'], quotes: ['the climate plan']}]->"
                "(:Driver {uid: 'climate-plan', name: 'Climate plan', category: 'political'})",
                {},
            ),
        ],
    )
    engine = ReplicationEngine(db)
    match = engine.matches_for("fenn").matches[0]
    candidate = engine.candidates_for("s1").candidates[0]
    for found in (match, candidate):
        assert [(d.uid, d.of) for d in found.lighthouse_drivers] == [
            ("climate-plan", "City:lumen"),
            ("political-support", "Solution:s1"),
        ]
        assert [(o.uid, o.role) for o in found.organisations] == [("lumen-energy", "partner")]
        assert found.factors["channel"].value == 0.4 and found.shared_networks == ["north"]
        assert found.factors["channel"].detail == "same network: north"
        claims = {e.claim: (e.file_name, e.quote) for e in found.evidence}
        assert claims["Solution:s1 is driven by Political support"] == ("doc1.txt", "support was high")
        assert claims["City:lumen is driven by Climate plan"] == ("doc1.txt", "the climate plan")
    assert match.score == candidate.score
