"""Pydantic models of property values, derived from the graph model: the seed files and the curator API validate
through the same rules (types, vocabularies, patterns, required), so they reject the same values for the same
reason.

Example:
    >>> from pydantic import ValidationError
    >>> try:
    ...     properties_model("Challenge", "curator", partial=True).model_validate({"category": "nonsense"})
    ... except ValidationError as error:
    ...     print(field_errors(error)[0])
    category: Input should be 'regulatory', 'financial', 'technical', 'social', 'organisational', 'data-and-privacy' or 'political'
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints, ValidationError, create_model

from schema.graph import PropertySpec
from schema.narrowings import Writer, edge_properties, node_properties

Text = Annotated[str, StringConstraints(min_length=1)]


class StrictModel(BaseModel):
    """Unknown keys are errors; values are frozen once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def value_type(spec: PropertySpec) -> Any:
    """The pydantic annotation of one property's values."""
    if spec.vocabulary is not None:
        return spec.vocabulary
    if spec.kind == "string":
        if spec.pattern is not None:
            return Annotated[str, StringConstraints(pattern=spec.pattern)]
        return Text
    if spec.kind == "strings":
        return list[Text]
    simple: dict[str, Any] = {
        "int": Annotated[int, Strict()],
        "float": Annotated[float, Strict()],
        "bool": Annotated[bool, Strict()],
        "date": dt.date,
        "datetime": dt.datetime,
        "vector": list[Annotated[float, Strict()]],
    }
    return simple[spec.kind]


def _fields(properties: dict[str, PropertySpec], partial: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, spec in sorted(properties.items()):
        annotation = value_type(spec)
        if spec.required and not partial:
            fields[name] = (annotation, ...)
        elif spec.kind == "strings":
            fields[name] = (annotation, Field(default_factory=list))
        else:
            fields[name] = (annotation | None, None)
    return fields


def _model_name(*parts: str) -> str:
    return "".join(part.title().replace("_", "") for part in parts)


@functools.cache
def properties_model(label: str, writer: Writer, partial: bool = False) -> type[StrictModel]:
    """What ``writer`` may set on a ``label`` node; ``partial`` makes every field optional (updates)."""
    name = _model_name(label, writer, "partial" if partial else "", "props")
    return create_model(name, __base__=StrictModel, **_fields(node_properties(label, writer), partial))


@functools.cache
def edge_model(rel_type: str, partial: bool = False) -> type[StrictModel]:
    """A relationship's own properties (role, outcome, status...)."""
    name = _model_name(rel_type.lower(), "partial" if partial else "", "props")
    return create_model(name, __base__=StrictModel, **_fields(edge_properties(rel_type), partial))


def field_errors(error: ValidationError, prefix: str = "") -> list[str]:
    """'country: String should match pattern ...' per error: the field-level reason, without file or line."""
    messages = []
    for item in error.errors():
        location = ".".join(str(step) for step in item["loc"])
        messages.append(f"{prefix}{location}: {item['msg']}" if location else f"{prefix}{item['msg']}")
    return messages


def dump_values(model: BaseModel) -> dict[str, Any]:
    """Validated values as Neo4j takes them: vocabularies as their strings, unset fields left out."""
    values = model.model_dump(exclude_unset=True)
    return {key: getattr(value, "value", value) for key, value in values.items()}
