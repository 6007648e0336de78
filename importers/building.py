"""What importers that resolve entities share: a builder that keeps one row per resolved node, per (node, source)
provenance and per relationship, so a city met ten times in a file is one row with every spelling as an alias."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from importers.entities import Decision, Resolver, slug
from importers.errors import RecordError
from importers.rows import LoadPlan, NodeRow, ProvenanceRow, RelationshipRow
from importers.tables import TableRecord


def page_uid(url: str) -> str:
    """The Source uid of a web page: its host and a digest of the URL (stable, short, a slug)."""
    host = urlsplit(url).hostname or "page"
    return f"web-{slug(host.removeprefix('www.'))}-{hashlib.sha256(url.encode()).hexdigest()[:8]}"


@dataclass
class PlanBuilder:
    """Accumulates one row per node, per (node, source) provenance and per relationship."""

    path: Path
    resolver: Resolver
    sources: dict[str, NodeRow] = field(default_factory=dict)
    nodes: dict[tuple[str, str], NodeRow] = field(default_factory=dict)
    provenance: dict[tuple[str, str, str], ProvenanceRow] = field(default_factory=dict)
    relationships: list[RelationshipRow] = field(default_factory=list)
    skipped: list[RecordError] = field(default_factory=list)

    def node(self, decision: Decision, props: dict[str, Any], aliases: list[str], where: str) -> str:
        """One row per resolved node: a node this import makes takes its values; a matched one only fills gaps."""
        key = (decision.incoming.label, decision.uid)
        names = [decision.incoming.name, *aliases, *([decision.geo.name] if decision.geo else [])]
        current = self.nodes.get(key)
        if current is not None:
            merged = tuple(dict.fromkeys([*current.aliases, *names]))
            self.nodes[key] = NodeRow(
                current.label, current.uid, current.props, merged, current.defaults, current.where
            )
            return decision.uid
        values = {"name": decision.incoming.name, **props}
        if decision.geo is not None:
            values |= {
                "latitude": decision.geo.latitude,
                "longitude": decision.geo.longitude,
                "population": decision.geo.population,
                "geo_source": self.resolver.geonames.source(decision.geo),
            }
        row = (
            NodeRow(key[0], decision.uid, values, tuple(names), where=where)
            if decision.created
            else NodeRow(key[0], decision.uid, {}, tuple(names), defaults=values, where=where)
        )
        self.nodes[key] = row
        return decision.uid

    def cite(self, label: str, uid: str, source: str, props: dict[str, Any]) -> None:
        key = (label, uid, source)
        current = self.provenance.get(key)
        if current is None:
            self.provenance[key] = ProvenanceRow(label, uid, source, props)
        elif "record" in props:
            records = ", ".join(
                dict.fromkeys([*current.props.get("record", "").split(", "), props["record"]])
            )
            self.provenance[key] = ProvenanceRow(
                label, uid, source, {**current.props, "record": records.strip(", ")}
            )

    def take(
        self,
        records: Iterable[TableRecord],
        work: Callable[[TableRecord], None],
        strict: bool,
        unreadable: Sequence[RecordError] = (),
    ) -> None:
        """Build each record with ``work``; a bad one (and each ``unreadable`` one) is kept as skipped, or, with
        ``strict``, raised before anything is written."""
        if unreadable and strict:
            raise unreadable[0]
        self.skipped.extend(unreadable)
        for record in records:
            try:
                work(record)
            except RecordError as error:
                if strict:
                    raise
                self.skipped.append(error)

    def plan(self, importer: str, sha256: str | None) -> LoadPlan:
        """The loader's plan of everything built, with the resolver's decisions and each source's fact count."""
        plan = LoadPlan(importer, str(self.path), sha256)
        plan.nodes = [*self.sources.values(), *self.nodes.values()]
        plan.provenance = list(self.provenance.values())
        plan.relationships = self.relationships
        plan.skipped = self.skipped
        plan.resolutions = [decision.params() for decision in self.resolver.decisions()]
        facts: dict[str, int] = {}
        for rel in plan.relationships:
            for source in rel.source_ids:
                facts[source] = facts.get(source, 0) + 1
        plan.facts_per_source = facts
        return plan
