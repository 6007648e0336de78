"""What one import did, as every importer reports it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ImportReport:
    """Nodes and relationships created / matched, per label and type, and what the import kept or refused."""

    importer: str
    nodes_created: dict[str, int] = field(default_factory=dict)
    nodes_matched: dict[str, int] = field(default_factory=dict)
    relationships_created: dict[str, int] = field(default_factory=dict)
    relationships_matched: dict[str, int] = field(default_factory=dict)
    facts_per_source: dict[str, int] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)  # curator edits the import kept instead of overwriting
    removed: list[str] = field(default_factory=list)  # facts the source stated before and no longer states
