"""What every importer hands the loader: validated rows, in the graph model's terms.

An importer parses its input and validates each record into these rows (or a ``RecordError`` naming the record
and field); the loader (``importers.loader``) writes them in batches. Nothing here touches the database.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from importers.errors import RecordError


@dataclass(frozen=True)
class NodeRow:
    """One node, merged on (label, uid). ``props`` are the importer's values (set when it is the only importer
    stating the node, else only where the node has none); ``defaults`` fill only what is missing (a matched
    node keeps its name); ``aliases`` join the node's."""

    label: str
    uid: str
    props: dict[str, Any]
    aliases: tuple[str, ...] = ()
    defaults: dict[str, Any] = field(default_factory=dict)
    where: str = ""  # "file: record" for messages

    def params(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "props": self.props,
            "defaults": self.defaults,
            "aliases": list(self.aliases),
        }


@dataclass(frozen=True)
class ProvenanceRow:
    """A ``SOURCED_FROM`` from a node to a source: the quote, passage or record it rests on."""

    label: str
    uid: str
    source: str
    props: dict[str, Any]
    where: str = ""

    def params(self) -> dict[str, Any]:
        return {"uid": self.uid, "source": self.source, "props": self.props}


@dataclass(frozen=True)
class RelationshipRow:
    """One relationship, merged on (type, endpoints), with its sources and their quotes (parallel lists) and,
    for facts from tables, the records (``<source uid>#<record>``)."""

    type: str
    source_label: str
    source_uid: str
    target_label: str
    target_uid: str
    props: dict[str, Any]
    source_ids: tuple[str, ...]
    quotes: tuple[str, ...]
    confidence: float = 1.0
    records: tuple[str, ...] = ()
    where: str = ""

    @property
    def key(self) -> str:
        return f"{self.type} {self.source_label}:{self.source_uid} -> {self.target_label}:{self.target_uid}"

    def params(self) -> dict[str, Any]:
        return {
            "source": self.source_uid,
            "target": self.target_uid,
            "props": self.props,
            "source_ids": list(self.source_ids),
            "quotes": list(self.quotes),
            "confidence": self.confidence,
            "records": list(self.records),
        }


@dataclass
class LoadPlan:
    """Everything one import writes, and the records it skipped (each a ``RecordError``)."""

    importer: str
    origin: str  # the file, folder or URL read
    sha256: str | None
    nodes: list[NodeRow] = field(default_factory=list)
    provenance: list[ProvenanceRow] = field(default_factory=list)
    relationships: list[RelationshipRow] = field(default_factory=list)
    skipped: list[RecordError] = field(default_factory=list)
    facts_per_source: dict[str, int] = field(default_factory=dict)
    # Entity-resolution decisions to record with the run (importers.entities.Decision.params()).
    resolutions: list[dict[str, Any]] = field(default_factory=list)

    def digest(self) -> str:
        """Equal rows, equal digest: a resumed run checks it writes what the interrupted one began. Row by row
        from each row's own fields (``asdict`` deep-copies every value and cost 2.5 s per 12,000 rows)."""
        sha = hashlib.sha256()
        for rows in (self.nodes, self.provenance, self.relationships):
            for row in rows:
                fields = {**vars(row), "where": ""}
                sha.update(json.dumps(fields, default=str, sort_keys=True).encode())
            sha.update(b"\x1e")  # between the three kinds of rows
        return sha.hexdigest()[:16]

    def counts(self) -> dict[str, int]:
        """Rows per label and type."""
        counter = Counter(row.label for row in self.nodes)
        counter.update(row.type for row in self.relationships)
        counter["SOURCED_FROM"] += len(self.provenance)
        return dict(counter)
