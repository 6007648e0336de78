"""Curator mutations: validated through the graph model's own rules, role-checked, stamped with who and when.

Values are validated by ``schema.validation`` — the same models the seed importer validates with — so a value
the importer would reject is rejected here for the same field-level reason. A curator's link carries
provenance like every other fact: a Source and its quote, or a note saying what the link rests on.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from pydantic import BaseModel, ValidationError
from strawberry.scalars import JSON
from strawberry.types import Info

from api.graphql.context import Context, graphql_error, write
from api.graphql.permissions import HasKey, IsAdmin, IsCurator
from kg.core.errors import ConflictError, InvalidInputError, NotFoundError
from queries import curation
from queries.graph_read import read_model
from schema import graph_model
from schema.models import SLUG_PATTERN, RelType
from schema.naming import camel_case
from schema.narrowings import DERIVED_TYPES
from schema.validation import dump_values, edge_model, field_errors, properties_model

_SLUG = re.compile(SLUG_PATTERN)
MAX_NOTE = 2000

# "from" is a Python keyword and "source" is taken by strawberry's permission machinery.
FromId = Annotated[strawberry.ID, strawberry.argument(name="from")]


@strawberry.type
class Change:
    id: strawberry.ID
    changed_by: str
    changed: bool


def _bad(message: str) -> Exception:
    return graphql_error(InvalidInputError(message))


def _split(node_id: str) -> tuple[str, str]:
    label, _, uid = node_id.partition(":")
    if label not in read_model() or not _SLUG.match(uid):
        raise _bad(f'an id is "Label:uid" with a known label and a slug uid, not {node_id[:80]!r}')
    return label, uid


def _validated(model: type[BaseModel], given: Any, what: str) -> dict[str, Any]:
    """GraphQL (camelCase) names in, validated Neo4j values out; errors name the field, as the importer does."""
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise _bad("properties must be an object")
    by_graphql = {camel_case(name): name for name in model.model_fields}
    unknown = sorted(name for name in given if name not in by_graphql)
    if unknown:
        known = ", ".join(sorted(by_graphql))
        raise _bad(f"{unknown[0][:60]!r} is not a property a curator can set on {what} (known: {known})")
    try:
        validated = model.model_validate({by_graphql[name]: value for name, value in given.items()})
    except ValidationError as error:
        raise _bad("; ".join(field_errors(error, prefix="properties."))) from error
    return dump_values(validated)


def _node_properties(label: str, given: Any, partial: bool) -> dict[str, Any]:
    model = properties_model(label, "curator", partial=partial)
    return _validated(model, given, label)


def _checked_type(name: str, source_label: str, target_label: str) -> RelType:
    try:
        rel_type = RelType(name)
    except ValueError as error:
        raise _bad(f"unknown relationship type {name[:60]!r}") from error
    if rel_type.value in DERIVED_TYPES or rel_type is RelType.SOURCED_FROM:
        raise _bad(f"{rel_type.value} is written by kg itself, not by a curator")
    model = graph_model()
    if not model.allows(rel_type.value, source_label, target_label):
        raise _bad(f"{rel_type.value} cannot link {source_label} to {target_label}")
    return rel_type


def _provenance(source_id: str | None, quote: str | None, note: str | None) -> dict[str, str | None]:
    """A curator's link rests on a Source and a quote from it, or on a note; one of the two is required."""
    note = note.strip() if note else None
    if source_id is not None:
        if not _SLUG.match(source_id):
            raise _bad(f"sourceId is a Source uid (a slug), not {source_id[:60]!r}")
        if not quote or len(quote.strip()) < 3:
            raise _bad("a sourceId needs the quote from that source the link rests on")
    elif not note:
        raise _bad("a curator's link needs provenance: sourceId and quote, or a note saying what it rests on")
    if note and len(note) > MAX_NOTE:
        raise _bad(f"note is longer than {MAX_NOTE} characters")
    return {"source_id": source_id, "quote": quote.strip() if quote else None, "note": note}


async def _create_node(info: Info[Context, None], label: str, uid: str, properties: JSON) -> Change:
    _split(f"{label}:{uid}")
    props = _node_properties(label, properties, partial=False)
    principal = info.context.principal
    assert principal is not None  # HasKey ran first
    try:
        await write(info, curation.create_node(label), uid=uid, props=props, actor=principal.name)
    except GraphQLError as error:  # the database's ConflictError, coded CONFLICT by call(); say which node
        if not isinstance(error.original_error, ConflictError):
            raise
        raise graphql_error(ConflictError(f"{label}:{uid} exists already")) from error
    return Change(id=strawberry.ID(f"{label}:{uid}"), changed_by=principal.name, changed=True)


async def _update_node(info: Info[Context, None], id: strawberry.ID, properties: JSON) -> Change:
    label, uid = _split(str(id))
    props = _node_properties(label, properties, partial=True)
    if not props:
        raise _bad("give at least one property to update")
    principal = info.context.principal
    assert principal is not None
    rows = await write(info, curation.update_node(label), uid=uid, props=props, actor=principal.name)
    if not rows:
        raise graphql_error(NotFoundError(f"no node {id}"))
    return Change(id=id, changed_by=principal.name, changed=True)


async def _delete_node(info: Info[Context, None], id: strawberry.ID) -> Change:
    label, uid = _split(str(id))
    principal = info.context.principal
    assert principal is not None
    rows = await write(info, curation.delete_node(label), uid=uid)
    return Change(id=id, changed_by=principal.name, changed=bool(rows and rows[0]["deleted"]))


async def _link(
    info: Info[Context, None],
    from_: FromId,
    type: str,
    to: strawberry.ID,
    properties: JSON | None = None,
    source_id: str | None = None,
    quote: str | None = None,
    note: str | None = None,
) -> Change:
    (source_label, source_uid), (target_label, target_uid) = _split(str(from_)), _split(str(to))
    rel_type = _checked_type(type, source_label, target_label)
    props = _validated(edge_model(rel_type.value), properties, rel_type.value)
    provenance = _provenance(source_id, quote, note)
    principal = info.context.principal
    assert principal is not None
    query = curation.link(rel_type.value, source_label, target_label)
    rows = await write(
        info,
        query,
        source=source_uid,
        target=target_uid,
        props=props,
        actor=principal.name,
        **provenance,
    )
    if not rows or rows[0]["linked"] == 0:
        missing = f"{from_}, {to}" + (f" or Source:{source_id}" if source_id else "")
        raise graphql_error(NotFoundError(f"{missing}: one of them does not exist"))
    return Change(
        id=strawberry.ID(f"{from_}-{rel_type.value}->{to}"), changed_by=principal.name, changed=True
    )


async def _unlink(info: Info[Context, None], from_: FromId, type: str, to: strawberry.ID) -> Change:
    (source_label, source_uid), (target_label, target_uid) = _split(str(from_)), _split(str(to))
    rel_type = _checked_type(type, source_label, target_label)
    principal = info.context.principal
    assert principal is not None
    rows = await write(
        info,
        curation.unlink(rel_type.value, source_label, target_label),
        source=source_uid,
        target=target_uid,
    )
    return Change(
        id=strawberry.ID(f"{from_}-{rel_type.value}->{to}"),
        changed_by=principal.name,
        changed=bool(rows and rows[0]["unlinked"]),
    )


@strawberry.type
class Mutation:
    create_node = strawberry.mutation(
        resolver=_create_node,
        permission_classes=[HasKey, IsCurator],
        description="Create a node; properties use field names.",
    )
    update_node = strawberry.mutation(
        resolver=_update_node,
        permission_classes=[HasKey, IsCurator],
        description="Update properties; the seed import will not overwrite them.",
    )
    delete_node = strawberry.mutation(
        resolver=_delete_node,
        permission_classes=[HasKey, IsAdmin],
        description="Delete a node and its relationships (admin).",
    )
    link = strawberry.mutation(
        resolver=_link,
        permission_classes=[HasKey, IsCurator],
        description=(
            "Create or update a relationship. Like every fact it needs provenance: sourceId (a Source uid) with "
            "the quote it rests on, or a note saying what it rests on."
        ),
    )
    unlink = strawberry.mutation(
        resolver=_unlink, permission_classes=[HasKey, IsCurator], description="Remove a relationship."
    )
