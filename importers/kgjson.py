"""kg-json (``schema/kgjson.py``): parse -> validate -> rows, read as a stream.

The file is read with ijson, node by node and then relationship by relationship, never as one document in
memory; every item is checked against the JSON Schema (``schema/kg-json.schema.json``) before it becomes a row,
and a bad one names the file, the item (``nodes[12] (City:lyon)``) and the field. The rows go to the one loading
layer, so provenance, sync, runs and resume work as for every importer: the importer's name is
``kg-json:<file name>``, so two files sync independently.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import ijson
import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from importers.errors import InputFileError, RecordError
from importers.inputs import InputFile, check_input, checked_chunks
from importers.loader import LoadOptions, Progress, load
from importers.report import ImportReport
from importers.rows import LoadPlan, NodeRow, ProvenanceRow, RelationshipRow
from kg.core.database import Database
from schema.kgjson import FORMAT, SCHEMA_PATH, VERSION

IMPORTER_PREFIX = "kg-json"


class _RecordValidator:
    """The published schema of one kind of record (node or relationship), checked through the one branch of its
    ``allOf`` that the record's ``label`` / ``type`` selects: the same verdict and messages as the whole schema,
    without evaluating twenty ``if``s per record.

    A record is first checked by jsonschema-rs (compiled, ~20x faster than jsonschema: the check was most of a
    large import's time); only a record it refuses is checked again by jsonschema, whose verdict stands and whose
    ``best_match`` names the field. jsonschema-rs checks every format and anchors patterns strictly, so it never
    accepts what jsonschema refuses; where it is stricter, jsonschema's acceptance wins.
    """

    def __init__(self, schema: dict[str, Any], defs: dict[str, Any], key: str) -> None:
        self.key = key
        self.whole = _Checker({**schema, "$defs": defs})
        branches: dict[str | None, list[Any]] = {}
        for branch in schema.get("allOf", []):
            const = branch.get("if", {}).get("properties", {}).get(key, {}).get("const")
            branches.setdefault(const, []).append(branch)
        general = branches.pop(None, [])
        self.by_key = {
            value: _Checker({**schema, "allOf": general + chosen, "$defs": defs})
            for value, chosen in branches.items()
        }

    def checker_for(self, item: Any) -> _Checker:
        """The branch the record's label or type selects; the whole schema for an unknown (or non-text) one,
        which names what is allowed."""
        chosen = item.get(self.key) if isinstance(item, dict) else None
        return self.by_key.get(chosen, self.whole) if isinstance(chosen, str) else self.whole

    def problem(self, item: Any) -> tuple[str, str] | None:
        checker = self.checker_for(item)
        if checker.fast.is_valid(item):
            return None
        error = best_match(checker.explaining.iter_errors(item))
        if error is None:
            return None
        return ".".join(str(step) for step in error.absolute_path) or "(item)", error.message


class _Checker:
    def __init__(self, schema: dict[str, Any]) -> None:
        self.fast = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
        self.explaining = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@functools.cache
def _validators() -> tuple[_RecordValidator, _RecordValidator]:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    defs = schema["$defs"]
    return _RecordValidator(defs["node"], defs, "label"), _RecordValidator(defs["relationship"], defs, "type")


class _CheckedStream:
    """A file-like view of ``path`` whose bytes were checked for UTF-8 and control characters."""

    def __init__(self, path: Path, stream: BinaryIO) -> None:
        self._chunks = checked_chunks(path, stream)
        self._buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def _items(path: Path, prefix: str) -> Iterator[Any]:
    with path.open("rb") as stream:
        try:
            yield from ijson.items(_CheckedStream(path, stream), prefix, use_float=True)
        except ijson.JSONError as error:
            raise InputFileError(f"{path}: not valid JSON: {error}") from error


def _header(path: Path) -> None:
    found: dict[str, Any] = {}
    with path.open("rb") as stream:
        try:
            for key, event, value in ijson.parse(_CheckedStream(path, stream)):
                if key in ("format", "version") and event in ("string", "number"):
                    found[key] = value
                if len(found) == 2:
                    break
        except ijson.JSONError as error:
            raise InputFileError(f"{path}: not valid JSON: {error}") from error
    if found.get("format") != FORMAT or found.get("version") != VERSION:
        raise InputFileError(
            f'{path}: format/version: expected "format": "{FORMAT}", "version": {VERSION}, '
            f"found {found.get('format')!r}, {found.get('version')!r}"
        )


def _typed(value: Any) -> Any:
    if isinstance(value, dict) and "$date" in value:
        return dt.date.fromisoformat(value["$date"])
    if isinstance(value, dict) and "$datetime" in value:
        return dt.datetime.fromisoformat(value["$datetime"])
    return value


def _describe(kind: str, index: int, item: Any) -> str:
    if not isinstance(item, dict):
        return f"{kind}[{index}]"
    if kind == "nodes":
        return f"nodes[{index}] ({item.get('label')}:{item.get('uid')})"
    return f"relationships[{index}] ({item.get('type')} {item.get('from')} -> {item.get('to')})"


def kgjson_plan(path: Path, options: LoadOptions | None = None) -> LoadPlan:
    """Validate every item of ``path`` into rows; bad items are kept as errors (``--strict``: the first raises)."""
    options = options or LoadOptions()
    checked: InputFile = check_input(path, options.max_bytes)
    _header(path)
    node_validator, rel_validator = _validators()
    plan = LoadPlan(f"{IMPORTER_PREFIX}:{path.name}", str(path), checked.sha256)

    def bad(record: str, where: tuple[str, str], item: Any) -> None:
        kind = str(item.get("label") or item.get("type") or "record") if isinstance(item, dict) else "record"
        error = RecordError(str(path), record, *where, kind)
        if options.strict:
            raise error
        plan.skipped.append(error)

    for index, item in enumerate(_items(path, "nodes.item")):
        record = _describe("nodes", index, item)
        problem = node_validator.problem(item)
        if problem is not None:
            bad(record, problem, item)
            continue
        props = {key: _typed(value) for key, value in item["properties"].items()}
        aliases = tuple(props.pop("aliases", []))
        where = f"{path}: {record}"
        plan.nodes.append(NodeRow(item["label"], item["uid"], props, aliases, where=where))
        for source in item.get("provenance", []):
            values = {key: _typed(value) for key, value in source.items() if key != "source"}
            plan.provenance.append(ProvenanceRow(item["label"], item["uid"], source["source"], values, where))
    for index, item in enumerate(_items(path, "relationships.item")):
        record = _describe("relationships", index, item)
        problem = rel_validator.problem(item)
        if problem is None and len(item.get("source_ids", [])) != len(item.get("quotes", [])):
            problem = ("quotes", 'one quote per source id (use "" where a source has no quote)')
        if problem is not None:
            bad(record, problem, item)
            continue
        (a_label, a_uid), (b_label, b_uid) = (ref.split(":", 1) for ref in (item["from"], item["to"]))
        plan.relationships.append(
            RelationshipRow(
                item["type"],
                a_label,
                a_uid,
                b_label,
                b_uid,
                {key: _typed(value) for key, value in item.get("properties", {}).items()},
                tuple(item.get("source_ids", [])),
                tuple(item.get("quotes", [])),
                float(item.get("confidence", 1.0)),
                tuple(item.get("records", [])),
                f"{path}: {record}",
            )
        )
    return plan


def import_kgjson(
    db: Database, path: Path, options: LoadOptions | None = None, progress: Progress | None = None
) -> ImportReport:
    """Load a kg-json file (see ``schema/kgjson.py``).

    Example:
        >>> import_kgjson(db, Path("graph.kg.json")).nodes_created  # doctest: +SKIP
        {'City': 2, 'Source': 1}
    """
    return load(db, kgjson_plan(path, options), options, progress)
