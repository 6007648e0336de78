"""What one import did, as every importer reports it (and the run records in ``ImportRun.counts``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


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
    withdrawn: list[str] = field(default_factory=list)  # the same, but another importer still states them
    skipped: list[str] = field(default_factory=list)  # bad records, each naming file, record and field
    skipped_counts: dict[str, int] = field(default_factory=dict)  # per label / type
    run_id: str | None = None
    resumed_from_batch: int = 0  # > 0: an interrupted run was taken up at this batch
    dry_run: bool = False
    resolutions: dict[str, int] = field(default_factory=dict)  # entity-resolution decisions per method

    def count(self, key: str, created: int, total: int, relationship: bool) -> None:
        made, matched = (
            (self.relationships_created, self.relationships_matched)
            if relationship
            else (self.nodes_created, self.nodes_matched)
        )
        made[key] = made.get(key, 0) + created
        matched[key] = matched.get(key, 0) + total - created

    def removed_counts(self) -> dict[str, int]:
        """Removed facts per label or type ('FACES City:a -> ...' counts as FACES, 'City:a' as City)."""
        return dict(Counter(key.split(" ", 1)[0].split(":", 1)[0] for key in self.removed))

    def counts(self) -> dict[str, Any]:
        """The figures an ``ImportRun`` keeps (JSON)."""
        return {
            "nodes_created": self.nodes_created,
            "nodes_matched": self.nodes_matched,
            "relationships_created": self.relationships_created,
            "relationships_matched": self.relationships_matched,
            "removed": self.removed_counts(),
            "skipped": self.skipped_counts,
            "conflicts": len(self.conflicts),
            "resolutions": self.resolutions,
        }

    def restore(self, counts: dict[str, Any]) -> None:
        """Take up the figures of an interrupted run's committed batches."""
        for name in ("nodes_created", "nodes_matched", "relationships_created", "relationships_matched"):
            getattr(self, name).update(counts.get(name, {}))
