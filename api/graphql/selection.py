"""What a root field's query asks for, read from the operation as graphql-core's executor reads it.

The compiler needs the whole tree below a root field at once (one Cypher statement), including the arguments
of nested relationship fields. ``SelectionReader`` walks the operation's AST under the root field: fragments
and inline fragments by type condition, ``@include`` / ``@skip`` applied, fields with one response key merged,
and every nested field's arguments coerced by graphql-core's ``get_argument_values`` (variables, defaults, Int,
Date, enums) and turned into the same strawberry input objects a resolver receives.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLIncludeDirective,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSkipDirective,
    GraphQLUnionType,
    InlineFragmentNode,
    SelectionNode,
    VariableValues,
    get_argument_values,
    get_directive_values,
)
from strawberry.types import Info
from strawberry.types.arguments import convert_argument

from api.graphql.graph import GraphTypes, to_where
from queries.graph_read import DEFAULT_PAGE, MAX_NESTED, RelSelection, Selection, read_model

FieldGroups = dict[str, list[FieldNode]]  # response key -> the field nodes merged under it


class SelectionReader:
    """Reads the selection of the root field being resolved.

    ``strawberry.Info`` does not expose graphql-core's resolve info (field nodes, fragments, coerced variables)
    publicly; strawberry keeps it on ``Info._raw_info``, and this class is the one place that reads it.
    """

    def __init__(self, info: Info, types: GraphTypes) -> None:
        self.info = info
        self.types = types
        self.raw: GraphQLResolveInfo[Any] = info._raw_info
        variables: Any = self.raw.variable_values
        self.variables = variables if isinstance(variables, VariableValues) else VariableValues({}, variables)

    # -- walking ----------------------------------------------------------------------------------------------
    def _included(self, node: SelectionNode) -> bool:
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip is not None and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include is not None and include.get("if") is False)

    def _matches(self, condition: str | None, type_name: str) -> bool:
        """Does a fragment on ``condition`` apply to ``type_name`` (itself, or a union / interface of it)?"""
        if condition is None or condition == type_name:
            return True
        schema = self.raw.schema
        abstract, concrete = schema.get_type(condition), schema.get_type(type_name)
        return (
            isinstance(abstract, GraphQLUnionType | GraphQLInterfaceType)
            and isinstance(concrete, GraphQLObjectType)
            and schema.is_sub_type(abstract, concrete)
        )

    def subfields(self, nodes: Iterable[FieldNode], type_name: str) -> FieldGroups:
        """The fields selected on ``type_name`` below ``nodes``, merged by response key, in order."""
        groups: FieldGroups = {}
        for node in nodes:
            if node.selection_set is not None:
                self._collect(node.selection_set.selections, type_name, groups, set())
        return groups

    def _collect(
        self, selections: Iterable[SelectionNode], type_name: str, groups: FieldGroups, seen: set[str]
    ) -> None:
        for selection in selections:
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                groups.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition.name.value if selection.type_condition else None
                if self._matches(condition, type_name):
                    self._collect(selection.selection_set.selections, type_name, groups, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.raw.fragments.get(name)
                if fragment is None or name in seen:
                    continue  # spread once per selection, as graphql-core does (a chain is linear, not 2^n)
                seen.add(name)
                if self._matches(fragment.type_condition.name.value, type_name):
                    self._collect(fragment.selection_set.selections, type_name, groups, seen)

    def arguments(self, type_name: str, node: FieldNode) -> dict[str, Any]:
        graphql_type = self.raw.schema.get_type(type_name)
        assert isinstance(graphql_type, GraphQLObjectType)
        return get_argument_values(graphql_type.fields[node.name.value], node, self.variables)

    # -- selections -------------------------------------------------------------------------------------------
    def root_nodes(self) -> list[FieldNode]:
        return list(self.raw.field_nodes)

    def node_selection(self, label: str, nodes: Iterable[FieldNode]) -> Selection:
        """What to fetch of ``label`` nodes: scalars, and nested relationships with their typed arguments."""
        meta = read_model()[label]
        selection = Selection(label)
        for key, group in self.subfields(nodes, label).items():
            name = group[0].name.value
            if name in meta.scalars:
                if name not in selection.scalars:
                    selection.scalars.append(name)
            elif name in meta.rels:
                selection.rels[key] = self._relationship(label, name, group)
        return selection

    def _relationship(self, label: str, name: str, group: list[FieldNode]) -> RelSelection:
        rel = read_model()[label].rels[name]
        values = self.arguments(label, group[0])
        where_input = values.get("where")
        where_type = self.types.labels[label].rel_wheres[name]
        typed_where = None
        if where_input is not None:
            schema = self.info.schema
            typed_where = convert_argument(
                where_input, where_type, schema.schema_converter.scalar_registry, schema.config
            )
        edge_type = self.types.labels[label].rel_edges[name].__name__
        edge_fields = self.subfields(group, edge_type)
        node_nodes = [
            node for key, nodes in edge_fields.items() for node in nodes if node.name.value == "node"
        ]
        first = int(values.get("first", DEFAULT_PAGE))
        if not 1 <= first <= MAX_NESTED:  # a literal is refused at validation; a variable's value here
            raise GraphQLError(
                f"{name}(first: {first}): first must be between 1 and {MAX_NESTED}",
                extensions={"code": "BAD_USER_INPUT"},
            )
        return RelSelection(
            rel=name,
            where=to_where(rel.target, typed_where),
            first=first,
            edge_scalars=[
                nodes[0].name.value for nodes in edge_fields.values() if nodes[0].name.value in rel.edge
            ],
            node=self.node_selection(rel.target, node_nodes),
        )

    def connection_selection(self, label: str) -> tuple[Selection, bool]:
        """The selection under ``edges { node { ... } }`` of a connection, and whether totalCount is asked."""
        connection = self.types.labels[label].connection.__name__
        fields = self.subfields(self.root_nodes(), connection)
        edges = [node for nodes in fields.values() for node in nodes if node.name.value == "edges"]
        edge_type = self.types.labels[label].edge.__name__
        node_nodes = [
            node
            for nodes in self.subfields(edges, edge_type).values()
            for node in nodes
            if node.name.value == "node"
        ]
        wants_total = any(nodes[0].name.value == "totalCount" for nodes in fields.values())
        return self.node_selection(label, node_nodes), wants_total
