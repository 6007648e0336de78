"""The seed dataset's file format as pydantic models (see importers/data/seed/README.md)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from schema.models import SLUG_PATTERN, ChallengeCategory, CityRole, Outcome, RelType

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
Quote = Annotated[str, StringConstraints(min_length=3)]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Confidence = Annotated[float, Field(ge=0.0, le=1.0)]
Text = Annotated[str, StringConstraints(min_length=1)]


class NodeLabel(StrEnum):
    CITY = "City"
    PROJECT = "Project"
    NETWORK = "Network"
    ORGANISATION = "Organisation"
    THEMATIC_FIELD = "ThematicField"
    CHALLENGE = "Challenge"
    SOLUTION = "Solution"
    BEST_PRACTICE = "BestPractice"
    EVENT = "Event"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------------------------------------------- node props


class CityProps(Strict):
    country: Country | None = None
    description: Text | None = None


class ProjectProps(Strict):
    acronym: Text | None = None
    full_name: Text | None = None
    grant_agreement: Text | None = None
    programme: Text | None = None
    call: Text | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    description: Text | None = None


class NetworkProps(Strict):
    kind: Literal["cluster", "city-network", "eu-initiative", "association"] | None = None
    url: Text | None = None
    description: Text | None = None


class OrganisationProps(Strict):
    short_name: Text | None = None
    country: Country | None = None
    kind: (
        Literal[
            "city",
            "research",
            "university",
            "industry",
            "sme",
            "utility",
            "association",
            "public-body",
            "ngo",
            "consultancy",
        ]
        | None
    ) = None
    description: Text | None = None


class ThematicFieldProps(Strict):
    framework: Slug | None = None
    description: Text | None = None


class ChallengeProps(Strict):
    category: ChallengeCategory | None = None
    description: Text | None = None


class SolutionProps(Strict):
    status: Text | None = None
    as_of: dt.date | None = None
    outcomes: list[Text] = Field(default_factory=list)
    description: Text | None = None


class BestPracticeProps(Strict):
    kind: Literal["lesson", "recommendation", "guideline", "method"] | None = None
    description: Text | None = None


class EventProps(Strict):
    kind: (
        Literal[
            "workshop",
            "consortium-meeting",
            "network-meeting",
            "webinar",
            "site-visit",
            "study-tour",
            "conference",
            "expo",
        ]
        | None
    ) = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    description: Text | None = None


# ------------------------------------------------------------------------------------------------ relationships

L = NodeLabel
ALLOWED_ENDPOINTS: dict[RelType, set[tuple[NodeLabel, NodeLabel]]] = {
    RelType.PARTICIPATES_IN: {(L.CITY, L.PROJECT)},
    RelType.PARTNER_IN: {(L.ORGANISATION, L.PROJECT)},
    RelType.LOCATED_IN: {(L.ORGANISATION, L.CITY)},
    RelType.MEMBER_OF: {(L.CITY, L.NETWORK), (L.PROJECT, L.NETWORK), (L.ORGANISATION, L.NETWORK)},
    RelType.PART_OF: {(L.NETWORK, L.NETWORK), (L.SOLUTION, L.PROJECT)},
    RelType.WORKS_ON: {(L.PROJECT, L.THEMATIC_FIELD)},
    RelType.FACES: {(L.CITY, L.CHALLENGE)},
    RelType.IN_FIELD: {
        (L.CHALLENGE, L.THEMATIC_FIELD),
        (L.SOLUTION, L.THEMATIC_FIELD),
        (L.BEST_PRACTICE, L.THEMATIC_FIELD),
    },
    RelType.RELATED_TO: {(L.CHALLENGE, L.CHALLENGE)},
    RelType.IMPLEMENTED_IN: {(L.SOLUTION, L.CITY)},
    RelType.ADDRESSES: {(L.SOLUTION, L.CHALLENGE), (L.BEST_PRACTICE, L.CHALLENGE)},
    RelType.LEARNED_FROM: {
        (L.BEST_PRACTICE, L.PROJECT),
        (L.BEST_PRACTICE, L.EVENT),
        (L.BEST_PRACTICE, L.SOLUTION),
    },
    RelType.HELD_IN: {(L.EVENT, L.CITY)},
    RelType.ORGANISED_BY: {(L.EVENT, L.PROJECT), (L.EVENT, L.NETWORK)},
    RelType.DISCUSSED: {
        (L.EVENT, L.CHALLENGE),
        (L.EVENT, L.SOLUTION),
        (L.EVENT, L.BEST_PRACTICE),
        (L.EVENT, L.THEMATIC_FIELD),
    },
    RelType.ATTENDED: {(L.CITY, L.EVENT), (L.ORGANISATION, L.EVENT)},
}


class NoProps(Strict):
    pass


class CityRoleProps(Strict):
    role: CityRole
    role_label: Text | None = None


class OrganisationRoleProps(Strict):
    role: Text
    role_label: Text | None = None


class FacesProps(Strict):
    group_statement: bool = False


class AddressesProps(Strict):
    outcome: Outcome


class ImplementedInProps(Strict):
    status: Text | None = None


class Ref(Strict):
    label: NodeLabel
    uid: Slug

    @property
    def key(self) -> tuple[NodeLabel, str]:
        return (self.label, self.uid)

    def __str__(self) -> str:
        return f"{self.label.value}:{self.uid}"


def _parse_ref(value: Any) -> Any:
    if isinstance(value, str):
        label, _, uid = value.partition(":")
        if not uid:
            raise ValueError(f"expected 'Label:uid', got {value!r}")
        return {"label": label, "uid": uid}
    return value


# ------------------------------------------------------------------------------------------------------ entries


class SourceEntry(Strict):
    uid: Slug
    file_name: Text
    name: Text
    kind: Literal["deliverable", "meeting-record", "article", "report"]
    published: dt.date | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    quote: Quote
    note: Text | None = None

    @property
    def as_of(self) -> dt.date | None:
        return self.published or self.period_end


class NodeEntryBase(Strict):
    label: NodeLabel
    uid: Slug
    name: Text | None = None
    aliases: list[Text] = Field(default_factory=list)
    props: Strict
    quote: Quote
    passage: Text | None = None
    confidence: Confidence = 1.0
    note: Text | None = None

    @property
    def typed_props(self) -> dict[str, Any]:
        props: dict[str, Any] = self.props.model_dump(exclude_none=True, exclude_defaults=False)
        return {key: getattr(value, "value", value) for key, value in props.items()}

    @property
    def ref(self) -> Ref:
        return Ref(label=self.label, uid=self.uid)


class CityEntry(NodeEntryBase):
    label: Literal[NodeLabel.CITY]
    props: CityProps = CityProps()


class ProjectEntry(NodeEntryBase):
    label: Literal[NodeLabel.PROJECT]
    props: ProjectProps = ProjectProps()


class NetworkEntry(NodeEntryBase):
    label: Literal[NodeLabel.NETWORK]
    props: NetworkProps = NetworkProps()


class OrganisationEntry(NodeEntryBase):
    label: Literal[NodeLabel.ORGANISATION]
    props: OrganisationProps = OrganisationProps()


class ThematicFieldEntry(NodeEntryBase):
    label: Literal[NodeLabel.THEMATIC_FIELD]
    props: ThematicFieldProps = ThematicFieldProps()


class ChallengeEntry(NodeEntryBase):
    label: Literal[NodeLabel.CHALLENGE]
    props: ChallengeProps = ChallengeProps()


class SolutionEntry(NodeEntryBase):
    label: Literal[NodeLabel.SOLUTION]
    props: SolutionProps = SolutionProps()


class BestPracticeEntry(NodeEntryBase):
    label: Literal[NodeLabel.BEST_PRACTICE]
    props: BestPracticeProps = BestPracticeProps()


class EventEntry(NodeEntryBase):
    label: Literal[NodeLabel.EVENT]
    props: EventProps = EventProps()


NodeEntry = Annotated[
    CityEntry
    | ProjectEntry
    | NetworkEntry
    | OrganisationEntry
    | ThematicFieldEntry
    | ChallengeEntry
    | SolutionEntry
    | BestPracticeEntry
    | EventEntry,
    Field(discriminator="label"),
]


class RelationshipEntryBase(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    type: RelType
    source: Ref = Field(alias="from")
    target: Ref = Field(alias="to")
    props: Strict
    quote: Quote
    group_quote: Quote | None = None
    confidence: Confidence = 1.0
    note: Text | None = None

    _parse_source = field_validator("source", mode="before")(_parse_ref)
    _parse_target = field_validator("target", mode="before")(_parse_ref)

    @model_validator(mode="after")
    def _check(self) -> RelationshipEntryBase:
        if (self.source.label, self.target.label) not in ALLOWED_ENDPOINTS[self.type]:
            allowed = ", ".join(f"{a.value}->{b.value}" for a, b in sorted(ALLOWED_ENDPOINTS[self.type]))
            raise ValueError(
                f"{self.type.value} cannot link {self.source} to {self.target} (allowed: {allowed})"
            )
        if self.group_quote is not None and self.type is not RelType.FACES:
            raise ValueError("group_quote is only for FACES")
        return self

    @property
    def typed_props(self) -> dict[str, Any]:
        props: dict[str, Any] = self.props.model_dump(exclude_none=True, mode="json")
        return props

    @property
    def key(self) -> tuple[RelType, tuple[NodeLabel, str], tuple[NodeLabel, str]]:
        return (self.type, self.source.key, self.target.key)


class ParticipatesInEntry(RelationshipEntryBase):
    type: Literal[RelType.PARTICIPATES_IN]
    props: CityRoleProps


class PartnerInEntry(RelationshipEntryBase):
    type: Literal[RelType.PARTNER_IN]
    props: OrganisationRoleProps


class FacesEntry(RelationshipEntryBase):
    type: Literal[RelType.FACES]
    props: FacesProps = FacesProps()


class AddressesEntry(RelationshipEntryBase):
    type: Literal[RelType.ADDRESSES]
    props: AddressesProps


class ImplementedInEntry(RelationshipEntryBase):
    type: Literal[RelType.IMPLEMENTED_IN]
    props: ImplementedInProps = ImplementedInProps()


class PlainRelationshipEntry(RelationshipEntryBase):
    """Relationship types without properties of their own (SOURCED_FROM is written by the importer)."""

    type: Literal[
        RelType.LOCATED_IN,
        RelType.MEMBER_OF,
        RelType.PART_OF,
        RelType.WORKS_ON,
        RelType.IN_FIELD,
        RelType.RELATED_TO,
        RelType.LEARNED_FROM,
        RelType.HELD_IN,
        RelType.ORGANISED_BY,
        RelType.DISCUSSED,
        RelType.ATTENDED,
    ]
    props: NoProps = NoProps()


RelationshipEntry = Annotated[
    ParticipatesInEntry
    | PartnerInEntry
    | FacesEntry
    | AddressesEntry
    | ImplementedInEntry
    | PlainRelationshipEntry,
    Field(discriminator="type"),
]


class DocumentFile(Strict):
    """One source document's facts."""

    source: SourceEntry
    nodes: list[NodeEntry] = Field(default_factory=list)
    relationships: list[RelationshipEntry] = Field(default_factory=list)


class CanonicalCity(Strict):
    uid: Slug
    name: Text
    aliases: list[Text] = Field(default_factory=list)
    country: Country
    latitude: float | None = None
    longitude: float | None = None
    population: int | None = None
    geo_source: Text | None = None


class CanonicalChallenge(Strict):
    uid: Slug
    name: Text
    category: ChallengeCategory
    description: Text | None = None


class CanonicalFile(Strict):
    """Canonical names and reference data of entities shared across documents (no facts of its own)."""

    cities: list[CanonicalCity] = Field(default_factory=list)
    challenges: list[CanonicalChallenge] = Field(default_factory=list)
