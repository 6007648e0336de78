"""A synthetic knowledge base at the programme's scale and beyond, as a kg-json file for kg's own loader.

    .venv/bin/python -m benchmarks.generate --scale S|M|L [--seed 1] [-o FILE]

Deterministic for a scale and a seed. Shaped like the seed graph, with its skew: cities take lighthouse,
follower or observer roles in projects, and lighthouses are drawn from a small pool by a Zipf law, so a few serve
many followers; cities join networks; organisations partner in projects and sit in cities; 40 thematic fields;
canonical challenges come in families of 3-5 worded variants ("lack of open data platforms", "no shared open
data platforms across departments", ...) with aliases, whose embeddings cluster by family and, more loosely, by
field (so differently worded barriers match as real ones do, not as uniform random vectors would); each city
faces six challenges, mostly in its two favourite fields; solutions are implemented in lighthouse cities, part
of one of their projects, and address one to three challenges with a stated outcome; every fact cites a source
with a quote. Sizes: S about 10^4 relationships (1,000 cities), M 10^5 (10,000), L 10^6 (100,000).

The file is written as a stream (nodes, then relationships), never held whole in memory.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from kg.embeddings import DIMENSIONS
from kg.replication.challenges import challenge_text

SCALES = {"S": 1_000, "M": 10_000, "L": 100_000}  # cities
FIELDS = 40
COUNTRIES = (
    "FR",
    "DE",
    "ES",
    "IT",
    "NL",
    "SE",
    "FI",
    "PL",
    "PT",
    "AT",
    "BE",
    "DK",
    "IE",
    "CZ",
    "HU",
    "RO",
    "BG",
)
TOPICS = (
    "open data platforms",
    "energy retrofit funding",
    "citizen engagement",
    "public procurement rules",
    "grid capacity",
    "interoperable mobility data",
    "charging infrastructure",
    "district heating contracts",
    "building owner consent",
    "digital skills in the administration",
    "private investment",
    "data protection",
    "cross-department coordination",
    "long-term maintenance budgets",
    "standardised sensors",
    "regulation of e-scooters",
    "tenant acceptance",
    "smart meter roll-out",
    "political continuity",
    "business models for shared mobility",
)
WORDINGS = (
    "lack of {t}",
    "no {t} across departments",
    "insufficient {t}",
    "{t} missing at city level",
    "limited {t}",
    "weak {t} in the municipality",
)
OUTCOMES = (("solved", 0.3), ("mitigated", 0.35), ("attempted", 0.2), ("proposed", 0.15))
ZIPF = 1.1


@dataclass(frozen=True)
class Shape:
    cities: int
    projects: int
    networks: int
    organisations: int
    families: int
    solutions: int
    sources: int
    lighthouse_pool: int


def shape_of(cities: int) -> Shape:
    return Shape(
        cities=cities,
        projects=max(4, cities // 8),
        networks=max(3, cities // 200),
        organisations=max(10, cities // 2),
        families=max(10, cities // 25),
        solutions=max(10, cities // 4),
        sources=max(5, cities // 100),
        lighthouse_pool=max(5, cities // 10),
    )


class SyntheticKnowledgeBase:
    """Every choice is made up front from the seed; ``nodes()`` and ``relationships()`` then emit kg-json records."""

    def __init__(self, scale: str, seed: int = 1) -> None:
        self.scale, self.seed = scale, seed
        self.shape = shape = shape_of(SCALES[scale])
        rng = random.Random(seed)
        vectors = np.random.default_rng(seed)
        self.rng = rng
        self.facts = 0
        weights = [1 / (rank + 1) ** ZIPF for rank in range(shape.lighthouse_pool)]
        others = range(shape.lighthouse_pool, shape.cities)
        self.roles: list[list[tuple[int, str]]] = []  # per project: (city, role)
        for _ in range(shape.projects):
            lighthouses = set(rng.choices(range(shape.lighthouse_pool), weights, k=rng.randint(2, 3)))
            followers = set(rng.sample(others, k=min(len(others), rng.randint(4, 6))))
            observers = set(rng.sample(others, k=1)) - followers if rng.random() < 0.3 else set()
            self.roles.append(
                [(c, "lighthouse") for c in sorted(lighthouses)]
                + [(c, "follower") for c in sorted(followers)]
                + [(c, "observer") for c in sorted(observers)]
            )
        self.variants = [rng.randint(3, 5) for _ in range(shape.families)]
        self.family_field = [rng.randrange(FIELDS) for _ in range(shape.families)]
        self.challenges = [(f, v) for f, count in enumerate(self.variants) for v in range(count)]
        self.embeddings = self._embeddings(vectors)
        by_field: dict[int, list[int]] = {}
        for index, (family, _) in enumerate(self.challenges):
            by_field.setdefault(self.family_field[family], []).append(index)
        self.faces = [self._faced(by_field) for _ in range(shape.cities)]
        self.lighthouse_projects: dict[int, list[int]] = {}
        for project, members in enumerate(self.roles):
            for city, role in members:
                if role == "lighthouse":
                    self.lighthouse_projects.setdefault(city, []).append(project)
        hosts = sorted(self.lighthouse_projects)
        self.solutions = []
        for _ in range(shape.solutions):
            city = rng.choice(hosts)
            addressed = rng.sample(self.faces[city], k=rng.randint(1, 3))
            self.solutions.append((city, rng.choice(self.lighthouse_projects[city]), addressed))

    def _embeddings(self, vectors: np.random.Generator) -> np.ndarray:
        fields = _unit(vectors.standard_normal((FIELDS, DIMENSIONS)))
        families = _unit(
            0.7 * fields[self.family_field]
            + 0.7 * _unit(vectors.standard_normal((self.shape.families, DIMENSIONS)))
        )
        rows = [f for f, _ in self.challenges]
        noise = _unit(vectors.standard_normal((len(rows), DIMENSIONS)))
        return _unit(families[rows] + 0.45 * noise).astype(np.float32)

    def _faced(self, by_field: dict[int, list[int]]) -> list[int]:
        favourite = self.rng.sample(sorted(by_field), k=min(2, len(by_field)))
        near = [c for f in favourite for c in by_field[f]]
        picked = set(self.rng.sample(near, k=min(4, len(near))))
        while len(picked) < 6:
            picked.add(self.rng.randrange(len(self.challenges)))
        return sorted(picked)

    # -- records ------------------------------------------------------------------------------------------------
    def challenge_name(self, index: int) -> str:
        family, variant = self.challenges[index]
        topic = TOPICS[family % len(TOPICS)]
        return WORDINGS[(variant + family) % len(WORDINGS)].format(t=topic) + f" ({family})"

    def nodes(self) -> Iterator[dict[str, Any]]:
        s = self.shape
        for i in range(s.sources):
            yield _node("Source", f"synthetic-source-{i}", name=f"Synthetic source {i}", kind="dataset")
        for i in range(FIELDS):
            yield _node("ThematicField", f"field-{i}", name=f"Field {i}")
        for i in range(s.networks):
            yield _node("Network", f"network-{i}", name=f"Network {i}")
        for i in range(s.cities):
            yield _node(
                "City",
                f"city-{i}",
                self._cite(i, f"City {i} is a municipality"),
                name=f"City {i}",
                country=COUNTRIES[i % len(COUNTRIES)],
                population=5_000 + (i * 7_919) % 2_000_000,
            )
        for i in range(s.projects):
            yield _node(
                "Project",
                f"project-{i}",
                self._cite(i, f"Project {i} starts"),
                name=f"Project {i}",
                acronym=f"P{i}",
            )
        for i in range(s.organisations):
            yield _node(
                "Organisation",
                f"organisation-{i}",
                name=f"Organisation {i}",
                country=COUNTRIES[i % len(COUNTRIES)],
            )
        for index in range(len(self.challenges)):
            name = self.challenge_name(index)
            family, variant = self.challenges[index]
            aliases = [
                self.challenge_name(j)
                for j in range(index - variant, index - variant + self.variants[family])
                if j != index
            ][:2]
            vector = [round(float(x), 5) for x in self.embeddings[index]]
            yield _node(
                "Challenge",
                f"challenge-{family}-{variant}",
                name=name,
                aliases=aliases,
                embedding=vector,
                embedding_text=challenge_text(name),
            )
        for i, (city, _, _) in enumerate(self.solutions):
            yield _node(
                "Solution",
                f"solution-{i}",
                self._cite(i, f"Solution {i} runs in City {city}"),
                name=f"Solution {i}",
                status="in-operation",
            )

    def relationships(self) -> Iterator[dict[str, Any]]:
        s, rng = self.shape, random.Random(self.seed + 1)
        for project, members in enumerate(self.roles):
            for city, role in members:
                yield self._fact(
                    "PARTICIPATES_IN",
                    f"City:city-{city}",
                    f"Project:project-{project}",
                    f"City {city} is a {role} city of Project {project}",
                    role=role,
                )
            for field in rng.sample(range(FIELDS), k=2):
                yield self._fact(
                    "WORKS_ON",
                    f"Project:project-{project}",
                    f"ThematicField:field-{field}",
                    f"Project {project} works on Field {field}",
                )
        for city, faced in enumerate(self.faces):
            for index in faced:
                family, variant = self.challenges[index]
                yield self._fact(
                    "FACES",
                    f"City:city-{city}",
                    f"Challenge:challenge-{family}-{variant}",
                    f"City {city} faces {self.challenge_name(index)}",
                    confidence=0.9,
                )
            for network in rng.sample(range(s.networks), k=rng.choice((0, 1, 1, 2))):
                yield self._fact(
                    "MEMBER_OF",
                    f"City:city-{city}",
                    f"Network:network-{network}",
                    f"City {city} is a member of Network {network}",
                )
        for organisation in range(s.organisations):
            for project in rng.sample(range(s.projects), k=rng.choice((1, 1, 2))):
                yield self._fact(
                    "PARTNER_IN",
                    f"Organisation:organisation-{organisation}",
                    f"Project:project-{project}",
                    f"Organisation {organisation} is a partner of Project {project}",
                    role="partner",
                )
            yield self._fact(
                "LOCATED_IN",
                f"Organisation:organisation-{organisation}",
                f"City:city-{rng.randrange(s.cities)}",
                f"Organisation {organisation} sits in a city",
            )
        for index, (family, variant) in enumerate(self.challenges):
            yield self._fact(
                "IN_FIELD",
                f"Challenge:challenge-{family}-{variant}",
                f"ThematicField:field-{self.family_field[family]}",
                f"{self.challenge_name(index)} is a matter of Field {self.family_field[family]}",
            )
        weights = [w for _, w in OUTCOMES]
        for i, (city, project, addressed) in enumerate(self.solutions):
            solution = f"Solution:solution-{i}"
            yield self._fact(
                "IMPLEMENTED_IN", solution, f"City:city-{city}", f"Solution {i} runs in City {city}"
            )
            yield self._fact(
                "PART_OF",
                solution,
                f"Project:project-{project}",
                f"Solution {i} is part of Project {project}",
            )
            for index in addressed:
                family, variant = self.challenges[index]
                outcome = rng.choices([o for o, _ in OUTCOMES], weights)[0]
                yield self._fact(
                    "ADDRESSES",
                    solution,
                    f"Challenge:challenge-{family}-{variant}",
                    f"Solution {i} {outcome} {self.challenge_name(index)}",
                    outcome=outcome,
                )

    def _source(self, key: int) -> str:
        return f"synthetic-source-{key % self.shape.sources}"

    def _cite(self, key: int, quote: str) -> list[dict[str, str]]:
        return [{"source": self._source(key), "quote": quote}]

    def _fact(self, rel_type: str, start: str, end: str, quote: str, **properties: Any) -> dict[str, Any]:
        self.facts += 1  # sources take turns, so each cites about as many facts
        fact = {"type": rel_type, "from": start, "to": end, "source_ids": [self._source(self.facts)]}
        if "confidence" in properties:  # kg-json keeps it beside the sources, not among the properties
            fact["confidence"] = properties.pop("confidence")
        return fact | {"properties": properties, "quotes": [quote]}


def _unit(matrix: np.ndarray) -> np.ndarray:
    unit: np.ndarray = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
    return unit


def _node(
    label: str, uid: str, provenance: list[dict[str, str]] | None = None, **properties: Any
) -> dict[str, Any]:
    node: dict[str, Any] = {"label": label, "uid": uid, "properties": properties}
    if provenance:
        node["provenance"] = provenance
    return node


@dataclass(frozen=True)
class Written:
    path: Path
    nodes: int
    relationships: int
    provenance: int


def write_kgjson(kb: SyntheticKnowledgeBase, path: Path) -> Written:
    """Stream the knowledge base to ``path``; counts what was written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    nodes = relationships = provenance = 0
    with path.open("w", encoding="utf-8") as out:
        out.write('{"format": "kg-json", "version": 1, "metadata": ')
        json.dump({"generator": "benchmarks.generate", "scale": kb.scale, "seed": kb.seed}, out)
        out.write(', "nodes": [\n')
        for node in kb.nodes():
            _item(out, node, nodes)
            nodes += 1
            provenance += len(node.get("provenance", []))
        out.write('],\n"relationships": [\n')
        for relationship in kb.relationships():
            _item(out, relationship, relationships)
            relationships += 1
        out.write("]}\n")
    return Written(path, nodes, relationships, provenance)


def _item(out: TextIO, record: dict[str, Any], index: int) -> None:
    out.write((",\n" if index else "") + json.dumps(record, separators=(",", ":")))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", choices=sorted(SCALES), default="S", help="S, M or L (default S)")
    parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same file (default 1)")
    parser.add_argument(
        "-o", "--output", type=Path, help="default benchmarks/data/synthetic-<scale>-<seed>.kg.json"
    )
    args = parser.parse_args()
    output = args.output or Path(__file__).parent / "data" / f"synthetic-{args.scale}-{args.seed}.kg.json"
    written = write_kgjson(SyntheticKnowledgeBase(args.scale, args.seed), output)
    total = written.relationships + written.provenance
    print(
        f"{written.path}: {written.nodes:,} nodes, {written.relationships:,} relationships "
        f"+ {written.provenance:,} provenance links = {total:,} relationships once loaded"
    )


if __name__ == "__main__":
    main()
