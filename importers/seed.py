"""The seed knowledge base: parse -> validate -> merge -> load the curated YAML in importers/data/seed/.

Every node and relationship carries its provenance: the document (``Source``) and a verbatim quote, checked
against the document text when the documents are present (``KG_SEED_DOCUMENTS``, default ``../shared/seeds``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import ValidationError

from importers.errors import SeedValidationError
from importers.inputs import DEFAULT_MAX_BYTES, read_text
from importers.loader import LoadOptions, Progress, load
from importers.report import ImportReport
from importers.rows import LoadPlan, NodeRow, ProvenanceRow, RelationshipRow
from importers.seed_model import (
    GROUP_STATED_TYPES,
    CanonicalFile,
    DocumentFile,
    NodeEntryBase,
    RelationshipEntryBase,
    SourceEntry,
)
from kg.core.database import Database
from schema.models import RelType

DATA_DIR = Path(__file__).resolve().parent / "data" / "seed"
DEFAULT_DOCUMENTS_DIR = Path(__file__).resolve().parents[2] / "shared" / "seeds"
CANONICAL_FILE = "canonical.yaml"
CANONICAL_PATH = Path(CANONICAL_FILE)  # the origin recorded for values that come from canonical.yaml
# Relationship properties documents may word differently: the wordings are joined, the latest status wins.
JOINED_REL_PROPS = frozenset({"role_label"})
LATEST_REL_PROPS = frozenset({"status", "outcome"})

_WHITESPACE = re.compile(r"\s+")
log = logging.getLogger(__name__)


def normalise(text: str) -> str:
    """Collapse every run of whitespace to one space (quotes are compared this way)."""
    return _WHITESPACE.sub(" ", text).strip()


# ------------------------------------------------------------------------------------------------------ parse


def _line_of(node: yaml.Node | None, loc: Sequence[int | str]) -> int | None:
    """The 1-based line of the deepest YAML node along a pydantic error location."""
    line = node.start_mark.line + 1 if node is not None else None
    for step in loc:
        if isinstance(node, yaml.MappingNode):
            found = next((value for key, value in node.value if key.value == step), None)
            if found is None:
                continue  # a discriminator tag, not a key of the file
            node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
        else:
            break
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def _describe(data: Any, loc: Sequence[int | str]) -> str:
    """'nodes[12] (City:lyon).props.country' from a pydantic location."""
    parts: list[str] = []
    current = data
    for step in loc:
        if isinstance(step, int):
            parts[-1] = f"{parts[-1]}[{step}]" if parts else f"[{step}]"
            current = current[step] if isinstance(current, list) and step < len(current) else None
            if isinstance(current, dict) and "uid" in current and "label" in current:
                parts[-1] += f" ({current['label']}:{current['uid']})"
            elif isinstance(current, dict) and "from" in current:
                parts[-1] += f" ({current.get('type')} {current.get('from')} -> {current.get('to')})"
        elif isinstance(current, dict) and step not in current:
            continue  # a discriminator tag pydantic adds to the location (e.g. "City")
        else:
            parts.append(str(step))
            current = current.get(step) if isinstance(current, dict) else None
    return ".".join(parts) or "(file)"


def _load_yaml(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[Any, yaml.Node | None]:
    text, _ = read_text(path, max_bytes)
    try:
        return yaml.safe_load(text), yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        raise SeedValidationError(f"{path}: not valid YAML: {error}") from error


ModelT = TypeVar("ModelT", DocumentFile, CanonicalFile)


def _located(path: Path, data: Any, tree: yaml.Node | None, item: Any) -> str:
    line = _line_of(tree, item["loc"])
    where = f"{path}:{line}" if line else str(path)
    return f"{where}: {_describe(data, item['loc'])}: {item['msg']}"


def _validate(path: Path, model: type[ModelT], max_bytes: int = DEFAULT_MAX_BYTES) -> ModelT:
    data, tree = _load_yaml(path, max_bytes)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        more = f" (and {error.error_count() - 1} more errors)" if error.error_count() > 1 else ""
        raise SeedValidationError(_located(path, data, tree, error.errors()[0]) + more) from error


def check_document(path: Path, documents_dir: Path) -> list[str]:
    """Every problem of one document file, for a curator at work: each entry's errors, then the file's own
    rules, then the quotes. An empty list means the file is valid on its own (cross-file merges are checked by
    a full ``kg import seed --check``)."""
    data, tree = _load_yaml(path)
    try:
        document = DocumentFile.model_validate(data)
    except ValidationError as error:
        return [_located(path, data, tree, item) for item in error.errors()]
    for check in (
        lambda: _check_within_files({path: document}),
        lambda: verify_quotes(SeedDataset({path: document}, CanonicalFile()), documents_dir),
    ):
        try:
            check()
        except SeedValidationError as error:
            return [str(error)]
    return []


# ------------------------------------------------------------------------------------------------------ dataset


@dataclass
class SeedDataset:
    documents: dict[Path, DocumentFile]
    canonical: CanonicalFile


def read_dataset(data_dir: Path = DATA_DIR, max_bytes: int = DEFAULT_MAX_BYTES) -> SeedDataset:
    """Parse and validate every file; raise SeedValidationError naming file, line, entry and field."""
    documents = {
        path: _validate(path, DocumentFile, max_bytes)
        for path in sorted(data_dir.glob("*.yaml"))
        if path.name != CANONICAL_FILE
    }
    if not documents:
        raise SeedValidationError(f"{data_dir}: no document files (*.yaml)")
    canonical_path = data_dir / CANONICAL_FILE
    canonical = _validate(canonical_path, CanonicalFile) if canonical_path.exists() else CanonicalFile()
    _check_within_files(documents)
    return SeedDataset(documents, canonical)


def _check_within_files(documents: dict[Path, DocumentFile]) -> None:
    source_uids: dict[str, Path] = {}
    for path, document in documents.items():
        if document.source.uid in source_uids:
            raise SeedValidationError(
                f"{path}: source uid {document.source.uid!r} also used in {source_uids[document.source.uid]}"
            )
        source_uids[document.source.uid] = path
        defined: set[tuple[str, str]] = {("Source", document.source.uid)}  # a file may name its own source
        for index, node in enumerate(document.nodes):
            if node.ref.key in defined:
                raise SeedValidationError(f"{path}: nodes[{index}] ({node.ref}): defined twice in this file")
            defined.add(node.ref.key)
        groups = _check_groups(path, document, defined)
        seen: set[Any] = set()
        implemented: dict[str, str] = {}
        for index, rel in enumerate(document.relationships):
            where = f"{path}: relationships[{index}] ({rel.type.value} {rel.source} -> {rel.target})"
            for end in (rel.source, rel.target):
                if end.key not in defined:
                    raise SeedValidationError(f"{where}: {end} is not defined in this file's nodes")
            if rel.key in seen:
                raise SeedValidationError(f"{where}: listed twice")
            seen.add(rel.key)
            if rel.group is not None and rel.source.key not in groups.get(rel.group, {rel.source.key}):
                raise SeedValidationError(
                    f"{where}.group: {rel.source} is not a member of group {rel.group!r}"
                )
            if rel.group is not None and rel.group not in groups:
                raise SeedValidationError(f"{where}.group: no group {rel.group!r} in this file's groups")
            if rel.type is RelType.IMPLEMENTED_IN:
                _check_one_city(where, rel.source.uid, rel.target.uid, implemented)


def _check_groups(path: Path, document: DocumentFile, defined: set[tuple[str, str]]) -> dict[str, set[Any]]:
    groups: dict[str, set[Any]] = {}
    for index, group in enumerate(document.groups):
        if group.uid in groups:
            raise SeedValidationError(f"{path}: groups[{index}] ({group.uid}): defined twice in this file")
        for member in group.members:
            if member.key not in defined:
                raise SeedValidationError(
                    f"{path}: groups[{index}] ({group.uid}).members: {member} is not defined in this file's nodes"
                )
        groups[group.uid] = {member.key for member in group.members}
    return groups


def _check_one_city(where: str, solution: str, city: str, implemented: dict[str, str]) -> None:
    """One city per Solution: a measure carried out in several cities is one Solution node per city."""
    other = implemented.setdefault(solution, city)
    if other != city:
        raise SeedValidationError(
            f"{where}: Solution:{solution} is already implemented in City:{other}; a solution carried out in "
            "several cities is one Solution per city (uid <solution>-<city>), each with its own facts"
        )


def verify_quotes(dataset: SeedDataset, documents_dir: Path) -> dict[str, str]:
    """Check every quote against its document; return each document's sha256 by file name."""
    digests: dict[str, str] = {}
    for path, document in dataset.documents.items():
        doc_path = documents_dir / document.source.file_name
        if not doc_path.is_file():
            raise SeedValidationError(f"{path}: source.file_name: {doc_path} does not exist")
        raw = doc_path.read_bytes()
        digests[document.source.file_name] = hashlib.sha256(raw).hexdigest()
        text = normalise(raw.decode("utf-8"))
        entries: list[tuple[str, str]] = [("source", document.source.quote)]
        entries += [(f"nodes[{i}] ({n.ref})", n.quote) for i, n in enumerate(document.nodes)]
        for i, rel in enumerate(document.relationships):
            where = f"relationships[{i}] ({rel.type.value} {rel.source} -> {rel.target})"
            entries.append((where, rel.quote))
            if rel.group_quote:
                entries.append((where + ".group_quote", rel.group_quote))
            if rel.attribution_quote:
                entries.append((where + ".attribution_quote", rel.attribution_quote))
        for i, group in enumerate(document.groups):
            entries += [(f"groups[{i}] ({group.uid}).quotes[{j}]", q) for j, q in enumerate(group.quotes)]
        for where, quote in entries:
            if normalise(quote) not in text:
                raise SeedValidationError(
                    f"{path}: {where}: quote not found in {doc_path.name}: {quote[:80]!r}"
                )
        _check_members_named(path, document)
    return digests


def folded(text: str) -> str:
    """Lower case, accents and punctuation folded: how names are looked for in passages."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain.translate(_LETTERS)).split())


_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "ß": "ss", "đ": "d", "ł": "l", "œ": "oe", "þ": "th"})


def names_of(node: NodeEntryBase) -> list[str]:
    return [name for name in (node.name or node.uid, *node.aliases) if name]


def passage_names(passage: str, names: list[str]) -> bool:
    """Does the passage name the entity by one of ``names`` (whole words, case and accents folded)?"""
    haystack = f" {folded(passage)} "
    return any(f" {folded(name)} " in haystack for name in names if folded(name))


def _check_members_named(path: Path, document: DocumentFile) -> None:
    """Every member of a group is named, by name or alias, in one of the group's passages."""
    nodes = {node.ref.key: node for node in document.nodes}
    for index, group in enumerate(document.groups):
        for member in group.members:
            if not any(passage_names(quote, names_of(nodes[member.key])) for quote in group.quotes):
                raise SeedValidationError(
                    f"{path}: groups[{index}] ({group.uid}).quotes: no passage names {member}"
                )


# ------------------------------------------------------------------------------------------------------ merge


@dataclass
class MergedNode:
    label: str
    uid: str
    name: str
    aliases: list[str] = field(default_factory=list)
    props: dict[str, Any] = field(default_factory=dict)
    origin: dict[str, Path] = field(default_factory=dict)  # property -> file that set it
    mentions: list[tuple[str, NodeEntryBase]] = field(default_factory=list)  # (source uid, entry)


@dataclass
class MergedRelationship:
    entry: RelationshipEntryBase
    props: dict[str, Any]
    origin: Path
    source_ids: list[str] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)
    confidences: list[float] = field(default_factory=list)
    group_flags: list[bool] = field(default_factory=list)
    group: str | None = None
    group_name: str | None = None
    group_quote: str | None = None
    attribution_quotes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    as_of: dt.date | None = None


def _add_alias(node: MergedNode, alias: str) -> None:
    if alias != node.name and alias not in node.aliases:
        node.aliases.append(alias)


def _set_prop(node: MergedNode, key: str, value: Any, path: Path) -> None:
    if node.origin.get(key) == CANONICAL_PATH:
        return  # canonical.yaml's value wins; documents word things their own way
    if key in node.props and node.props[key] != value:
        raise SeedValidationError(
            f"{node.label}:{node.uid}.{key}: {path} says {value!r} but {node.origin[key]} says {node.props[key]!r}"
        )
    node.props[key] = value
    node.origin.setdefault(key, path)


def merge_nodes_across_files(dataset: SeedDataset) -> dict[tuple[str, str], MergedNode]:
    merged: dict[tuple[str, str], MergedNode] = {}
    canonical_path = CANONICAL_PATH
    for city in dataset.canonical.cities:
        node = MergedNode("City", city.uid, city.name)
        for alias in city.aliases:
            _add_alias(node, alias)
        for key, value in city.model_dump(exclude={"uid", "name", "aliases"}, exclude_none=True).items():
            _set_prop(node, key, value, canonical_path)
        merged[node.label, node.uid] = node
    for challenge in dataset.canonical.challenges:
        node = MergedNode("Challenge", challenge.uid, challenge.name)
        for key, value in challenge.model_dump(
            exclude={"uid", "name"}, exclude_none=True, mode="json"
        ).items():
            _set_prop(node, key, value, canonical_path)
        merged[node.label, node.uid] = node

    for path, document in dataset.documents.items():
        for entry in document.nodes:
            name = entry.name or entry.uid
            node = merged.setdefault(entry.ref.key, MergedNode(entry.label, entry.uid, name))
            _add_alias(node, name)
            for alias in entry.aliases:
                _add_alias(node, alias)
            for key, value in entry.typed_props.items():
                _set_prop(node, key, value, path)
            node.mentions.append((document.source.uid, entry))

    unmentioned = [f"{label}:{uid}" for (label, uid), node in merged.items() if not node.mentions]
    if unmentioned:
        raise SeedValidationError(
            f"{canonical_path}: entries no document mentions: {', '.join(sorted(unmentioned))}"
        )
    return merged


def merge_relationships_across_files(dataset: SeedDataset) -> dict[Any, MergedRelationship]:
    merged: dict[Any, MergedRelationship] = {}
    implemented: dict[str, str] = {}
    for path, document in dataset.documents.items():
        for entry in document.relationships:
            props = entry.typed_props
            if entry.type is RelType.IMPLEMENTED_IN:
                where = f"{path}: {entry.type.value} {entry.source} -> {entry.target}"
                _check_one_city(where, entry.source.uid, entry.target.uid, implemented)
            current = merged.get(entry.key)
            if current is None:
                current = merged[entry.key] = MergedRelationship(entry, props, path)
            else:
                _merge_rel_props(current, props, path, document.source.as_of)
            current.source_ids.append(document.source.uid)
            current.quotes.append(normalise(entry.quote))
            current.confidences.append(entry.confidence)
            current.group_flags.append(entry.group is not None)
            if entry.group is not None and current.group is None:
                current.group = entry.group
                current.group_name = next(g.name for g in document.groups if g.uid == entry.group)
                current.group_quote = normalise(entry.group_quote or "")
            if entry.attribution_quote:
                current.attribution_quotes.append(normalise(entry.attribution_quote))
            if entry.note:
                current.notes.append(entry.note)
            as_of = document.source.as_of
            if as_of is not None and (current.as_of is None or as_of > current.as_of):
                current.as_of = as_of
    return merged


def _merge_rel_props(
    current: MergedRelationship, props: dict[str, Any], path: Path, as_of: dt.date | None
) -> None:
    for key, value in props.items():
        if key in JOINED_REL_PROPS and key in current.props and value not in current.props[key].split(" / "):
            current.props[key] = f"{current.props[key]} / {value}"
        elif key in LATEST_REL_PROPS:
            if key not in current.props or (as_of and current.as_of and as_of > current.as_of):
                current.props[key] = value
        elif current.props.get(key, value) != value:
            rel = current.entry
            raise SeedValidationError(
                f"{rel.type.value} {rel.source} -> {rel.target}.{key}: {path} says {value!r} "
                f"but {current.origin} says {current.props[key]!r}"
            )
        else:
            current.props[key] = value


# ------------------------------------------------------------------------------------------------------ rows

IMPORTER = "seed"


def _source_row(source: SourceEntry, digest: str | None, path: Path) -> NodeRow:
    props = source.model_dump(exclude={"uid", "quote"}, exclude_none=True)
    if digest:
        props["sha256"] = digest
    return NodeRow("Source", source.uid, props, where=f"{path}: source")


def _node_row(node: MergedNode) -> NodeRow:
    where = f"{IMPORTER}: {node.label}:{node.uid}"
    return NodeRow(node.label, node.uid, {**node.props, "name": node.name}, tuple(node.aliases), where=where)


def _sourced_from_rows(node: MergedNode) -> list[ProvenanceRow]:
    rows: dict[str, ProvenanceRow] = {}
    for source_uid, entry in node.mentions:
        props: dict[str, Any] = {"quote": normalise(entry.quote), "confidence": entry.confidence}
        if entry.passage:
            props["passage"] = entry.passage
        if entry.note:
            props["note"] = entry.note
        rows.setdefault(source_uid, ProvenanceRow(node.label, node.uid, source_uid, props))
    return list(rows.values())


def _relationship_row(rel: MergedRelationship) -> RelationshipRow:
    props: dict[str, Any] = dict(rel.props)
    if rel.entry.type in GROUP_STATED_TYPES and rel.entry.source.label == "City":
        # A group statement only stays one if no source states it for the city individually.
        props["group_statement"] = all(rel.group_flags)
        if rel.group is not None and props["group_statement"]:
            props["group"] = rel.group
            props["group_name"] = rel.group_name
            props["group_quote"] = rel.group_quote
        if rel.attribution_quotes:
            props["attribution_quote"] = " | ".join(dict.fromkeys(rel.attribution_quotes))
    if rel.notes:
        props["note"] = " | ".join(dict.fromkeys(rel.notes))
    if rel.as_of:
        props["as_of"] = rel.as_of
    entry = rel.entry
    return RelationshipRow(
        entry.type.value,
        entry.source.label,
        entry.source.uid,
        entry.target.label,
        entry.target.uid,
        props,
        tuple(rel.source_ids),
        tuple(rel.quotes),
        max(rel.confidences),
        where=f"{rel.origin}: {entry.type.value} {entry.source} -> {entry.target}",
    )


def dataset_digest(data_dir: Path) -> str:
    """sha256 over the dataset's files (names and bytes, in name order): what the import run records."""
    digest = hashlib.sha256()
    for path in sorted(data_dir.glob("*.yaml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def plan(dataset: SeedDataset, digests: dict[str, str], data_dir: Path = DATA_DIR) -> LoadPlan:
    """The seed's rows for the loader: sources, merged nodes, their provenance and relationships."""
    nodes = merge_nodes_across_files(dataset)
    rels = merge_relationships_across_files(dataset)
    load_plan = LoadPlan(IMPORTER, str(data_dir), dataset_digest(data_dir) if data_dir.is_dir() else None)
    for path, document in sorted(dataset.documents.items(), key=lambda item: item[1].source.uid):
        load_plan.nodes.append(_source_row(document.source, digests.get(document.source.file_name), path))
    for node in sorted(nodes.values(), key=lambda n: (n.label, n.uid)):
        load_plan.nodes.append(_node_row(node))
        load_plan.provenance.extend(_sourced_from_rows(node))
    for rel in sorted(
        rels.values(), key=lambda r: (r.entry.type.value, str(r.entry.source), str(r.entry.target))
    ):
        load_plan.relationships.append(_relationship_row(rel))
    facts: dict[str, int] = defaultdict(int)
    for document in dataset.documents.values():
        facts[document.source.uid] += len(document.nodes) + len(document.relationships)
    load_plan.facts_per_source = dict(facts)
    return load_plan


# ------------------------------------------------------------------------------------------------------ load


def import_seed(
    db: Database,
    data_dir: Path = DATA_DIR,
    documents_dir: Path | None = None,
    options: LoadOptions | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate the seed dataset (all of it, before any write) and load it through the loading layer.
    Idempotent; a re-import removes what the files no longer state.

    Example:
        >>> report = import_seed(db)  # doctest: +SKIP
        >>> report.nodes_created["City"]  # doctest: +SKIP
        21
    """
    options = options or LoadOptions()
    dataset = read_dataset(data_dir, options.max_bytes)
    documents = documents_dir or DEFAULT_DOCUMENTS_DIR
    if documents.is_dir():
        digests = verify_quotes(dataset, documents)
    else:
        # e.g. an installed package or a container without the documents: the dataset was checked in CI.
        log.warning("seed documents not found at %s: quotes not re-checked, no sha256 recorded", documents)
        digests = {}
    return load(db, plan(dataset, digests, data_dir), options, progress)


def all_quotes(dataset: SeedDataset) -> Iterable[tuple[str, str]]:
    """(file_name, quote) for every quote in the dataset."""
    for document in dataset.documents.values():
        yield document.source.file_name, document.source.quote
        for node in document.nodes:
            yield document.source.file_name, node.quote
        for rel in document.relationships:
            yield document.source.file_name, rel.quote
            if rel.group_quote:
                yield document.source.file_name, rel.group_quote
