"""Scoring one (follower, lighthouse) pair from the maps the replication statements return; pure functions.

A **link** runs from a barrier the follower faces to a challenge a lighthouse solution addresses (the same
canonical challenge, *exact*, or a differently worded one, *semantic*). Its strength multiplies

- whose barrier it is (``attribution_weights``: the city's own statement 1, a named group's that includes it
  0.6, its project's 0.25; a barrier stated for "cities" in general never reaches a city);
- what the solution achieved (``outcome_weights``: solved 1, mitigated 0.75, attempted 0.5, proposed 0.3) and how
  far it has come (``status_weights``: in operation or completed 1 … idea 0.35, unknown 0.5);
- the confidences of the FACES and ADDRESSES facts, the match weight (exact 1, semantic
  (cos − t) / (1 − t)) and the evidence weight 1 − 0.25ⁿ (n distinct documents behind the link).

The five factors, each in [0, 1] and each reported:

- ``challenges``: per follower barrier its strongest link, combined as a noisy-OR 1 − Π(1 − s);
- ``needs``: per need the follower states (a kind of solution in a field), its strongest lighthouse solution in
  that field (status × attribution × confidence × evidence), combined the same way; no needs, no factor;
- ``channel``: how replication travels (``channel_weights``): a shared project 1 (SCC-01 followers commit to
  replicate their own lighthouses), a shared network or cluster 0.4, else 0; unknown for a city outside the graph;
- ``thematic``: Jaccard overlap of the fields of the follower's barriers and of the lighthouse's solutions;
- ``context``: the mean of what is known of country, population and latitude (a climate proxy).

The score is the weighted mean of the factors that have data (``FactorWeights``), rounded to four decimals; a
factor without data is left out, never counted as 0. Every result states the configuration it used.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from kg.replication.config import ScoringConfig
from kg.replication.models import (
    ChallengeRef,
    CityRef,
    DriverRef,
    Evidence,
    Factor,
    Match,
    MetNeed,
    OrganisationRef,
    SharedChallenge,
    SolutionLink,
)

POPULATION_SPAN_DECADES = 2.0
LATITUDE_SPAN_DEGREES = 20.0
OUTCOME_PHRASES = {
    "solved": "solved",
    "mitigated": "mitigated",
    "attempted": "was tried on",
    "proposed": "is proposed for",
}


def _round(value: float) -> float:
    return round(value + 0.0, 4)


@dataclass(frozen=True)
class Party:
    """A follower or a lighthouse as the statements describe it."""

    ref: CityRef
    country: str | None = None
    population: int | None = None
    latitude: float | None = None
    fields: tuple[str, ...] = ()
    drivers: tuple[dict[str, Any], ...] = ()

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Party:
        return cls(
            CityRef(uid=row["uid"], name=row["name"]),
            row.get("country"),
            row.get("population"),
            row.get("latitude"),
            tuple(row.get("fields") or ()),
            tuple(row.get("drivers") or ()),
        )


@dataclass
class PairData:
    """Everything one (follower, lighthouse) pair is scored on."""

    follower: Party
    lighthouse: Party
    links: list[dict[str, Any]] = field(default_factory=list)
    need_links: list[dict[str, Any]] = field(default_factory=list)  # a need map + one solution of its field
    shared_projects: list[dict[str, str]] | None = (
        None  # {uid, name}; None: unknown (a city outside the graph)
    )
    shared_networks: list[dict[str, str]] | None = None
    # Does the follower state needs at all? Then a lighthouse meeting none of them scores 0 on needs, not
    # "no data". None: unknown, judged by the pair's own need links.
    follower_has_needs: bool | None = None


# ------------------------------------------------------------------------------------------------ strengths


def evidence_weight(documents: int, config: ScoringConfig) -> float:
    return 1.0 - config.evidence_base ** max(documents, 1)


def semantic_weight(similarity: float, threshold: float) -> float:
    return max(0.0, min(1.0, (similarity - threshold) / (1.0 - threshold)))


def _confidence(value: float | None) -> float:
    return 1.0 if value is None else value


def link_strength(link: dict[str, Any], config: ScoringConfig) -> float:
    if not config.counts(link["outcome"], link["status"]):
        return 0.0
    if link["kind"] == "semantic" and link["attribution"] == "project" and not config.semantic_project_links:
        return 0.0
    kind_weight = (
        1.0 if link["kind"] == "exact" else semantic_weight(link["similarity"], config.semantic_threshold)
    )
    documents = set(link["faces_sources"] or []) | set(link["addresses_sources"] or [])
    documents |= set(link["implemented_sources"] or [])
    return (
        config.attribution_weights.get(link["attribution"], 0.0)
        * config.outcome_weights.get(link["outcome"], 0.0)
        * config.status_weight(link["status"])
        * _confidence(link["addresses_confidence"])
        * _confidence(link["faces_confidence"])
        * kind_weight
        * evidence_weight(len(documents), config)
    )


def need_strength(need: dict[str, Any], config: ScoringConfig) -> float:
    if config.min_status is not None and not config.counts(config_outcome_any(config), need["status"]):
        return 0.0
    documents = set(need["sources"] or []) | set(need["in_field_sources"] or [])
    documents |= set(need["implemented_sources"] or [])
    return (
        config.attribution_weights.get(need["attribution"], 0.0)
        * config.status_weight(need["status"])
        * _confidence(need["confidence"])
        * evidence_weight(len(documents), config)
    )


def config_outcome_any(config: ScoringConfig) -> str:
    """An outcome that passes the outcome filter (needs have no outcome: only the status filter applies)."""
    return next(iter(sorted(o.value for o in config.outcomes))) if config.outcomes else "solved"


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


def channel_factor(
    shared_projects: Sequence[dict[str, str]] | None,
    shared_networks: Sequence[dict[str, str]] | None,
    config: ScoringConfig,
) -> tuple[float | None, str]:
    if shared_projects is None:
        return None, "unknown for a city outside the graph"
    if shared_projects:
        return config.channel_weights["project"], "same project: " + _names(shared_projects)
    if shared_networks:
        return config.channel_weights["network"], "same network: " + _names(shared_networks)
    return config.channel_weights["none"], "no shared project or network"


def _names(items: Sequence[dict[str, str]]) -> str:
    return ", ".join(item["name"] for item in sorted(items, key=lambda item: item["uid"]))


def context_similarity(follower: Party, lighthouse: Party) -> tuple[float | None, str]:
    parts: list[float] = []
    notes: list[str] = []
    if follower.country and lighthouse.country:
        parts.append(1.0 if follower.country == lighthouse.country else 0.0)
        notes.append(f"country {follower.country}/{lighthouse.country}")
    if follower.population and lighthouse.population:
        decades = abs(math.log10(follower.population) - math.log10(lighthouse.population))
        parts.append(max(0.0, 1.0 - decades / POPULATION_SPAN_DECADES))
        notes.append(f"population {follower.population:,}/{lighthouse.population:,}")
    if follower.latitude is not None and lighthouse.latitude is not None:
        degrees = abs(follower.latitude - lighthouse.latitude)
        parts.append(max(0.0, 1.0 - degrees / LATITUDE_SPAN_DEGREES))
        notes.append(f"latitude {follower.latitude:.1f}/{lighthouse.latitude:.1f}")
    if not parts:
        return None, "no context data"
    return sum(parts) / len(parts), ", ".join(notes)


@dataclass(frozen=True)
class FactorValue:
    """A factor's value and weight as scoring computes them; the detail is written only for explained pairs."""

    value: float | None
    weight: float


def combine(factors: dict[str, FactorValue] | dict[str, Factor]) -> float:
    available = [(f.weight, f.value) for f in factors.values() if f.value is not None and f.weight > 0]
    total = sum(weight for weight, _ in available)
    return _round(sum(weight * value for weight, value in available) / total) if total else 0.0


# ------------------------------------------------------------------------------------------------ a pair


@dataclass(frozen=True)
class ScoredPair:
    """A pair's score and what explains it; ranking needs only ``score``, so every pair is scored but only the
    pairs a planner will see are explained (``explain``): on a large graph most lighthouses rank below the top."""

    pair: PairData
    score: float
    factors: dict[str, FactorValue]
    links: list[dict[str, Any]]  # only the links and needs that count under the configuration
    need_links: list[dict[str, Any]]
    best_links: dict[str, tuple[float, dict[str, Any]]]
    best_needs: dict[str, tuple[float, dict[str, Any]]]
    stated_needs: bool

    @property
    def counted(self) -> bool:
        """A pair is a match only if something under the configuration links it (filters may remove all)."""
        return bool(self.best_links or self.best_needs)


def score(pair: PairData, config: ScoringConfig) -> ScoredPair:
    """The pair's five factor values and its score: arithmetic only, run for every candidate pair."""
    weights = config.weights
    stated_needs = pair.follower_has_needs if pair.follower_has_needs is not None else bool(pair.need_links)
    # Only what counts under this configuration is scored, listed and quoted (filters may drop links).
    link_strengths = [(link, link_strength(link, config)) for link in pair.links]
    need_strengths = [(need, need_strength(need, config)) for need in pair.need_links]
    best_links = _best_per(link_strengths, "follower_challenge")
    best_needs = _best_per(need_strengths, "field")
    thematic = thematic_overlap(pair.follower.fields, pair.lighthouse.fields)
    channel, _ = channel_factor(pair.shared_projects, pair.shared_networks, config)
    context, _ = context_similarity(pair.follower, pair.lighthouse)
    factors = {
        "challenges": FactorValue(_round(noisy_or(s for s, _ in best_links.values())), weights.challenges),
        "needs": FactorValue(
            _round(noisy_or(s for s, _ in best_needs.values())) if stated_needs else None, weights.needs
        ),
        "channel": FactorValue(channel, weights.channel),
        "thematic": FactorValue(None if thematic is None else _round(thematic), weights.thematic),
        "context": FactorValue(None if context is None else _round(context), weights.context),
    }
    return ScoredPair(
        pair,
        combine(factors),
        factors,
        [link for link, strength in link_strengths if strength > 0],
        [need for need, strength in need_strengths if strength > 0],
        best_links,
        best_needs,
        stated_needs,
    )


def _details(scored: ScoredPair, config: ScoringConfig) -> dict[str, str]:
    pair, best_links = scored.pair, scored.best_links
    exact = sum(1 for _, link in best_links.values() if link["kind"] == "exact")
    thematic = scored.factors["thematic"].value
    return {
        "challenges": f"{len(best_links)} shared challenges ({exact} exact, {len(best_links) - exact} semantic)",
        "needs": f"{len(scored.best_needs)} stated needs met" if scored.stated_needs else "no stated needs",
        "channel": channel_factor(pair.shared_projects, pair.shared_networks, config)[1],
        "thematic": "no field data" if thematic is None else "Jaccard overlap of thematic fields",
        "context": context_similarity(pair.follower, pair.lighthouse)[1],
    }


def explain(
    scored: ScoredPair, files: dict[str, str], config: ScoringConfig, kb_version: str | None
) -> Match:
    """The match a planner reads: factors, score, one-sentence reason, solutions, organisations, evidence."""
    # The lighthouse's drivers: the city's own, and those of the solutions that link this pair.
    lighthouse = replace(
        scored.pair.lighthouse,
        drivers=_unique_drivers(
            [*scored.pair.lighthouse.drivers, *_solution_drivers([*scored.links, *scored.need_links])]
        ),
    )
    pair = replace(scored.pair, lighthouse=lighthouse, links=scored.links, need_links=scored.need_links)
    details = _details(scored, config)
    solutions = _solutions(pair.links, pair.need_links)
    return Match(
        follower=pair.follower.ref,
        lighthouse=pair.lighthouse.ref,
        score=scored.score,
        reason=reason(pair, scored.best_links, scored.best_needs, details["channel"]),
        factors={
            name: Factor(value=f.value, weight=f.weight, detail=details[name])
            for name, f in scored.factors.items()
        },
        shared_challenges=_shared_challenges(pair.links, scored.best_links),
        met_needs=_met_needs(pair.need_links, scored.best_needs),
        solutions=solutions,
        organisations=_organisations(solutions),
        evidence=_evidence(pair, files),
        shared_projects=sorted(p["uid"] for p in pair.shared_projects or []),
        shared_networks=sorted(n["uid"] for n in pair.shared_networks or []),
        lighthouse_drivers=[DriverRef(**_driver(d)) for d in pair.lighthouse.drivers],
        follower_drivers=[DriverRef(**_driver(d)) for d in pair.follower.drivers],
        scoring=config.label,
        kb_version=kb_version,
    )


def score_pair(pair: PairData, files: dict[str, str], config: ScoringConfig, kb_version: str | None) -> Match:
    """Score and explain one pair."""
    return explain(score(pair, config), files, config, kb_version)


def _solution_drivers(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What drove the given solutions (the statement sends them with each solution)."""
    return [driver for item in items for driver in item.get("solution_drivers") or []]


def _unique_drivers(drivers: Iterable[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    found = {(d.get("of"), d["uid"]): d for d in drivers}
    return tuple(found[key] for key in sorted(found, key=lambda key: (key[0] or "", key[1])))


def _driver(row: dict[str, Any]) -> dict[str, Any]:
    return {key: row.get(key) for key in ("uid", "name", "category", "of")}


def _best_per(items: list[tuple[dict[str, Any], float]], key: str) -> dict[str, tuple[float, dict[str, Any]]]:
    """The strongest item per ``key`` (ties: the first in a stable order), skipping items worth nothing."""
    best: dict[str, tuple[float, dict[str, Any]]] = {}
    ordered = sorted(items, key=lambda pair: (pair[0][key], pair[0].get("target") or "", pair[0]["solution"]))
    for item, value in ordered:
        if value <= 0:
            continue
        current = best.get(item[key])
        if current is None or value > current[0]:
            best[item[key]] = (value, item)
    return best


def _shared_challenges(
    links: list[dict[str, Any]], best: dict[str, tuple[float, dict[str, Any]]]
) -> list[SharedChallenge]:
    solutions: dict[tuple[str, str], set[str]] = {}
    for link in links:
        solutions.setdefault((link["follower_challenge"], link["target"]), set()).add(link["solution"])
    return [
        SharedChallenge(
            follower_challenge=ChallengeRef(
                uid=link["follower_challenge"], name=link["follower_challenge_name"]
            ),
            matched_challenge=ChallengeRef(uid=link["target"], name=link["target_name"]),
            kind=link["kind"],
            similarity=_round(link["similarity"]),
            strength=_round(strength),
            attribution=link["attribution"],
            via=link["via"],
            solutions=sorted(solutions[link["follower_challenge"], link["target"]]),
        )
        for _, (strength, link) in sorted(best.items())
    ]


def _met_needs(needs: list[dict[str, Any]], best: dict[str, tuple[float, dict[str, Any]]]) -> list[MetNeed]:
    solutions: dict[str, set[str]] = {}
    for need in needs:
        solutions.setdefault(need["field"], set()).add(need["solution"])
    return [
        MetNeed(
            field=ChallengeRef(uid=need["field"], name=need["field_name"]),
            need=need["need"],
            attribution=need["attribution"],
            strength=_round(strength),
            solutions=sorted(solutions[field_uid]),
        )
        for field_uid, (strength, need) in sorted(best.items())
    ]


def _solutions(links: list[dict[str, Any]], needs: list[dict[str, Any]]) -> list[SolutionLink]:
    seen: dict[tuple[str, str], SolutionLink] = {}
    for item in [*links, *needs]:
        addresses = item.get("target")
        key = (item["solution"], addresses or f"field:{item.get('field')}")
        seen.setdefault(
            key,
            SolutionLink(
                uid=item["solution"],
                name=item["solution_name"],
                project=item["project"],
                status=item["status"],
                status_label=item["status_label"],
                addresses=addresses,
                outcome=item.get("outcome"),
                confidence=_confidence(item.get("addresses_confidence")),
                organisations=_unique_organisations(item.get("organisations") or []),
            ),
        )
    return [seen[key] for key in sorted(seen)]


def _unique_organisations(rows: list[dict[str, Any]]) -> list[OrganisationRef]:
    found = {row["uid"]: row for row in rows}
    return [OrganisationRef(**found[uid]) for uid in sorted(found)]


def _organisations(solutions: list[SolutionLink]) -> list[OrganisationRef]:
    found: dict[str, OrganisationRef] = {}
    for solution in solutions:
        for organisation in solution.organisations:
            found.setdefault(organisation.uid, organisation)
    return [found[uid] for uid in sorted(found)]


def _attribution_phrase(item: dict[str, Any], follower: str) -> str:
    if item["attribution"] == "group":
        return f"a barrier {item.get('group_name') or 'a group of cities'} named"
    if item["attribution"] == "project":
        return f"a barrier of {item['via']}, which {follower} takes part in"
    return f"which {follower} faces"


def _inline(name: str) -> str:
    """A name inside a sentence: 'Data privacy and governance' -> 'data privacy and governance' (acronyms kept)."""
    return name[0].lower() + name[1:] if len(name) > 1 and name[1].islower() else name


def _solution_phrase(lighthouse: str, item: dict[str, Any]) -> str:
    """'Munich's Data Gatekeeper (envisions)': the lighthouse, the solution, its status in the document's words."""
    name = item["solution_name"]
    owner = "" if lighthouse.lower() in name.lower() else f"{lighthouse}'s "
    status = item["status_label"] or item["status"] or "status unknown"
    return f"{owner}{name} ({status})"


def reason(
    pair: PairData,
    best_links: dict[str, tuple[float, dict[str, Any]]],
    best_needs: dict[str, tuple[float, dict[str, Any]]],
    channel_detail: str,
) -> str:
    """One sentence: the strongest link (or met need), whose barrier it is, and the channel."""
    lighthouse, follower = pair.lighthouse.ref.name, pair.follower.ref.name
    channel = {
        "same project": f"{follower} and {lighthouse} share {channel_detail.partition(': ')[2]}",
        "same network": f"both are in {channel_detail.partition(': ')[2]}",
    }.get(channel_detail.partition(":")[0], channel_detail)
    if best_links:
        _, link = max(best_links.values(), key=lambda item: item[0])
        worded = "" if link["kind"] == "exact" else f" (worded as {link['follower_challenge_name']!r})"
        phrase = OUTCOME_PHRASES.get(link["outcome"], link["outcome"])
        return (
            f"{_solution_phrase(lighthouse, link)} {phrase} {_inline(link['target_name'])}{worded}, "
            f"{_attribution_phrase(link, follower)}; {channel}."
        )
    if best_needs:
        _, need = max(best_needs.values(), key=lambda item: item[0])
        return (
            f"{_solution_phrase(lighthouse, need)} is in {_inline(need['field_name'])}, where {follower} needs "
            f"{need['need']}; {channel}."
        )
    return f"{lighthouse}: nothing links it to {follower}'s barriers or needs under this configuration; {channel}."


def _evidence(pair: PairData, files: dict[str, str]) -> list[Evidence]:
    items: dict[tuple[str, str, str], Evidence] = {}
    follower, lighthouse = pair.follower.ref.name, pair.lighthouse.ref.name

    def add(claim: str, sources: list[str] | None, quotes: list[str] | None) -> None:
        for source, quote in zip(sources or [], quotes or [], strict=False):
            items.setdefault(
                (claim, source, quote),
                Evidence(claim=claim, source=source, file_name=files.get(source, ""), quote=quote),
            )

    for link in pair.links:
        whose = {"own": follower, "group": link.get("group_name") or "its group", "project": link["via"]}
        add(
            f"{whose[link['attribution']]} faces {link['follower_challenge_name']}",
            link["faces_sources"],
            link["faces_quotes"],
        )
        if link.get("group_quote"):
            add(
                f"the statement is made for {link.get('group_name') or 'a group'}",
                link["faces_sources"][:1],
                [link["group_quote"]],
            )
        add(
            f"{link['solution_name']} addresses {link['target_name']} ({link['outcome']})",
            link["addresses_sources"],
            link["addresses_quotes"],
        )
        add(
            f"{link['solution_name']} is implemented in {lighthouse}",
            link["implemented_sources"],
            link["implemented_quotes"],
        )
    for need in pair.need_links:
        add(f"{follower} needs {need['need']} in {need['field_name']}", need["sources"], need["quotes"])
        add(
            f"{need['solution_name']} is in {need['field_name']}",
            need["in_field_sources"],
            need["in_field_quotes"],
        )
        add(
            f"{need['solution_name']} is implemented in {lighthouse}",
            need["implemented_sources"],
            need["implemented_quotes"],
        )
    for driver in pair.lighthouse.drivers:
        add(f"{driver.get('of')} is driven by {driver['name']}", driver.get("sources"), driver.get("quotes"))
    return [items[key] for key in sorted(items)]
