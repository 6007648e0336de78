"""The replication engine: ranked, explained follower-to-lighthouse matches, and the mission's own question the
other way round — which follower cities face the barrier a lighthouse solution already overcame.

Each question is one Cypher statement (``queries/replication.py``); scoring is ``kg.replication.scoring``, with
the weights of one versioned ``ScoringConfig`` that a call may override and that every result names.
"""

from __future__ import annotations

import contextvars
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, LiteralString

from kg.core.database import Database
from kg.core.errors import InvalidInputError, UnavailableError
from kg.embeddings import SentenceEmbedder
from kg.replication.config import ScoringConfig
from kg.replication.models import (
    ChallengeRef,
    CityNotFoundError,
    CityRef,
    FollowerGaps,
    FollowerMatches,
    Gap,
    Match,
    NotAFollowerError,
    SharedChallengeRow,
    SolutionCandidates,
    SolutionNotFoundError,
    UnreplicatedSolution,
)
from kg.replication.scoring import PairData, Party, ScoredPair, explain, score
from queries import replication as q
from queries.browse import lucene_phrase
from queries.system import read_kb_version

NO_KNOWN_SOLUTION = "no known solution for its challenges"
NO_CHALLENGES = "no challenges or needs recorded for this city, so nothing to match"
SEMANTIC_THRESHOLD = ScoringConfig().semantic_threshold
OUTSIDE = CityRef(uid="(your city)", name="(your city)")
# Every follower in one statement ran past the 30 s transaction timeout at 10,000 cities (issue 15's benchmark);
# in statements of 50 each stays near a second there and the answer is scored as it arrives.
FOLLOWERS_PER_STATEMENT = 50
# Statements in flight at once when many followers are asked: while the server runs some, the answers of others
# are scored here (each is about half server work, half Python). 600 followers at M on 2 cores: 17.5 s one at a
# time, 14.5 s with 2, 13.0 s with 3, 12.8 s with 4 (issue 15).
CONCURRENT_STATEMENTS = 3


class ReplicationEngine:
    """Ranked, explained matches from the graph behind ``db``.

    Example:
        >>> engine = ReplicationEngine(db, embedder=SentenceEmbedder.load(Settings().model_dir))  # doctest: +SKIP
        >>> best = engine.matches_for("sofia").matches[0]  # doctest: +SKIP
        >>> best.lighthouse.uid, best.reason  # doctest: +SKIP
        ('munich', "Munich's Data Gatekeeper (envisions) is proposed for ...")
    """

    def __init__(
        self, db: Database, embedder: SentenceEmbedder | None = None, config: ScoringConfig | None = None
    ) -> None:
        self.db = db
        self.embedder = embedder
        self.config = config or ScoringConfig()

    def with_config(self, config: ScoringConfig) -> ReplicationEngine:
        return ReplicationEngine(self.db, self.embedder, config)

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
            names_index=q.FULLTEXT_INDEX,
            **params,
        )

    def kb_version(self) -> str | None:
        return read_kb_version(self.db)

    def followers(self) -> list[str]:
        return [row["uid"] for row in self._read(q.READ_FOLLOWERS)]

    def resolve_city(self, name: str) -> CityRef:
        """The one city with that public id, name or alias."""
        found = self._read(
            q.FIND_CITY, name=_asked(name), phrase=lucene_phrase(name), names_index=q.FULLTEXT_INDEX
        )
        cities = [city for city in found[0]["found"] if city["uid"] is not None]  # OPTIONAL CALL: no match
        _check_resolved({"asked": name, "found": cities, "is_follower": True}, strict=True)
        city = cities[0]
        return CityRef(uid=city["uid"], name=city["name"])

    def _ranked(
        self,
        pairs: list[PairData],
        files: dict[str, str],
        kb_version: str | None,
        top: int | None,
        min_score: float,
        by: str = "lighthouse",
    ) -> list[Match]:
        """Score every pair, rank, and explain only the ones returned."""
        ranked = _rank([score(pair, self.config) for pair in pairs], top, min_score, by)
        return [explain(pair, files, self.config, kb_version) for pair in ranked]

    # -- matches ----------------------------------------------------------------------------------------------
    def matches_for(self, follower: str, top: int | None = None, min_score: float = 0.0) -> FollowerMatches:
        """One follower (public id, name or alias), in one statement."""
        return self._match([follower], top, min_score, strict=True)[0]

    def matches_for_all(self, top: int | None = None, min_score: float = 0.0) -> list[FollowerMatches]:
        return self._match(self.followers(), top, min_score, strict=False)

    def _match(
        self, names: Sequence[str], top: int | None, min_score: float, strict: bool
    ) -> list[FollowerMatches]:
        cities = [{"name": _asked(name), "phrase": lucene_phrase(name)} for name in names]
        chunks = [
            cities[start : start + FOLLOWERS_PER_STATEMENT]
            for start in range(0, len(cities), FOLLOWERS_PER_STATEMENT)
        ]

        def answer(chunk: list[dict[str, str]]) -> list[FollowerMatches]:
            rows = self._read_semantic(q.MATCH_FOLLOWERS, cities=chunk)
            return [self._follower_matches(row, top, min_score, strict) for row in rows]

        if len(chunks) == 1:
            return answer(chunks[0])
        with ThreadPoolExecutor(CONCURRENT_STATEMENTS, thread_name_prefix="kg-match") as pool:
            # Each chunk in a copy of the caller's context (the API counts statements per request there).
            futures = [pool.submit(contextvars.copy_context().run, answer, chunk) for chunk in chunks]
            return [matches for future in futures for matches in future.result()]

    def _follower_matches(
        self, row: dict[str, Any], top: int | None, min_score: float, strict: bool
    ) -> FollowerMatches:
        _check_resolved(row, strict)
        follower = Party.from_row(row["follower"])
        files = {source["uid"]: source["file_name"] or "" for source in row["sources"]}
        solutions = {solution["solution"]: solution for solution in row["solutions"]}
        links = _expand_links(row["links"], row["faced"], solutions)
        pairs = _pairs(follower, row["lighthouses"], links, _flatten_needs(row["needs"], solutions))
        for pair in pairs:
            pair.follower_has_needs = bool(row["needs"])
        matches = self._ranked(pairs, files, row["kb_version"], top, min_score)
        city_level = [c for c in row["faced"] if c["attribution"] != "project"]
        gaps = [
            Gap(uid=c["uid"], name=c["name"], category=c["category"])
            for c in city_level
            if not c["addressed"]
        ]
        has_anything = bool(row["faced"] or row["needs"])
        return FollowerMatches(
            follower=follower.ref,
            matches=matches,
            gaps=sorted({g.uid: g for g in gaps}.values(), key=lambda gap: gap.uid),
            challenges=len({c["uid"] for c in city_level}),
            note=None if matches else (NO_KNOWN_SOLUTION if has_anything else NO_CHALLENGES),
            scoring=self.config.label,
            kb_version=row["kb_version"],
        )

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
        row = self._read_semantic(q.MATCH_BARRIERS, barriers=payload)[0]
        follower = Party(OUTSIDE, country, population, latitude)
        files = {source["uid"]: source["file_name"] or "" for source in row["sources"]}
        pairs = _pairs(follower, row["lighthouses"], row["links"], [], channel_known=False)
        matches = self._ranked(pairs, files, row["kb_version"], top, min_score)
        return FollowerMatches(
            follower=OUTSIDE,
            matches=matches,
            gaps=[],
            challenges=len(barriers),
            note=None if matches else NO_KNOWN_SOLUTION,
            scoring=self.config.label,
            kb_version=row["kb_version"],
        )

    # -- the mission's question -------------------------------------------------------------------------------
    def candidates_for(
        self, solution: str, top: int | None = None, min_score: float = 0.0
    ) -> SolutionCandidates:
        """For a lighthouse solution (public id, name or alias): the follower cities that face its barrier, ranked."""
        found = self._read(q.FIND_SOLUTION, name=solution)
        if not found:
            raise SolutionNotFoundError(f"no solution is called {solution!r} (public id, name or alias)")
        if len(found) > 1:
            raise SolutionNotFoundError(f"{solution!r} is ambiguous: {', '.join(r['uid'] for r in found)}")
        return self._candidates([found[0]["uid"]], top, min_score)[0]

    def candidates_for_all(
        self, min_score: float = 0.0, top: int | None = None, include_empty: bool = False
    ) -> list[SolutionCandidates]:
        """Every (lighthouse solution, follower) pair above ``min_score`` that passes the outcome and status
        filters of the configuration (``already_solved()`` gives the default: solved or mitigated)."""
        uids = [row["uid"] for row in self._read(q.READ_LIGHTHOUSE_SOLUTIONS)]
        results = self._candidates(uids, top, min_score)
        return [r for r in results if include_empty or r.candidates]

    def already_solved(self) -> ReplicationEngine:
        """The mission's default reading of "already solved it": only solved or mitigated links count."""
        return self.with_config(self.config.with_overrides(outcomes=["solved", "mitigated"]))

    def _candidates(self, uids: list[str], top: int | None, min_score: float) -> list[SolutionCandidates]:
        rows = self._read_semantic(q.MATCH_CANDIDATES, solutions=uids)
        return [self._solution_candidates(row, top, min_score) for row in rows]

    def _solution_candidates(
        self, row: dict[str, Any], top: int | None, min_score: float
    ) -> SolutionCandidates:
        solution = CityRef(uid=row["solution"], name=row["solution_name"])
        addresses = [ChallengeRef(uid=c["uid"], name=c["name"]) for c in row["addresses"]]
        common = {
            "solution": solution,
            "status": row["status"],
            "status_label": row["status_label"],
            "addresses": sorted(addresses, key=lambda c: c.uid),
            "scoring": self.config.label,
            "kb_version": row["kb_version"],
        }
        if row["lighthouse"] is None:
            note = "implemented in no lighthouse city, so no follower can take it from one"
            return SolutionCandidates(lighthouse=None, candidates=[], note=note, **common)
        lighthouse = Party.from_row(row["lighthouse"])
        files = {source["uid"]: source["file_name"] or "" for source in row["sources"]}
        pairs = []
        links_by, needs_by = _group(row["links"], "follower"), _group(row["need_links"], "follower")
        for follower_row in row["followers"]:
            uid = follower_row["uid"]
            pairs.append(
                PairData(
                    Party.from_row(follower_row),
                    lighthouse,
                    links_by.get(uid, []),
                    needs_by.get(uid, []),
                    follower_row["shared_projects"],
                    follower_row["shared_networks"],
                )
            )
        candidates = self._ranked(pairs, files, row["kb_version"], top, min_score, by="follower")
        return SolutionCandidates(
            lighthouse=lighthouse.ref,
            candidates=candidates,
            note=None if candidates else _no_candidate_note(row, addresses, self.config.outcomes is not None),
            **common,
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
        uids = [self.resolve_city(follower).uid] if follower else None
        rows = self._read_semantic(q.MATCH_GAPS, followers=uids)
        return [
            FollowerGaps(
                follower=CityRef(uid=row["follower"], name=row["follower_name"]),
                challenges=row["challenges"],
                gaps=sorted(
                    (Gap(uid=g["uid"], name=g["name"], category=g["category"]) for g in row["gaps"]),
                    key=lambda gap: gap.uid,
                ),
                kb_version=row["kb_version"],
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


def _asked(name: str) -> str:
    if not name.strip():
        raise InvalidInputError("name a city: its public id, name or alias")
    return name.strip()


def _check_resolved(row: dict[str, Any], strict: bool) -> None:
    found = row["found"]
    if not found:
        raise CityNotFoundError(f"no city is called {row['asked']!r} (public id, name or alias)")
    if len(found) > 1:
        raise CityNotFoundError(
            f"{row['asked']!r} is ambiguous: {', '.join(sorted(c['uid'] for c in found))}"
        )
    if not row["is_follower"]:
        city = found[0]
        raise NotAFollowerError(f"{city['name']} ({city['uid']}) holds no follower role in any project")


def _expand_links(
    links: list[dict[str, Any]], faced: list[dict[str, Any]], solutions: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """The statement names each barrier and solution once; a link gets their details back here."""
    barriers = {(c["uid"], c["attribution"], c["via"]): c for c in faced}
    expanded = []
    for link in links:
        barrier = barriers[link["follower_challenge"], link["attribution"], link["via"]]
        expanded.append(
            {
                **solutions[link["solution"]],
                **link,
                "follower_challenge_name": barrier["name"],
                "faces_confidence": barrier["confidence"],
                "faces_sources": barrier["sources"],
                "faces_quotes": barrier["quotes"],
                "group_name": barrier["group_name"],
                "group_quote": barrier["group_quote"],
            }
        )
    return expanded


def _flatten_needs(
    needs: list[dict[str, Any]], solutions: dict[str, dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """One map per (need, lighthouse solution in its field): the need's fields merged with the solution's."""
    flat = []
    for need in needs:
        base = {key: value for key, value in need.items() if key != "solutions"}
        for solution in need["solutions"]:
            details = solutions[solution["solution"]] if solutions is not None else {}
            flat.append({**base, **details, **solution})
    return flat


def _group(items: list[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        grouped[item[key]].append(item)
    return grouped


def _pairs(
    follower: Party,
    lighthouses: list[dict[str, Any]],
    links: list[dict[str, Any]],
    needs: list[dict[str, Any]],
    channel_known: bool = True,
) -> list[PairData]:
    links_by, needs_by = _group(links, "lighthouse"), _group(needs, "lighthouse")
    return [
        PairData(
            follower,
            Party.from_row(lighthouse),
            links_by.get(lighthouse["uid"], []),
            needs_by.get(lighthouse["uid"], []),
            lighthouse["shared_projects"] if channel_known else None,
            lighthouse["shared_networks"] if channel_known else None,
        )
        for lighthouse in lighthouses
    ]


def _rank(
    scored: list[ScoredPair], top: int | None, min_score: float, by: str = "lighthouse"
) -> list[ScoredPair]:
    kept = [pair for pair in scored if pair.score >= min_score and pair.counted]
    ranked = sorted(kept, key=lambda pair: (-pair.score, getattr(pair.pair, by).ref.uid))
    return ranked[:top] if top is not None else ranked


def _no_candidate_note(row: dict[str, Any], addresses: list[ChallengeRef], filtered: bool) -> str:
    if not addresses:
        return "the solution addresses no recorded barrier, so no follower can be matched to it"
    if row["links"] or row["need_links"]:
        return (
            "followers face its barriers, but no link passes the outcome and status filters"
            if filtered
            else "no follower link scores above the threshold"
        )
    return "no follower city faces its barriers (exactly or worded alike) or needs a solution of its kind"
