"""The seed dataset's file format as pydantic models (see importers/data/seed/README.md).

Nothing here restates the graph model: every entry's ``props`` model, the labels and relationship types an
entry may name and the endpoints a relationship may link come from ``schema.graph_model()`` through
``schema.validation`` and ``schema.narrowings``. This module adds only what is particular to the files: the
entry fields (quote, passage, confidence, note), references written ``Label:uid``, and ``canonical.yaml``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union, cast

from pydantic import ConfigDict, Field, StringConstraints, create_model, field_validator, model_validator

from schema import graph_model
from schema.models import COUNTRY_PATTERN, SLUG_PATTERN, RelType
from schema.narrowings import SEED_IMPLIED_TYPES
from schema.validation import StrictModel, Text, edge_model, properties_model
from schema.vocabularies import ChallengeCategory, DocumentType, SourceKind

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
Quote = Annotated[str, StringConstraints(min_length=3)]
Country = Annotated[str, StringConstraints(pattern=COUNTRY_PATTERN)]
Confidence = Annotated[float, Field(ge=0.0, le=1.0)]

SOURCE_LABEL = "Source"
# The labels a document entry may define: every label but Source (the file's own ``source`` block).
ENTRY_LABELS: tuple[str, ...] = tuple(label for label in graph_model().labels if label != SOURCE_LABEL)
# The relationship types an entry may list (SOURCED_FROM is written by the importer from the quotes).
ENTRY_TYPES: tuple[RelType, ...] = tuple(t for t in RelType if t.value not in SEED_IMPLIED_TYPES)
# Facts a document may state for a named group of cities rather than for a city by name.
GROUP_STATED_TYPES = frozenset({RelType.FACES, RelType.NEEDS})


class Ref(StrictModel):
    label: str
    uid: Slug

    @field_validator("label")
    @classmethod
    def _known_label(cls, value: str) -> str:
        # Source: only the file's own source may be named (checked when the file is read).
        if value not in ENTRY_LABELS and value != SOURCE_LABEL:
            raise ValueError(f"unknown label {value!r} (known: {', '.join(ENTRY_LABELS)})")
        return value

    @property
    def key(self) -> tuple[str, str]:
        return (self.label, self.uid)

    def __str__(self) -> str:
        return f"{self.label}:{self.uid}"


def _parse_ref(value: Any) -> Any:
    if isinstance(value, str):
        label, _, uid = value.partition(":")
        if not uid:
            raise ValueError(f"expected 'Label:uid', got {value!r}")
        return {"label": label, "uid": uid}
    return value


# ------------------------------------------------------------------------------------------------------ entries


class SourceEntry(StrictModel):
    uid: Slug
    file_name: Text
    name: Text
    kind: SourceKind = SourceKind.DOCUMENT
    document_type: DocumentType | None = None
    published: dt.date | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    quote: Quote
    note: Text | None = None

    @property
    def as_of(self) -> dt.date | None:
        return self.published or self.period_end


class GroupEntry(StrictModel):
    """A named group of cities a document states facts for ("the Follower Cities"), with the passages that
    name its members: a FACES or NEEDS entry with ``group`` reaches each member only through this."""

    uid: Slug
    name: Text
    members: list[Ref] = Field(min_length=1)
    quotes: list[Quote] = Field(min_length=1)  # verbatim passages that, together, name every member
    note: Text | None = None

    _parse_members = field_validator("members", mode="before")(
        lambda value: [_parse_ref(item) for item in value] if isinstance(value, list) else value
    )

    @model_validator(mode="after")
    def _cities_only(self) -> GroupEntry:
        others = [str(member) for member in self.members if member.label != "City"]
        if others:
            raise ValueError(f"a group's members are cities, not {', '.join(others)}")
        return self


class NodeEntryBase(StrictModel):
    label: str
    uid: Slug
    name: Text | None = None
    aliases: list[Text] = Field(default_factory=list)
    props: StrictModel
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


def _node_entry(label: str) -> type[NodeEntryBase]:
    props = properties_model(label, "seed")
    # A label with required properties (StatusReport's period) needs its props; others may leave them out.
    needs_props = any(field.is_required() for field in props.model_fields.values())
    return create_model(
        f"{label}Entry",
        __base__=NodeEntryBase,
        label=(cast(Any, Literal[label]), ...),
        props=(props, ...) if needs_props else (props, props()),
    )


NODE_ENTRIES: dict[str, type[NodeEntryBase]] = {label: _node_entry(label) for label in ENTRY_LABELS}


class RelationshipEntryBase(StrictModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    type: RelType
    source: Ref = Field(alias="from")
    target: Ref = Field(alias="to")
    props: StrictModel
    quote: Quote
    group: Slug | None = None  # FACES / NEEDS stated for a group of the file's `groups`
    group_quote: Quote | None = None  # the group's sentence
    attribution_quote: Quote | None = None  # the passage naming the city when the quote does not (a heading)
    confidence: Confidence = 1.0
    note: Text | None = None

    _parse_source = field_validator("source", mode="before")(_parse_ref)
    _parse_target = field_validator("target", mode="before")(_parse_ref)

    @model_validator(mode="after")
    def _check(self) -> RelationshipEntryBase:
        model = graph_model()
        if not model.allows(self.type.value, self.source.label, self.target.label):
            allowed = ", ".join(f"{a}->{b}" for a, b in sorted(model.endpoints[self.type.value]))
            raise ValueError(
                f"{self.type.value} cannot link {self.source} to {self.target} (allowed: {allowed})"
            )
        attributed = (
            self.group is not None or self.group_quote is not None or self.attribution_quote is not None
        )
        if attributed and self.type not in GROUP_STATED_TYPES:
            raise ValueError("group, group_quote and attribution_quote are only for FACES and NEEDS")
        if self.attribution_quote is not None and self.group is not None:
            raise ValueError(
                "a group statement is attributed by its group; attribution_quote is for a city's own"
            )
        if (self.group is None) != (self.group_quote is None):
            raise ValueError(
                "a group statement names its group and quotes the group's sentence (group_quote)"
            )
        if self.group is not None and self.source.label != "City":
            raise ValueError("only a city's fact can be stated through a group of cities")
        return self

    @property
    def typed_props(self) -> dict[str, Any]:
        props: dict[str, Any] = self.props.model_dump(exclude_none=True, mode="json")
        return props

    @property
    def key(self) -> tuple[RelType, tuple[str, str], tuple[str, str]]:
        return (self.type, self.source.key, self.target.key)


def _relationship_entry(rel_type: RelType) -> type[RelationshipEntryBase]:
    props = edge_model(rel_type.value)
    required = any(info.is_required() for info in props.model_fields.values())
    return create_model(
        f"{rel_type.value.title().replace('_', '')}Entry",
        __base__=RelationshipEntryBase,
        type=(cast(Any, Literal[rel_type]), ...),
        props=(props, ...) if required else (props, props()),
    )


RELATIONSHIP_ENTRIES: dict[RelType, type[RelationshipEntryBase]] = {
    rel_type: _relationship_entry(rel_type) for rel_type in ENTRY_TYPES
}


if TYPE_CHECKING:
    NodeEntry = NodeEntryBase
    RelationshipEntry = RelationshipEntryBase
else:
    # One entry model per label and per type, chosen by the entry's own ``label`` / ``type``.
    NodeEntry = Annotated[Union[tuple(NODE_ENTRIES.values())], Field(discriminator="label")]  # noqa: UP007
    RelationshipEntry = Annotated[
        Union[tuple(RELATIONSHIP_ENTRIES.values())],  # noqa: UP007
        Field(discriminator="type"),
    ]


class DocumentFile(StrictModel):
    """One source document's facts."""

    source: SourceEntry
    groups: list[GroupEntry] = Field(default_factory=list)
    nodes: list[NodeEntry] = Field(default_factory=list)
    relationships: list[RelationshipEntry] = Field(default_factory=list)


class CanonicalCity(StrictModel):
    uid: Slug
    name: Text
    aliases: list[Text] = Field(default_factory=list)
    country: Country
    latitude: float | None = None
    longitude: float | None = None
    population: int | None = None
    geo_source: Text | None = None


class CanonicalChallenge(StrictModel):
    uid: Slug
    name: Text
    category: ChallengeCategory
    description: Text | None = None


class CanonicalFile(StrictModel):
    """Canonical names and reference data of entities shared across documents (no facts of its own)."""

    cities: list[CanonicalCity] = Field(default_factory=list)
    challenges: list[CanonicalChallenge] = Field(default_factory=list)
