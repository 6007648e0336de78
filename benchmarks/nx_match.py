"""The replication match computed in memory on a NetworkX graph: the alternative kg's Cypher is measured against.

What a researcher would otherwise do: export the whole knowledge base to NetworkX (``kg.export``: ``select`` the
whole graph, ``to_networkx``) and walk it in Python. ``NetworkXMatcher.follower_row`` walks the graph the way
``queries.replication.MATCH_FOLLOWERS`` does — the follower's barriers (its own, its named groups', its
projects'), each barrier's exact and SIMILAR_TO targets, the lighthouse solutions addressing them, the needs and
the solutions in their fields, each lighthouse's shared projects and networks, fields and drivers, the sources —
and returns the same row, which ``ReplicationEngine`` then scores with the same functions. Both sides therefore
share the scoring code and differ only in how the evidence is gathered; ``benchmarks.suite`` asserts that they
rank the same lighthouses with the same scores.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

import networkx as nx

from kg.core.database import Database
from kg.export import Selection, select, to_networkx
from kg.replication import FollowerMatches, ReplicationEngine

Edge = tuple[str, str, dict[str, Any]]  # (other node, relationship type, properties)


def load_graph(db: Database) -> nx.MultiDiGraph:
    """The whole knowledge base as kg's export gives it (the NetworkX side's load time)."""
    return to_networkx(select(db, Selection.whole(), max_nodes=10_000_000))


Adjacency = dict[str, dict[str, list[tuple[str, dict[str, Any]]]]]  # node -> type -> [(other, properties)]


def _by_type(graph: nx.MultiDiGraph, reverse: bool) -> Adjacency:
    index: Adjacency = defaultdict(lambda: defaultdict(list))
    for start, end, key, data in graph.edges(keys=True, data=True):
        node, other = (end, start) if reverse else (start, end)
        index[node][key].append((other, data))
    return index


class NetworkXMatcher:
    """The walk over ``graph``, with each node's edges indexed by type once (as a careful NetworkX user would:
    scanning a challenge's thousands of FACES edges for its few ADDRESSES ones is what made the first version
    slow); ``benchmarks.suite`` counts the indexing in the load time."""

    def __init__(self, graph: nx.MultiDiGraph, engine: ReplicationEngine) -> None:
        self.graph = graph
        self.engine = engine  # scores the row; its database is never read here
        self.labels = {node: data["label"] for node, data in graph.nodes(data=True)}
        self.outgoing, self.incoming = _by_type(graph, False), _by_type(graph, True)

    # -- walking ----------------------------------------------------------------------------------------------
    def _walk(self, index: Adjacency, node: str, rel_type: str, label: str | None) -> Iterator[Edge]:
        for other, data in index.get(node, {}).get(rel_type, ()):
            if label is None or self.labels[other] == label:
                yield other, rel_type, data

    def _out(self, node: str, rel_type: str, label: str | None = None) -> Iterator[Edge]:
        return self._walk(self.outgoing, node, rel_type, label)

    def _in(self, node: str, rel_type: str, label: str | None = None) -> Iterator[Edge]:
        return self._walk(self.incoming, node, rel_type, label)

    def _uid(self, node: str) -> str:
        uid: str = self.graph.nodes[node]["uid"]
        return uid

    def _prop(self, node: str, name: str) -> Any:
        return self.graph.nodes[node].get(name)

    def _is_lighthouse(self, city: str) -> bool:
        return any(data.get("role") == "lighthouse" for *_, data in self._out(city, "PARTICIPATES_IN"))

    def _projects(self, city: str) -> set[str]:
        return {project for project, *_ in self._out(city, "PARTICIPATES_IN", "Project")}

    def _networks(self, city: str) -> set[str]:
        """(city)-[:MEMBER_OF|PARTICIPATES_IN]->()-[:MEMBER_OF*0..1]->(n:Network)"""
        found: set[str] = set()
        steps = [*self._out(city, "MEMBER_OF"), *self._out(city, "PARTICIPATES_IN")]
        for middle, *_ in steps:
            if self.labels[middle] == "Network":
                found.add(middle)
            found |= {network for network, *_ in self._out(middle, "MEMBER_OF", "Network")}
        return found

    def _lighthouse_solutions(self, solution: str, follower: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for city, _, impl in self._out(solution, "IMPLEMENTED_IN", "City"):
            if city != follower:
                yield city, impl

    # -- the row MATCH_FOLLOWERS returns ----------------------------------------------------------------------
    def follower_row(self, uid: str) -> dict[str, Any]:
        follower = f"City:{uid}"
        if follower not in self.graph:
            return {"asked": uid, "found": [], "is_follower": False}
        roles = [
            {"project": self._uid(p), "role": data.get("role")}
            for p, _, data in self._out(follower, "PARTICIPATES_IN", "Project")
        ]
        faced, links = self._faced_and_links(follower)
        needs = self._needs(follower)
        solution_nodes = {f"Solution:{x['solution']}" for x in links}
        solution_nodes |= {f"Solution:{s['solution']}" for n in needs for s in n["solutions"]}
        lighthouse_nodes = {f"City:{x['lighthouse']}" for x in links}
        lighthouse_nodes |= {f"City:{s['lighthouse']}" for n in needs for s in n["solutions"]}
        lighthouses = self._lighthouses(follower, lighthouse_nodes)
        solutions = [entry for node in sorted(solution_nodes) for entry in self._solution_entries(node)]
        return {
            "asked": uid,
            "found": [{"uid": uid, "name": self._prop(follower, "name")}],
            "roles": roles,
            "is_follower": any(role["role"] == "follower" for role in roles),
            "follower": self._party(follower, follower_side=True),
            "faced": faced,
            "links": links,
            "needs": needs,
            "lighthouses": lighthouses,
            "solutions": solutions,
            "sources": self._sources(faced, links, needs, solutions, lighthouses),
            "kb_version": self.graph.graph.get("kb_version"),
        }

    def _faced_and_links(self, follower: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        barriers: list[tuple[str, dict[str, Any], str, str | None]] = []
        for challenge, _, fa in self._out(follower, "FACES", "Challenge"):
            attribution = "group" if fa.get("group_statement") else "own"
            barriers.append((challenge, fa, attribution, fa.get("group")))
        for project in sorted(self._projects(follower)):
            for challenge, _, fa in self._out(project, "FACES", "Challenge"):
                barriers.append((challenge, fa, "project", self._uid(project)))
        faced, links = [], []
        for challenge, fa, attribution, via in barriers:
            addressed = False
            for target, similarity, kind in self._targets(challenge):
                for solution, _, addresses in self._in(target, "ADDRESSES", "Solution"):
                    addressed = True
                    for lighthouse, _ in self._lighthouse_solutions(solution, follower):
                        links.append(
                            {
                                "follower_challenge": self._uid(challenge),
                                "attribution": attribution,
                                "via": via,
                                "target": self._uid(target),
                                "target_name": self._prop(target, "name"),
                                "kind": kind,
                                "similarity": similarity,
                                "solution": self._uid(solution),
                                "lighthouse": self._uid(lighthouse),
                                "outcome": addresses.get("outcome"),
                                "addresses_confidence": addresses.get("confidence"),
                                "addresses_sources": addresses.get("source_ids"),
                                "addresses_quotes": addresses.get("quotes"),
                            }
                        )
            faced.append(
                {
                    "uid": self._uid(challenge),
                    "name": self._prop(challenge, "name"),
                    "category": self._prop(challenge, "category"),
                    "attribution": attribution,
                    "via": via,
                    "confidence": fa.get("confidence"),
                    "group_name": fa.get("group_name"),
                    "group_quote": fa.get("group_quote"),
                    "sources": fa.get("source_ids"),
                    "quotes": fa.get("quotes"),
                    "addressed": addressed,
                }
            )
        return faced, links

    def _targets(self, challenge: str) -> Iterator[tuple[str, float, str]]:
        yield challenge, 1.0, "exact"
        config = self.engine.config
        for near, _, similar in self._out(challenge, "SIMILAR_TO", "Challenge"):
            if similar["rank"] <= config.neighbours and similar["similarity"] >= config.semantic_threshold:
                yield near, similar["similarity"], "semantic"

    def _needs(self, follower: str) -> list[dict[str, Any]]:
        needs = []
        for field, _, need in self._out(follower, "NEEDS", "ThematicField"):
            solutions = [
                {
                    "field": self._uid(field),
                    "in_field_sources": in_field.get("source_ids"),
                    "in_field_quotes": in_field.get("quotes"),
                    "solution": self._uid(solution),
                    "lighthouse": self._uid(lighthouse),
                }
                for solution, _, in_field in self._in(field, "IN_FIELD", "Solution")
                for lighthouse, _ in self._lighthouse_solutions(solution, follower)
            ]
            needs.append(
                {
                    "field": self._uid(field),
                    "field_name": self._prop(field, "name"),
                    "need": need.get("need"),
                    "confidence": need.get("confidence"),
                    "attribution": "group" if need.get("group_statement") else "own",
                    "via": need.get("group"),
                    "group_name": need.get("group_name"),
                    "group_quote": need.get("group_quote"),
                    "sources": need.get("source_ids"),
                    "quotes": need.get("quotes"),
                    "solutions": solutions,
                }
            )
        return needs

    def _drivers(self, node: str, owner: str | None) -> list[dict[str, Any]]:
        drivers = []
        for driver, _, driven in self._out(node, "DRIVEN_BY", "Driver"):
            entry = {k: self._prop(driver, k) for k in ("uid", "name", "category")}
            if owner is not None:
                entry |= {"of": owner, "sources": driven.get("source_ids"), "quotes": driven.get("quotes")}
            drivers.append(entry)
        return drivers

    def _party(self, city: str, follower_side: bool = False) -> dict[str, Any]:
        party = {k: self._prop(city, k) for k in ("uid", "name", "country", "population", "latitude")}
        if follower_side:
            fields = {
                self._uid(field)
                for challenge, *_ in self._out(city, "FACES", "Challenge")
                for field, *_ in self._out(challenge, "IN_FIELD", "ThematicField")
            }
            drivers = sorted(self._drivers(city, None), key=lambda d: d["uid"])
        else:
            fields = {
                self._uid(field)
                for solution, *_ in self._in(city, "IMPLEMENTED_IN", "Solution")
                for field, *_ in self._out(solution, "IN_FIELD", "ThematicField")
            }
            drivers = self._drivers(city, f"City:{self._uid(city)}")
        return party | {"fields": sorted(fields), "drivers": drivers}

    def _lighthouses(self, follower: str, cities: Iterable[str]) -> list[dict[str, Any]]:
        f_projects, f_networks = self._projects(follower), self._networks(follower)
        found = []
        for city in sorted(cities):
            if not self._is_lighthouse(city):
                continue
            shared_projects = sorted(self._projects(city) & f_projects)
            shared_networks = sorted(self._networks(city) & f_networks)
            found.append(
                self._party(city)
                | {
                    "shared_projects": [self._ref(p) for p in shared_projects],
                    "shared_networks": [self._ref(n) for n in shared_networks],
                }
            )
        return found

    def _ref(self, node: str) -> dict[str, str]:
        return {"uid": self._uid(node), "name": self._prop(node, "name")}

    def _solution_entries(self, solution: str) -> Iterator[dict[str, Any]]:
        projects = sorted(self._uid(p) for p, *_ in self._out(solution, "PART_OF", "Project"))
        drivers = self._drivers(solution, f"Solution:{self._uid(solution)}")
        for city, _, impl in self._out(solution, "IMPLEMENTED_IN", "City"):
            organisations = [
                {"uid": self._uid(org), "name": self._prop(org, "name"), "role": partner.get("role")}
                for project, *_ in self._out(solution, "PART_OF", "Project")
                for org, _, partner in self._in(project, "PARTNER_IN", "Organisation")
                if any(place == city for place, *_ in self._out(org, "LOCATED_IN", "City"))
            ]
            yield {
                "solution": self._uid(solution),
                "solution_name": self._prop(solution, "name"),
                "status": self._prop(solution, "status"),
                "status_label": self._prop(solution, "status_label"),
                "implemented_sources": impl.get("source_ids"),
                "implemented_quotes": impl.get("quotes"),
                "lighthouse": self._uid(city),
                "project": projects[0] if projects else None,
                "organisations": organisations,
                "solution_drivers": drivers,
            }

    def _sources(self, *groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
        ids: set[str] = set()
        for group in groups:
            for item in group:
                for key in ("sources", "addresses_sources", "implemented_sources", "in_field_sources"):
                    ids.update(item.get(key) or [])
                for nested in ("solutions", "solution_drivers", "drivers"):
                    for inner in item.get(nested) or []:
                        ids.update(inner.get("sources") or [])
                        ids.update(inner.get("in_field_sources") or [])
        found = []
        for uid in sorted(ids):
            node = f"Source:{uid}"
            if node in self.graph:
                found.append({k: self._prop(node, k) for k in ("uid", "file_name", "name")})
        return found

    # -- the answer -------------------------------------------------------------------------------------------
    def matches_for(self, uid: str, top: int | None = None) -> FollowerMatches:
        """The same answer as ``engine.matches_for(uid, top)``, gathered from the NetworkX graph."""
        return self.engine._follower_matches(self.follower_row(uid), top, 0.0, strict=True)

    def followers(self) -> list[str]:
        return sorted(
            {
                self._uid(city)
                for city, project, key, data in self.graph.edges(keys=True, data=True)
                if key == "PARTICIPATES_IN" and data.get("role") == "follower"
            }
        )


def ranking(result: FollowerMatches) -> list[tuple[str, float]]:
    return [(match.lighthouse.uid, match.score) for match in result.matches]
