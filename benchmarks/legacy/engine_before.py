"""The replication engine: ranked, explained follower-to-lighthouse match lists and companion analyses.

Scoring (all factors in [0, 1]; see the README's "Replication engine" section):

- ``challenges`` — for each challenge the follower faces, the strongest link to a solution implemented in the
  lighthouse: outcome weight (solved 1, mitigated 0.75, attempted 0.5, proposed 0.25) x the ADDRESSES confidence
  x the FACES confidence x the match weight (exact 1; semantic (cos - t) / (1 - t) above the threshold t) x the
  evidence weight 1 - 0.25^n (n distinct source documents behind the link). The factor combines the per-challenge
  strengths as a noisy-OR, 1 - prod(1 - s): every further shared challenge adds, none can push it past 1.
- ``thematic`` — Jaccard overlap of the thematic fields of the follower's challenges and of the lighthouse's
  solutions.
- ``ties`` — 1 when follower and lighthouse share a project, 0.5 when they share a network or cluster (directly
  or through their projects), else 0.
- ``context`` — the mean of what is known of: same country (1/0), population (1 - |log10 ratio| / 2) and
  latitude as a climate proxy (1 - |difference| / 20 degrees).

The score is the weighted mean of the available factors (weights 0.7, 0.1, 0.1, 0.1); a factor without data
is left out rather than counted as 0, so missing data never penalises. Scores are absolute, rounded to four
decimals, and ties break by the lighthouse's public id.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, LiteralString

from pydantic import BaseModel, Field

from benchmarks.legacy import queries_before as q
from benchmarks.legacy.models_before import (
    ChallengeRef,
    CityNotFoundError,
    CityRef,
    Evidence,
    Factor,
    FollowerGaps,
    FollowerMatches,
    Gap,
    Match,
    NotAFollowerError,
    SharedChallenge,
    SharedChallengeRow,
    SolutionLink,
    UnreplicatedSolution,
)
from kg.core.database import Database
from kg.core.errors import InvalidInputError, UnavailableError
from kg.embeddings import SentenceEmbedder
from queries.system import read_kb_version

OUTCOME_WEIGHTS: dict[str, float] = {"solved": 1.0, "mitigated": 0.75, "attempted": 0.5, "proposed": 0.25}
FACTOR_WEIGHTS: dict[str, float] = {"challenges": 0.7, "thematic": 0.1, "ties": 0.1, "context": 0.1}
# all-MiniLM-L6-v2 cosine. On the seed's 76 canonical challenge names, paraphrases and narrower forms of one
# barrier score 0.4-0.8 and unrelated barriers mostly below 0.3; 0.38 keeps the weakest genuine pair the
# documents give (lack of public interest in citizen labs ~ public apathy towards a smart city agenda: 0.397).
SEMANTIC_THRESHOLD = 0.38
NEIGHBOURS = 10
POPULATION_SPAN_DECADES = 2.0
LATITUDE_SPAN_DEGREES = 20.0
NO_KNOWN_SOLUTION = "no known solution for its challenges"


class EngineConfig(BaseModel):
    semantic_threshold: float = Field(SEMANTIC_THRESHOLD, ge=0.0, lt=1.0)
    neighbours: int = Field(NEIGHBOURS, ge=1, le=100)


# ------------------------------------------------------------------------------------------------ scoring


def _round(value: float) -> float:
    return round(value + 0.0, 4)


def evidence_weight(documents: int) -> float:
    return 1.0 - 0.25 ** max(documents, 1)


def semantic_weight(similarity: float, threshold: float) -> float:
    return max(0.0, min(1.0, (similarity - threshold) / (1.0 - threshold)))


def link_strength(link: dict[str, Any], threshold: float) -> float:
    kind_weight = 1.0 if link["kind"] == "exact" else semantic_weight(link["similarity"], threshold)
    documents = set(link["faces_sources"] or []) | set(link["addresses_sources"] or [])
    documents |= set(link["implemented_sources"] or [])
    return (
        OUTCOME_WEIGHTS.get(link["outcome"], 0.0)
        * (link["addresses_confidence"] if link["addresses_confidence"] is not None else 1.0)
        * (link["faces_confidence"] if link["faces_confidence"] is not None else 1.0)
        * kind_weight
        * evidence_weight(len(documents))
    )


def noisy_or(strengths: Iterable[float]) -> float:
    remaining = 1.0
    for strength in strengths:
        remaining *= 1.0 - strength
    return 1.0 - remaining


def thematic_overlap(follower_fields: Sequence[str], lighthouse_fields: Sequence[str]) -> float | None:
    if not follower_fields or not lighthouse_fields:
        return None
    a, b = set(follower_fields), set(lighthouse_fields)
    return len(a & b) / len(a | b)


def ties_factor(shared_projects: Sequence[str], shared_networks: Sequence[str]) -> float:
    if shared_projects:
        return 1.0
    return 0.5 if shared_networks else 0.0


def context_similarity(follower: dict[str, Any], lighthouse: dict[str, Any]) -> tuple[float | None, str]:
    parts: list[float] = []
    notes: list[str] = []
    if follower.get("country") and lighthouse.get("country"):
        same = follower["country"] == lighthouse["country"]
        parts.append(1.0 if same else 0.0)
        notes.append(f"country {follower['country']}/{lighthouse['country']}")
    if follower.get("population") and lighthouse.get("population"):
        decades = abs(math.log10(follower["population"]) - math.log10(lighthouse["population"]))
        parts.append(max(0.0, 1.0 - decades / POPULATION_SPAN_DECADES))
        notes.append(f"population {follower['population']:,}/{lighthouse['population']:,}")
    if follower.get("latitude") is not None and lighthouse.get("latitude") is not None:
        degrees = abs(follower["latitude"] - lighthouse["latitude"])
        parts.append(max(0.0, 1.0 - degrees / LATITUDE_SPAN_DEGREES))
        notes.append(f"latitude {follower['latitude']:.1f}/{lighthouse['latitude']:.1f}")
    if not parts:
        return None, "no context data"
    return sum(parts) / len(parts), ", ".join(notes)


def combine(factors: dict[str, Factor]) -> float:
    available = [(f.weight, f.value) for f in factors.values() if f.value is not None]
    total = sum(weight for weight, _ in available)
    return _round(sum(weight * value for weight, value in available) / total)


# ------------------------------------------------------------------------------------------------ the engine


@dataclass(frozen=True)
class _Follower:
    ref: CityRef
    country: str | None
    population: int | None
    latitude: float | None


class ReplicationEngine:
    """Ranked, explained matches from the graph behind ``driver``.

    Example:
        >>> engine = ReplicationEngine(db, embedder=SentenceEmbedder.load(Settings().model_dir))  # doctest: +SKIP
        >>> best = engine.matches_for("sofia").matches[0]  # doctest: +SKIP
        >>> best.lighthouse.uid, best.score  # doctest: +SKIP
        ('munich', 0.6431)
    """

    def __init__(
        self,
        db: Database,
        embedder: SentenceEmbedder | None = None,
        config: EngineConfig | None = None,
    ) -> None:
        self.db = db
        self.embedder = embedder
        self.config = config or EngineConfig()

    # -- plumbing ---------------------------------------------------------------------------------------------
    def _read(self, query: LiteralString, **params: Any) -> list[dict[str, Any]]:
        return self.db.read(query, **params)

    def _read_semantic(self, query: LiteralString, **params: Any) -> list[dict[str, Any]]:
        """A read whose statement asks the vector index: adds its name, the neighbour count and the threshold."""
        return self._read(
            query,
            vector_index=q.VECTOR_INDEX,
            neighbours=self.config.neighbours,
            threshold=self.config.semantic_threshold,
            **params,
        )

    def kb_version(self) -> str | None:
        return read_kb_version(self.db)

    def _source_files(self) -> dict[str, str]:
        return {row["uid"]: row["file_name"] for row in self._read(q.READ_SOURCES)}

    def resolve_city(self, name: str) -> tuple[CityRef, list[dict[str, str]]]:
        rows = self._read(q.FIND_CITY, name=name)
        if not rows:
            raise CityNotFoundError(f"no city is called {name!r} (public id, name or alias)")
        if len(rows) > 1:
            raise CityNotFoundError(f"{name!r} is ambiguous: {', '.join(r['uid'] for r in rows)}")
        return CityRef(uid=rows[0]["uid"], name=rows[0]["name"]), rows[0]["roles"]

    def followers(self) -> list[str]:
        return [row["uid"] for row in self._read(q.READ_FOLLOWERS)]

    # -- matches ----------------------------------------------------------------------------------------------
    def matches_for(self, follower: str, top: int | None = None, min_score: float = 0.0) -> FollowerMatches:
        city, roles = self.resolve_city(follower)
        if not any(role["role"] == "follower" for role in roles):
            raise NotAFollowerError(f"{city.name} ({city.uid}) holds no follower role in any project")
        return self._match_followers([city.uid], top, min_score)[0]

    def matches_for_all(self, top: int | None = None, min_score: float = 0.0) -> list[FollowerMatches]:
        return self._match_followers(self.followers(), top, min_score)

    def _match_followers(self, uids: list[str], top: int | None, min_score: float) -> list[FollowerMatches]:
        rows = self._read_semantic(q.MATCH_FOLLOWER_LINKS, followers=uids)
        version, files = self.kb_version(), self._source_files()
        gaps = {g.follower.uid: g for g in self._gaps(uids)}
        by_follower: dict[str, list[Match]] = {uid: [] for uid in uids}
        for row in rows:
            follower = _Follower(
                CityRef(uid=row["follower"], name=row["follower_name"]),
                row["follower_country"],
                row["follower_population"],
                row["follower_latitude"],
            )
            by_follower[row["follower"]].append(self._score(follower, row, files, version))
        results = []
        for uid in uids:
            matches = _rank(by_follower[uid], top, min_score)
            follower_gaps = gaps.get(uid)
            ref = follower_gaps.follower if follower_gaps else CityRef(uid=uid, name=uid)
            results.append(
                FollowerMatches(
                    follower=ref,
                    matches=matches,
                    gaps=follower_gaps.gaps if follower_gaps else [],
                    challenges=follower_gaps.challenges if follower_gaps else 0,
                    note=None if matches else _no_match_note(follower_gaps),
                    kb_version=version,
                )
            )
        return results

    def matches_for_barriers(
        self,
        barriers: Sequence[str],
        country: str | None = None,
        population: int | None = None,
        latitude: float | None = None,
        top: int | None = None,
        min_score: float = 0.0,
    ) -> FollowerMatches:
        """Matches for a city not in the graph, described by its barriers as free text."""
        if not barriers:
            raise InvalidInputError("give at least one barrier")
        if self.embedder is None:
            raise UnavailableError("free-text matching needs the embedding model: run `kg model install`")
        vectors = self.embedder.embed(list(barriers))
        payload = [
            {"id": f"barrier-{i + 1}", "text": text, "embedding": [float(x) for x in vector]}
            for i, (text, vector) in enumerate(zip(barriers, vectors, strict=True))
        ]
        rows = self._read_semantic(q.MATCH_BARRIER_LINKS, barriers=payload)
        version, files = self.kb_version(), self._source_files()
        follower = _Follower(CityRef(uid="(your city)", name="(your city)"), country, population, latitude)
        for row in rows:
            row.update(follower_fields=[], shared_projects=None, shared_networks=None)
        matches = _rank([self._score(follower, row, files, version) for row in rows], top, min_score)
        return FollowerMatches(
            follower=follower.ref,
            matches=matches,
            gaps=[],
            challenges=len(barriers),
            note=None if matches else NO_KNOWN_SOLUTION,
            kb_version=version,
        )

    def _score(
        self, follower: _Follower, row: dict[str, Any], files: dict[str, str], version: str | None
    ) -> Match:
        threshold = self.config.semantic_threshold
        links = sorted(
            row["links"], key=lambda link: (link["follower_challenge"], link["target"], link["solution"])
        )
        best: dict[str, tuple[float, dict[str, Any]]] = {}
        solutions_per_pair: dict[tuple[str, str], set[str]] = {}
        for link in links:
            strength = link_strength(link, threshold)
            pair = (link["follower_challenge"], link["target"])
            solutions_per_pair.setdefault(pair, set()).add(link["solution"])
            current = best.get(link["follower_challenge"])
            if current is None or strength > current[0]:
                best[link["follower_challenge"]] = (strength, link)
        shared = [
            SharedChallenge(
                follower_challenge=ChallengeRef(
                    uid=link["follower_challenge"], name=link["follower_challenge_name"]
                ),
                matched_challenge=ChallengeRef(uid=link["target"], name=link["target_name"]),
                kind=link["kind"],
                similarity=_round(link["similarity"]),
                strength=_round(strength),
                solutions=sorted(solutions_per_pair[link["follower_challenge"], link["target"]]),
            )
            for _, (strength, link) in sorted(best.items())
        ]
        challenge_value = noisy_or(strength for strength, _ in best.values())
        exact = sum(1 for s in shared if s.kind == "exact")
        shared_projects, shared_networks = row.get("shared_projects"), row.get("shared_networks")
        lighthouse = {
            "country": row["lighthouse_country"],
            "population": row["lighthouse_population"],
            "latitude": row["lighthouse_latitude"],
        }
        context, context_note = context_similarity(
            {"country": follower.country, "population": follower.population, "latitude": follower.latitude},
            lighthouse,
        )
        thematic = thematic_overlap(row.get("follower_fields") or [], row["lighthouse_fields"])
        ties = None if shared_projects is None else ties_factor(shared_projects, shared_networks or [])
        factors = {
            "challenges": Factor(
                value=_round(challenge_value),
                weight=FACTOR_WEIGHTS["challenges"],
                detail=f"{len(shared)} shared challenges ({exact} exact, {len(shared) - exact} semantic)",
            ),
            "thematic": Factor(
                value=None if thematic is None else _round(thematic),
                weight=FACTOR_WEIGHTS["thematic"],
                detail="no field data" if thematic is None else "Jaccard overlap of thematic fields",
            ),
            "ties": Factor(
                value=ties,
                weight=FACTOR_WEIGHTS["ties"],
                detail=_ties_note(shared_projects, shared_networks),
            ),
            "context": Factor(
                value=None if context is None else _round(context),
                weight=FACTOR_WEIGHTS["context"],
                detail=context_note,
            ),
        }
        return Match(
            follower=follower.ref,
            lighthouse=CityRef(uid=row["lighthouse"], name=row["lighthouse_name"]),
            score=combine(factors),
            factors=factors,
            shared_challenges=shared,
            solutions=_solutions(links),
            evidence=_evidence(follower.ref, row["lighthouse_name"], links, files),
            shared_projects=sorted(shared_projects or []),
            shared_networks=sorted(shared_networks or []),
            kb_version=version,
        )

    # -- companion analyses -----------------------------------------------------------------------------------
    def shared_challenges(self, min_cities: int = 2) -> list[SharedChallengeRow]:
        version = self.kb_version()
        return [
            SharedChallengeRow(**row, kb_version=version)
            for row in self._read(q.MATCH_SHARED_CHALLENGES, min_cities=min_cities)
        ]

    def gaps(self, follower: str | None = None) -> list[FollowerGaps]:
        """Per follower (one, or every follower) the challenges no solution addresses, exactly or semantically."""
        return self._gaps([self.resolve_city(follower)[0].uid] if follower else None)

    def _gaps(self, uids: list[str] | None) -> list[FollowerGaps]:
        version = self.kb_version()
        rows = self._read_semantic(q.MATCH_GAPS, followers=uids)
        return [
            FollowerGaps(
                follower=CityRef(uid=row["follower"], name=row["follower_name"]),
                challenges=row["challenges"],
                gaps=sorted(
                    (Gap(uid=g["uid"], name=g["name"], category=g["category"]) for g in row["gaps"]),
                    key=lambda gap: gap.uid,
                ),
                kb_version=version,
            )
            for row in rows
        ]

    def unreplicated_solutions(self) -> list[UnreplicatedSolution]:
        version = self.kb_version()
        rows = self._read_semantic(q.MATCH_UNREPLICATED_SOLUTIONS)
        return [
            UnreplicatedSolution(
                uid=row["uid"],
                name=row["name"],
                lighthouse=CityRef(uid=row["lighthouse"], name=row["lighthouse_name"]),
                projects=sorted(row["projects"]),
                challenges=sorted(row["challenges"], key=lambda c: str(c["uid"])),
                kb_version=version,
            )
            for row in rows
        ]


def _rank(matches: list[Match], top: int | None, min_score: float) -> list[Match]:
    ranked = sorted((m for m in matches if m.score >= min_score), key=lambda m: (-m.score, m.lighthouse.uid))
    return ranked[:top] if top is not None else ranked


def _no_match_note(gaps: FollowerGaps | None) -> str:
    if gaps is None or gaps.challenges == 0:
        return "no challenges recorded for this city, so nothing to match"
    return NO_KNOWN_SOLUTION


def _ties_note(projects: Sequence[str] | None, networks: Sequence[str] | None) -> str:
    if projects is None:
        return "unknown for a city outside the graph"
    if projects:
        return "same project: " + ", ".join(sorted(projects))
    if networks:
        return "same network: " + ", ".join(sorted(networks))
    return "no shared project or network"


def _solutions(links: list[dict[str, Any]]) -> list[SolutionLink]:
    seen: dict[tuple[str, str], SolutionLink] = {}
    for link in links:
        key = (link["solution"], link["target"])
        seen.setdefault(
            key,
            SolutionLink(
                uid=link["solution"],
                name=link["solution_name"],
                project=link["project"],
                status=link["status"],
                addresses=link["target"],
                outcome=link["outcome"],
                confidence=link["addresses_confidence"] if link["addresses_confidence"] is not None else 1.0,
            ),
        )
    return [seen[key] for key in sorted(seen)]


def _evidence(
    follower: CityRef, lighthouse_name: str, links: list[dict[str, Any]], files: dict[str, str]
) -> list[Evidence]:
    items: dict[tuple[str, str, str], Evidence] = {}

    def add(claim: str, sources: list[str] | None, quotes: list[str] | None) -> None:
        for source, quote in zip(sources or [], quotes or [], strict=False):
            items.setdefault(
                (claim, source, quote),
                Evidence(claim=claim, source=source, file_name=files.get(source, ""), quote=quote),
            )

    for link in links:
        add(
            f"{follower.name} faces {link['follower_challenge_name']}",
            link["faces_sources"],
            link["faces_quotes"],
        )
        add(
            f"{link['solution_name']} addresses {link['target_name']} ({link['outcome']})",
            link["addresses_sources"],
            link["addresses_quotes"],
        )
        add(
            f"{link['solution_name']} is implemented in {lighthouse_name}",
            link["implemented_sources"],
            link["implemented_quotes"],
        )
    return [items[key] for key in sorted(items)]
