"""Any table, mapped: a CSV or XLSX plus a YAML mapping (``schema/tablemapping.py``, JSON Schema in
``schema/table-mapping.schema.json``) that says which columns make which nodes and relationships.

parse -> validate -> rows: the mapping is checked against its JSON Schema, its labels, types and endpoints against
the graph model and its columns against the table's header before any row is read; every value of every row is
checked by the graph model's own validation (``schema.validation``), so a bad cell names the file, the line and the
column. Cities, organisations and projects resolve through ``importers.entities`` (``resolve:``); other labels
take their uid from a column (slugged). Every fact cites the mapping's source, or the source a column names, and
the line.

Example (``importers/templates/mapped/``):
    kg import csv importers/templates/mapped/network-members-example.csv \\
        --mapping importers/templates/mapped/network-members-example.yaml
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from importers.building import PlanBuilder, page_uid
from importers.entities import Incoming, Resolver, slug
from importers.errors import InputFileError, RecordError
from importers.inputs import check_input
from importers.loader import LoadOptions, Progress, load
from importers.report import ImportReport
from importers.rows import LoadPlan, NodeRow, RelationshipRow
from importers.tables import TableRecord, decode_fields, parse_csv, parse_xlsx
from kg.core.database import Database
from schema import graph_model
from schema.tablemapping import SCHEMA_PATH
from schema.validation import edge_model, field_errors, properties_model

IMPORTER_PREFIX = "csv"
EDGE_PROVENANCE = frozenset({"note", "as_of"})  # provenance a table may state beside a relationship
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ValueSpec(_Spec):
    column: str | None = None
    constant: Any = None
    strip: bool = True
    trim_control: bool = False
    map: dict[str, Any] | None = None
    split: str | None = None
    date: str | None = None
    number: Literal["int", "float", "decimal-comma"] | None = None
    template: str | None = None

    def read(self, values: dict[str, str]) -> Any:
        """The value for one record (None when the cell is empty); ValueError names what is wrong."""
        if self.column is None:
            return self.constant
        raw = values.get(self.column, "")
        if self.trim_control:
            raw = _CONTROL.sub("", raw)
        if self.strip:
            raw = raw.strip()
        if raw == "":
            return None
        if self.map is not None:
            if raw not in self.map:
                raise ValueError(f"{raw!r} is not one of {', '.join(map(repr, self.map))}")
            return self.map[raw]
        if self.split is not None:
            return [part.strip() for part in raw.split(self.split) if part.strip()]
        return self._typed(raw)

    def _typed(self, raw: str) -> Any:
        if self.date is not None:
            try:
                return dt.datetime.strptime(raw, self.date).date()
            except ValueError as error:
                raise ValueError(f"{raw!r} does not match the date format {self.date!r}") from error
        if self.number == "decimal-comma":
            return _number(raw.replace(".", "").replace(",", "."), raw)
        if self.number == "float":
            return _number(raw, raw)
        if self.number == "int":
            if not re.fullmatch(r"-?[0-9]+", raw):
                raise ValueError(f"{raw!r} is not a whole number")
            return int(raw)
        if self.template is not None:
            return self.template.replace("{value}", raw)
        return raw

    @property
    def columns(self) -> set[str]:
        return {self.column} if self.column else set()


def _number(text: str, raw: str) -> float:
    try:
        return float(text)
    except ValueError as error:
        raise ValueError(f"{raw!r} is not a number") from error


class ResolveSpec(_Spec):
    name: ValueSpec
    country: ValueSpec | None = None
    grant_agreement: ValueSpec | None = None


class NodeSpec(_Spec):
    label: str
    uid: ValueSpec | None = None
    resolve: ResolveSpec | None = None
    properties: dict[str, ValueSpec] = Field(default_factory=dict)

    @property
    def columns(self) -> set[str]:
        specs = [*self.properties.values(), self.uid]
        if self.resolve is not None:
            specs += [self.resolve.name, self.resolve.country, self.resolve.grant_agreement]
        return {c for spec in specs if spec is not None for c in spec.columns}


class RelationshipSpec(_Spec):
    type: str
    from_: str = Field(alias="from")
    to: str
    properties: dict[str, ValueSpec] = Field(default_factory=dict)
    confidence: float = 1.0


class SourceSpec(_Spec):
    uid: str | None = None
    name: str | None = None
    column: str | None = None
    kind: Literal["document", "dataset", "web-page"] = "dataset"


class TableSpec(_Spec):
    delimiter: str = ";"
    sheet: str | None = None


class Mapping(_Spec):
    format: str
    version: int
    table: TableSpec = Field(default_factory=TableSpec)
    source: SourceSpec
    nodes: dict[str, NodeSpec]
    relationships: list[RelationshipSpec] = Field(default_factory=list)

    @property
    def columns(self) -> set[str]:
        used = {c for node in self.nodes.values() for c in node.columns}
        used |= {c for rel in self.relationships for spec in rel.properties.values() for c in spec.columns}
        return used | ({self.source.column} if self.source.column else set())


def read_mapping(path: Path) -> Mapping:
    """The mapping, checked against its JSON Schema and the graph model; errors name the mapping file and path."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise InputFileError(f"{path}: cannot read the mapping: {error}") from error
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    problem = best_match(Draft202012Validator(schema).iter_errors(data))
    if problem is not None:
        where = ".".join(str(step) for step in problem.absolute_path) or "(mapping)"
        raise InputFileError(f"{path}: {where}: {problem.message}")
    mapping = Mapping.model_validate(data)
    model = graph_model()
    for index, rel in enumerate(mapping.relationships):
        for end in (rel.from_, rel.to):
            if end not in mapping.nodes:
                raise InputFileError(
                    f"{path}: relationships.{index}: no node {end!r} in nodes ({', '.join(mapping.nodes)})"
                )
        start, stop = mapping.nodes[rel.from_].label, mapping.nodes[rel.to].label
        if not model.allows(rel.type, start, stop):
            raise InputFileError(f"{path}: relationships.{index}: {rel.type} does not link {start} to {stop}")
    return mapping


@dataclass
class _Mapped(PlanBuilder):
    mapping: Mapping = field(
        default_factory=lambda: Mapping(format="", version=0, source=SourceSpec(), nodes={})
    )
    facts: dict[str, RelationshipRow] = field(default_factory=dict)

    def source_of(self, record: TableRecord) -> str:
        spec = self.mapping.source
        if spec.column is None:
            uid, name = spec.uid or "table", spec.name or spec.uid or "table"
            props = {"name": name, "title": name, "kind": spec.kind, "file_name": self.path.name}
        else:
            value = record.values.get(spec.column, "").strip()
            if not value:
                raise RecordError(
                    str(self.path), f"line {record.line}", spec.column, "empty: this column names the source"
                )
            uid = page_uid(value) if spec.kind == "web-page" else slug(value)
            props = {"name": value, "title": value, "kind": spec.kind}
            props |= {"url": value} if spec.kind == "web-page" else {"file_name": value}
        self.sources.setdefault(uid, NodeRow("Source", uid, props, where=f"{self.path}: line {record.line}"))
        return uid


def _values(builder: _Mapped, record: TableRecord, specs: dict[str, ValueSpec]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, spec in specs.items():
        try:
            value = spec.read(record.values)
        except ValueError as error:
            raise RecordError(
                str(builder.path), f"line {record.line}", spec.column or key, str(error)
            ) from error
        if value is not None:
            values[key] = value
    return values


def _checked(
    builder: _Mapped,
    record: TableRecord,
    model: type[BaseModel],
    values: dict[str, Any],
    specs: dict[str, ValueSpec],
    kind: str,
) -> dict[str, Any]:
    try:
        model.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        key = str(first["loc"][0]) if first["loc"] else ""
        column = specs[key].column if key in specs and specs[key].column else key
        raise RecordError(
            str(builder.path), f"line {record.line}", column or "(row)", field_errors(error)[0], kind
        ) from error
    return values


@dataclass(frozen=True)
class _PreparedNode:
    spec: NodeSpec
    name: str  # the name resolved, or the raw uid
    props: dict[str, Any]
    grant: str | None


def _prepare_node(builder: _Mapped, record: TableRecord, spec: NodeSpec) -> _PreparedNode | None:
    """Read and validate one node's cells; None when its key cell is empty. No side effect."""
    props = _values(builder, record, spec.properties)
    key = spec.resolve.name if spec.resolve is not None else spec.uid
    assert key is not None  # the schema asks for one of uid / resolve
    raw = _values(builder, record, {"(key)": key}).get("(key)")
    if raw is None:
        return None
    grant = None
    if spec.resolve is not None:
        extra = {"country": spec.resolve.country, "grant_agreement": spec.resolve.grant_agreement}
        found = _values(builder, record, {k: v for k, v in extra.items() if v is not None})
        if "country" in found:
            props["country"] = str(found["country"]).upper()
        grant = str(found["grant_agreement"]) if "grant_agreement" in found else None
    else:
        props.setdefault("name", str(raw))
    model = properties_model(spec.label, "curator", partial=True)
    _checked(builder, record, model, props, spec.properties, spec.label)
    return _PreparedNode(spec, str(raw), props, grant)


def _add_node(builder: _Mapped, record: TableRecord, node: _PreparedNode, source: str) -> str:
    where = f"{builder.path}: line {record.line}"
    label = node.spec.label
    if node.spec.resolve is not None:
        incoming = Incoming(label, node.name, node.props.get("country"), grant_agreement=node.grant)
        uid = builder.node(builder.resolver.resolve(incoming), node.props, [], where)
    else:
        uid = slug(node.name)
        builder.nodes.setdefault((label, uid), NodeRow(label, uid, node.props, where=where))
    builder.cite(label, uid, source, {"record": f"line {record.line}", "confidence": 1.0})
    return uid


def _row(builder: _Mapped, record: TableRecord) -> None:
    """One record, all or nothing: every cell is read and checked before anything is added."""
    source = builder.source_of(record)
    prepared = {alias: _prepare_node(builder, record, spec) for alias, spec in builder.mapping.nodes.items()}
    edges = [
        (rel, _edge_values(builder, record, rel))
        for rel in builder.mapping.relationships
        if prepared[rel.from_] is not None and prepared[rel.to] is not None
    ]
    uids = {
        alias: _add_node(builder, record, node, source)
        for alias, node in prepared.items()
        if node is not None
    }
    for rel, props in edges:
        _add_fact(builder, record, rel, uids[rel.from_], uids[rel.to], props, source)


def _edge_values(builder: _Mapped, record: TableRecord, rel: RelationshipSpec) -> dict[str, Any]:
    """The relationship's own properties, checked by the model, and its note / as_of (provenance a table may give)."""
    values = _values(builder, record, rel.properties)
    own = {k: v for k, v in values.items() if k not in EDGE_PROVENANCE}
    _checked(builder, record, edge_model(rel.type), own, rel.properties, rel.type)
    note, as_of = values.get("note"), values.get("as_of")
    if note is not None and not isinstance(note, str):
        raise RecordError(
            str(builder.path),
            f"line {record.line}",
            rel.properties["note"].column or "note",
            "note: not a text",
            rel.type,
        )
    if as_of is not None and not isinstance(as_of, dt.date):
        column = rel.properties["as_of"].column or "as_of"
        raise RecordError(
            str(builder.path), f"line {record.line}", column, "as_of: give a date format", rel.type
        )
    return values


def _add_fact(
    builder: _Mapped,
    record: TableRecord,
    rel: RelationshipSpec,
    start: str,
    stop: str,
    props: dict[str, Any],
    source: str,
) -> None:
    a, b = builder.mapping.nodes[rel.from_].label, builder.mapping.nodes[rel.to].label
    key = f"{rel.type} {a}:{start} -> {b}:{stop}"
    line = f"{source}#{builder.path.name} line {record.line}"
    current = builder.facts.get(key)
    if current is None:
        builder.facts[key] = RelationshipRow(
            rel.type,
            a,
            start,
            b,
            stop,
            props,
            (source,),
            ("",),
            rel.confidence,
            (line,),
            f"{builder.path}: line {record.line}",
        )
        return
    ids = current.source_ids if source in current.source_ids else (*current.source_ids, source)
    builder.facts[key] = RelationshipRow(
        current.type,
        a,
        start,
        b,
        stop,
        current.props,
        ids,
        ("",) * len(ids),
        current.confidence,
        (*current.records, line),
        current.where,
    )


def mapped_plan(
    db: Database,
    path: Path,
    mapping_path: Path,
    options: LoadOptions | None = None,
    alias_file: Path | None = None,
) -> LoadPlan:
    """Parse a table with its mapping into rows; bad records are kept as errors (``--strict``: the first raises)."""
    options = options or LoadOptions()
    mapping = read_mapping(mapping_path)
    checked = check_input(path, options.max_bytes)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        headers, records, errors = parse_xlsx(path, mapping.table.sheet, set())
    else:
        text = decode_fields(path, path.read_bytes())
        headers, records, errors = parse_csv(path, text, set(), delimiter=mapping.table.delimiter)
    missing = sorted(mapping.columns - set(headers))
    if missing:
        raise InputFileError(
            f"{path}:1: the mapping {mapping_path.name} names column(s) the table lacks: {', '.join(missing)}"
        )
    builder = _Mapped(path, Resolver.from_db(db, alias_file), mapping=mapping)
    builder.take(records, lambda record: _row(builder, record), options.strict, errors)
    builder.relationships = list(builder.facts.values())
    return builder.plan(f"{IMPORTER_PREFIX}:{path.name}", checked.sha256)


def import_mapped(
    db: Database,
    path: Path,
    mapping_path: Path,
    options: LoadOptions | None = None,
    progress: Progress | None = None,
    alias_file: Path | None = None,
) -> ImportReport:
    """Load a table through its mapping (see the module docstring)."""
    return load(db, mapped_plan(db, path, mapping_path, options, alias_file), options, progress)
