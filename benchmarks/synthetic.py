"""A synthetic replication graph of any size, deterministic for a given seed, loaded with batched UNWIND.

Shape per city count N: N/20 projects, N/5 challenges with unit embeddings in families of five (cosine ~0.6
within a family), N/2 solutions, 50 fields, N/200 networks; every city takes part in one or two projects (30 %
lighthouse roles), faces 6 challenges; every solution is implemented in one lighthouse city and addresses 2
challenges. N = 10,000 gives about 103,000 relationships, plus the SIMILAR_TO neighbours kg derives.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Final, LiteralString

import numpy as np

from kg.core.database import Database
from kg.embeddings import DIMENSIONS

BATCH = 5_000
CHALLENGE_FAMILY = 5
FAMILY_SPREAD = 0.8

CREATE_NODES: Final[dict[str, LiteralString]] = {
    "City": "UNWIND $rows AS row CREATE (n:City) SET n = row",
    "Project": "UNWIND $rows AS row CREATE (n:Project) SET n = row",
    "Network": "UNWIND $rows AS row CREATE (n:Network) SET n = row",
    "Challenge": "UNWIND $rows AS row CREATE (n:Challenge) SET n = row",
    "Solution": "UNWIND $rows AS row CREATE (n:Solution) SET n = row",
    "ThematicField": "UNWIND $rows AS row CREATE (n:ThematicField) SET n = row",
}
SET_EMBEDDINGS: Final[LiteralString] = (
    "UNWIND $rows AS row MATCH (c:Challenge {uid: row.uid}) CALL db.create.setNodeVectorProperty(c, 'embedding', row.v)"
)
LINKS: Final[dict[str, LiteralString]] = {
    "PARTICIPATES_IN": "UNWIND $rows AS row MATCH (a:City {uid: row.a}), (b:Project {uid: row.b}) "
    "CREATE (a)-[:PARTICIPATES_IN {role: row.role, source_ids: ['synthetic'], quotes: ['synthetic']}]->(b)",
    "FACES": "UNWIND $rows AS row MATCH (a:City {uid: row.a}), (b:Challenge {uid: row.b}) "
    "CREATE (a)-[:FACES {confidence: row.confidence, source_ids: ['synthetic'], quotes: ['synthetic']}]->(b)",
    "IMPLEMENTED_IN": "UNWIND $rows AS row MATCH (a:Solution {uid: row.a}), (b:City {uid: row.b}) "
    "CREATE (a)-[:IMPLEMENTED_IN {source_ids: ['synthetic'], quotes: ['synthetic']}]->(b)",
    "ADDRESSES": "UNWIND $rows AS row MATCH (a:Solution {uid: row.a}), (b:Challenge {uid: row.b}) "
    "CREATE (a)-[:ADDRESSES {outcome: row.outcome, confidence: 1.0, source_ids: ['synthetic'], quotes: ['synthetic']}]->(b)",
    "PART_OF": "UNWIND $rows AS row MATCH (a:Solution {uid: row.a}), (b:Project {uid: row.b}) CREATE (a)-[:PART_OF]->(b)",
    "CHALLENGE_IN_FIELD": "UNWIND $rows AS row MATCH (a:Challenge {uid: row.a}), (b:ThematicField {uid: row.b}) "
    "CREATE (a)-[:IN_FIELD]->(b)",
    "SOLUTION_IN_FIELD": "UNWIND $rows AS row MATCH (a:Solution {uid: row.a}), (b:ThematicField {uid: row.b}) "
    "CREATE (a)-[:IN_FIELD]->(b)",
    "MEMBER_OF": "UNWIND $rows AS row MATCH (a:Project {uid: row.a}), (b:Network {uid: row.b}) CREATE (a)-[:MEMBER_OF]->(b)",
}
OUTCOMES = ("solved", "mitigated", "attempted", "proposed")


@dataclass(frozen=True)
class SyntheticGraph:
    cities: int
    relationships: int
    followers: list[str]


def _batches(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [rows[i : i + BATCH] for i in range(0, len(rows), BATCH)]


def generate(
    db: Database, cities: int = 10_000, seed: int = 7, family: int = CHALLENGE_FAMILY
) -> SyntheticGraph:
    """``family``: challenges per family of similar wording (1: every challenge its own, no near neighbours)."""
    rng = random.Random(seed)
    vectors = np.random.default_rng(seed)
    n_projects, n_challenges, n_solutions = max(cities // 20, 2), max(cities // 5, 2), max(cities // 2, 2)
    n_fields, n_networks = 50, max(cities // 200, 1)
    nodes: dict[str, list[dict[str, Any]]] = {
        "Project": [{"uid": f"p{i}", "name": f"Project {i}"} for i in range(n_projects)],
        "Network": [{"uid": f"n{i}", "name": f"Network {i}"} for i in range(n_networks)],
        "ThematicField": [{"uid": f"t{i}", "name": f"Field {i}"} for i in range(n_fields)],
        "Challenge": [{"uid": f"ch{i}", "name": f"Challenge {i}"} for i in range(n_challenges)],
        "Solution": [{"uid": f"s{i}", "name": f"Solution {i}"} for i in range(n_solutions)],
        "City": [
            {
                "uid": f"c{i}",
                "name": f"City {i}",
                "country": rng.choice(["DE", "FR", "IT", "ES", "BG", "PL", "PT", "AT"]),
                "population": rng.randint(10_000, 2_000_000),
                "latitude": rng.uniform(36.0, 60.0),
            }
            for i in range(cities)
        ],
    }
    links: dict[str, list[dict[str, Any]]] = {key: [] for key in LINKS}
    lighthouses: list[str] = []
    followers: list[str] = []
    for i in range(cities):
        for project in rng.sample(range(n_projects), rng.choice([1, 2])):
            role = "lighthouse" if rng.random() < 0.3 else "follower"
            links["PARTICIPATES_IN"].append({"a": f"c{i}", "b": f"p{project}", "role": role})
            (lighthouses if role == "lighthouse" else followers).append(f"c{i}")
        for challenge in rng.sample(range(n_challenges), 6):
            links["FACES"].append({"a": f"c{i}", "b": f"ch{challenge}", "confidence": rng.choice([0.6, 1.0])})
    for i in range(n_solutions):
        links["IMPLEMENTED_IN"].append({"a": f"s{i}", "b": rng.choice(lighthouses)})
        links["PART_OF"].append({"a": f"s{i}", "b": f"p{rng.randrange(n_projects)}"})
        links["SOLUTION_IN_FIELD"].append({"a": f"s{i}", "b": f"t{rng.randrange(n_fields)}"})
        for challenge in rng.sample(range(n_challenges), 2):
            links["ADDRESSES"].append({"a": f"s{i}", "b": f"ch{challenge}", "outcome": rng.choice(OUTCOMES)})
    for i in range(n_challenges):
        links["CHALLENGE_IN_FIELD"].append({"a": f"ch{i}", "b": f"t{rng.randrange(n_fields)}"})
    for i in range(n_projects):
        links["MEMBER_OF"].append({"a": f"p{i}", "b": f"n{rng.randrange(n_networks)}"})
    # Challenges come in families of ``family`` differently worded barriers around one direction, as real
    # ones do (cosine within a family about 0.6, between families about 0): the semantic path has work to do.
    centres = vectors.standard_normal((n_challenges // family + 1, DIMENSIONS))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    noise = vectors.standard_normal((n_challenges, DIMENSIONS)) * (FAMILY_SPREAD / np.sqrt(DIMENSIONS))
    embeddings = (centres[np.arange(n_challenges) // family] + noise).astype(np.float32)
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)

    for label, rows in nodes.items():
        for batch in _batches(rows):
            db.write(CREATE_NODES[label], rows=batch)
    db.write("MERGE (m:KGMeta {key: 'kb'}) SET m.version = $v", v=f"synthetic-{cities}-{seed}")
    emb_rows = [{"uid": f"ch{i}", "v": [float(x) for x in embeddings[i]]} for i in range(n_challenges)]
    for batch in _batches(emb_rows):
        db.write(SET_EMBEDDINGS, rows=batch)
    for kind, rows in links.items():
        for batch in _batches(rows):
            db.write(LINKS[kind], rows=batch)
    total = sum(len(rows) for rows in links.values())
    return SyntheticGraph(cities=cities, relationships=total, followers=sorted(set(followers)))
