"""Curator mutations: validated, role-checked, stamped with who and when."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from typing import Annotated, Any, cast

import strawberry
from graphql import GraphQLError
from neo4j.exceptions import ConstraintError
from strawberry.scalars import JSON
from strawberry.types import Info

from api.graphql.permissions import HasKey, IsAdmin, IsCurator
from importers.seed_model import ALLOWED_ENDPOINTS, NodeLabel
from queries import curation
from queries.graph_read import GRAPH_MODEL, ScalarKind
from schema.models import SLUG_PATTERN, RelType

_SLUG = re.compile(SLUG_PATTERN)
_PROTECTED = frozenset({"uid", "updated_at", "updated_by", "curated_fields", "embedding", "embedding_text"})


# "from" is a Python keyword and "source" is taken by strawberry's permission machinery.
FromId = Annotated[strawberry.ID, strawberry.argument(name="from")]


@strawberry.type
class Change:
    id: strawberry.ID
    changed_by: str
    changed: bool


def _bad(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


def _split(node_id: str) -> tuple[str, str]:
    label, _, uid = node_id.partition(":")
    if label not in GRAPH_MODEL or not _SLUG.match(uid):
        raise _bad(f'an id is "Label:uid" with a known label and a slug uid, not {node_id!r}')
    return label, uid


def _coerce(kind: ScalarKind, name: str, value: Any) -> Any:
    expected: dict[ScalarKind, tuple[type, ...]] = {
        "string": (str,),
        "int": (int,),
        "float": (int, float),
        "bool": (bool,),
        "strings": (list,),
        "date": (str,),
        "datetime": (str,),
    }
    if value is None or (isinstance(value, bool) and kind != "bool") or not isinstance(value, expected[kind]):
        raise _bad(f"property {name!r} must be a {kind}, not {value!r}")
    value = cast(Any, value)  # narrowed to object by the isinstance check above
    if kind == "strings" and not all(isinstance(item, str) for item in value):
        raise _bad(f"property {name!r} must be a list of strings")
    try:
        if kind == "date":
            return dt.date.fromisoformat(value)
        if kind == "datetime":
            return dt.datetime.fromisoformat(value)
    except ValueError as error:
        raise _bad(f"property {name!r} must be an ISO {kind}, not {value!r}") from error
    return float(value) if kind == "float" else value


def _properties(scalars: dict[str, Any], given: Any) -> dict[str, Any]:
    """Validate curator input against the model: known properties, right kinds; GraphQL names in, Neo4j names out."""
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise _bad("properties must be an object")
    props: dict[str, Any] = {}
    for name, value in given.items():
        meta = scalars.get(name)
        if meta is None or meta.prop in _PROTECTED:
            raise _bad(f"{name!r} is not a property a curator can set (known: {', '.join(sorted(scalars))})")
        props[meta.prop] = _coerce(meta.kind, name, value)
    return props


async def _write(info: Info, query: Any, **params: Any) -> list[dict[str, Any]]:
    engine = info.context.engine
    if engine is None:
        raise GraphQLError("Neo4j is not available", extensions={"code": "SERVICE_UNAVAILABLE"})

    def work() -> list[dict[str, Any]]:
        records, _, _ = engine.driver.execute_query(query, database_=engine.database, **params)
        return [record.data() for record in records]

    return await asyncio.to_thread(work)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        permission_classes=[HasKey, IsCurator], description="Create a node; properties use field names."
    )
    async def create_node(self, info: Info, label: str, uid: str, properties: JSON) -> Change:
        _split(f"{label}:{uid}")
        props = _properties(GRAPH_MODEL[label].scalars, properties)
        if "name" not in props:
            raise _bad("properties.name is required")
        actor = info.context.principal.name
        try:
            await _write(info, curation.create_node(label), uid=uid, props=props, actor=actor)
        except ConstraintError as error:
            raise GraphQLError(f"{label}:{uid} exists already", extensions={"code": "CONFLICT"}) from error
        return Change(id=strawberry.ID(f"{label}:{uid}"), changed_by=actor, changed=True)

    @strawberry.mutation(
        permission_classes=[HasKey, IsCurator],
        description="Update properties; the seed import will not overwrite them.",
    )
    async def update_node(self, info: Info, id: strawberry.ID, properties: JSON) -> Change:
        label, uid = _split(str(id))
        props = _properties(GRAPH_MODEL[label].scalars, properties)
        if not props:
            raise _bad("give at least one property to update")
        actor = info.context.principal.name
        rows = await _write(info, curation.update_node(label), uid=uid, props=props, actor=actor)
        if not rows:
            raise GraphQLError(f"no node {id}", extensions={"code": "NOT_FOUND"})
        return Change(id=id, changed_by=actor, changed=True)

    @strawberry.mutation(
        permission_classes=[HasKey, IsAdmin], description="Delete a node and its relationships (admin)."
    )
    async def delete_node(self, info: Info, id: strawberry.ID) -> Change:
        label, uid = _split(str(id))
        rows = await _write(info, curation.delete_node(label), uid=uid)
        return Change(
            id=id, changed_by=info.context.principal.name, changed=bool(rows and rows[0]["deleted"])
        )

    @strawberry.mutation(
        permission_classes=[HasKey, IsCurator], description="Create or update a relationship."
    )
    async def link(
        self,
        info: Info,
        from_: FromId,
        type: str,
        to: strawberry.ID,
        properties: JSON | None = None,
    ) -> Change:
        (source_label, source_uid), (target_label, target_uid) = _split(str(from_)), _split(str(to))
        rel_type = _checked_type(type, source_label, target_label)
        edge = next(
            (
                r
                for r in GRAPH_MODEL[source_label].rels.values()
                if r.rel_type == rel_type.value and r.target == target_label
            ),
            None,
        )
        props = _properties(edge.edge if edge else {}, properties)
        actor = info.context.principal.name
        query = curation.link(rel_type.value, source_label, target_label)
        rows = await _write(info, query, source=source_uid, target=target_uid, props=props, actor=actor)
        if not rows or rows[0]["linked"] == 0:
            raise GraphQLError(f"{from_} or {to} does not exist", extensions={"code": "NOT_FOUND"})
        return Change(id=strawberry.ID(f"{from_}-{rel_type.value}->{to}"), changed_by=actor, changed=True)

    @strawberry.mutation(permission_classes=[HasKey, IsCurator], description="Remove a relationship.")
    async def unlink(self, info: Info, from_: FromId, type: str, to: strawberry.ID) -> Change:
        (source_label, source_uid), (target_label, target_uid) = _split(str(from_)), _split(str(to))
        rel_type = _checked_type(type, source_label, target_label)
        rows = await _write(
            info,
            curation.unlink(rel_type.value, source_label, target_label),
            source=source_uid,
            target=target_uid,
        )
        return Change(
            id=strawberry.ID(f"{from_}-{rel_type.value}->{to}"),
            changed_by=info.context.principal.name,
            changed=bool(rows and rows[0]["unlinked"]),
        )


def _checked_type(name: str, source_label: str, target_label: str) -> RelType:
    try:
        rel_type = RelType(name)
    except ValueError as error:
        raise _bad(f"unknown relationship type {name!r}") from error
    allowed = ALLOWED_ENDPOINTS.get(rel_type, set())
    if (NodeLabel(source_label), NodeLabel(target_label)) not in allowed:
        raise _bad(f"{rel_type.value} cannot link {source_label} to {target_label}")
    return rel_type
