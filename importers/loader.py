"""The one loading layer: every importer's validated rows go into the graph here.

``load(db, plan, options)``:

1. checks every row's label, type and endpoints against the graph model and every reference (a relationship's
   ends, a provenance row's source) against the plan and the database. A bad row is skipped and reported
   (``--strict``: the first one stops the import before anything is written);
2. opens an ``ImportRun`` (``importers.runs``), or resumes an interrupted one of the same input;
3. writes the rows in batches of ``batch_size`` (sources, nodes per label, provenance, relationships per type,
   in that fixed order), each batch its own transaction that also records the run's progress, so a crash loses
   at most the batch it was in and a resumed run starts at the first uncommitted batch;
4. syncs: removes what this importer stated before and no longer states (curators' facts stay), finishes the
   run and records the knowledge-base version, in one last transaction.

``dry_run`` does all of it in one transaction that is rolled back, so the report says what would change.

Example:
    >>> report = load(db, plan, LoadOptions(batch_size=500))  # doctest: +SKIP
    >>> report.nodes_created  # doctest: +SKIP
    {'City': 12, 'Source': 3}
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import LiteralString, Protocol

from neo4j import ManagedTransaction, Transaction
from pydantic import BaseModel, ConfigDict, Field

from importers.errors import RecordError
from importers.inputs import DEFAULT_MAX_BYTES
from importers.report import ImportReport
from importers.rows import LoadPlan, NodeRow, ProvenanceRow, RelationshipRow
from importers.runs import begin_run, run_params
from kg.core.database import Database
from queries.loading import (
    ADVANCE_RUN,
    CREATE_RUN,
    FINISH_RUN,
    IMPORTER_SOURCES,
    LATEST_COMPLETED_DIGESTS,
    PRUNE_OLD_RUN_LINKS,
    RECORD_RESOLUTIONS,
    REMOVE_STALE_NODES,
    REMOVE_STALE_PROVENANCE,
    REMOVE_STALE_RELATIONSHIPS,
    REMOVE_STALE_SOURCES,
    WITHDRAW_FROM_NODES,
    WITHDRAW_FROM_RELATIONSHIPS,
    existing_uids,
    merge_nodes,
    merge_provenance,
    merge_relationships,
)
from queries.writes import RECORD_KB_VERSION
from schema import apply_schema, graph_model
from schema.models import RelType

AnyTransaction = ManagedTransaction | Transaction
# Measured on the M file (benchmarks.import_throughput --batch-scale M, BENCHMARKS.md): relationships are written
# 13-25 % faster in batches of 10,000 than of 1,000 (fewer commits); 50,000 gains little more and holds more in
# one transaction's memory.
DEFAULT_BATCH_SIZE = 10_000
# Fault injection for the crash tests (tests/integration/test_loader_resume.py): "mid:N" stops the process
# inside batch N's transaction, "after:N" just after batch N committed; it writes KG_IMPORT_FAULT_MARKER and
# sleeps until killed. Unset in normal use.
FAULT_ENV = "KG_IMPORT_FAULT"
FAULT_MARKER_ENV = "KG_IMPORT_FAULT_MARKER"


class LoadOptions(BaseModel):
    """The options every importer takes (``kg import ... --help``)."""

    model_config = ConfigDict(frozen=True)

    batch_size: int = Field(DEFAULT_BATCH_SIZE, ge=1, le=100_000)
    strict: bool = False
    dry_run: bool = False
    max_bytes: int = Field(DEFAULT_MAX_BYTES, ge=1)


class Progress(Protocol):
    def start(self, total: int, description: str) -> None: ...

    def advance(self, rows: int) -> None: ...


class NoProgress:
    def start(self, total: int, description: str) -> None:
        return None

    def advance(self, rows: int) -> None:
        return None


@dataclass(frozen=True)
class Batch:
    key: str  # the label or relationship type counted
    relationship: bool
    query: LiteralString
    rows: Sequence[NodeRow | ProvenanceRow | RelationshipRow]  # turned into parameters when the batch runs


@dataclass
class _Outcome:
    created: int = 0
    conflicts: list[str] = field(default_factory=list)


def load(
    db: Database, plan: LoadPlan, options: LoadOptions | None = None, progress: Progress | None = None
) -> ImportReport:
    """Write ``plan`` (see the module docstring); return what was created, matched, removed and skipped."""
    options = options or LoadOptions()
    progress = progress or NoProgress()
    apply_schema(db)
    plan, problems = checked_plan(db, plan)
    if options.strict and problems:
        raise problems[0]
    report = ImportReport(
        importer=plan.importer,
        facts_per_source=dict(plan.facts_per_source),
        skipped=[str(problem) for problem in problems],
        skipped_counts=_skipped_counts(problems),
        dry_run=options.dry_run,
        resolutions=_resolution_counts(plan),
    )
    own = sorted({row.uid for row in plan.nodes if row.label == "Source"} | _importer_sources(db, plan))
    batches = make_batches(plan, options.batch_size, own)
    progress.start(sum(len(b.rows) for b in batches), f"{plan.importer}: loading")
    if options.dry_run:
        return db.rolled_back(lambda tx: _dry_run(tx, plan, batches, report, progress, own))
    start = begin_run(db, plan, options.model_dump(), len(batches))
    report.run_id, report.resumed_from_batch = start.uid, start.resumed_from_batch
    report.restore(start.counts)
    context = _RunContext(start.uid, plan.importer, own, _fault())
    try:
        for index, batch in enumerate(batches):
            if index >= start.resumed_from_batch:
                outcome = db.write_transaction(_batch_work(batch, index, context, report))
                _apply(report, batch, outcome)
                _maybe_fault(context.fault, "after", index)
            progress.advance(len(batch.rows))
        for offset in range(0, len(plan.resolutions), options.batch_size):
            rows = plan.resolutions[offset : offset + options.batch_size]
            db.write(RECORD_RESOLUTIONS, rows=rows, run=start.uid, importer=plan.importer)
        db.write_transaction(lambda tx: _finish(tx, plan, start.uid, report, own))
    except BaseException as error:
        db.write(
            FINISH_RUN,
            uid=start.uid,
            status="failed",
            counts=json.dumps(report.counts()),
            errors=[*report.skipped, f"stopped: {error}"][-100:],
        )
        raise
    return report


# ------------------------------------------------------------------------------------------------ checks


def checked_plan(db: Database, plan: LoadPlan) -> tuple[LoadPlan, list[RecordError]]:
    """The plan without rows naming an unknown label, type or endpoint pair or an unknown node; the errors."""
    problems: list[RecordError] = list(plan.skipped)
    model = graph_model()
    nodes: list[NodeRow] = []
    for row in plan.nodes:
        if row.label not in model.labels:
            problems.append(_error(row.where, "label", f"unknown label {row.label!r}", "record"))
        else:
            nodes.append(row)
    defined = {(row.label, row.uid) for row in nodes}
    wanted: set[tuple[str, str]] = set()
    relationships: list[RelationshipRow] = []
    for rel in plan.relationships:
        if rel.type not in {t.value for t in RelType} or not model.allows(
            rel.type, rel.source_label, rel.target_label
        ):
            problems.append(
                _error(
                    rel.where,
                    "type",
                    f"{rel.type} does not link {rel.source_label} to {rel.target_label}",
                    rel.type,
                )
            )
            continue
        relationships.append(rel)
        wanted |= {(rel.source_label, rel.source_uid), (rel.target_label, rel.target_uid)}
    provenance = [prow for prow in plan.provenance if prow.label in model.labels]
    for prow in provenance:
        wanted |= {(prow.label, prow.uid), ("Source", prow.source)}
    known = defined | _existing(db, wanted - defined)

    def missing(pairs: Iterable[tuple[str, str, str]], where: str, kind: str) -> bool:
        gone = [(f, label, uid) for f, label, uid in pairs if (label, uid) not in known]
        for f, label, uid in gone:
            message = f"unknown reference {label}:{uid} (not in this input or the graph)"
            problems.append(_error(where, f, message, kind))
        return bool(gone)

    kept_rels = [
        rel
        for rel in relationships
        if not missing(
            [("from", rel.source_label, rel.source_uid), ("to", rel.target_label, rel.target_uid)],
            rel.where,
            rel.type,
        )
    ]
    kept_provenance = [
        row
        for row in provenance
        if not missing(
            [("node", row.label, row.uid), ("source", "Source", row.source)], row.where, "SOURCED_FROM"
        )
    ]
    checked = replace(plan, nodes=nodes, provenance=kept_provenance, relationships=kept_rels, skipped=[])
    return checked, problems


def _error(where: str, field_name: str, message: str, kind: str) -> RecordError:
    origin, _, record = where.partition(": ")
    return RecordError(origin or "(input)", record or "(record)", field_name, message, kind)


def _existing(db: Database, pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
    by_label: dict[str, list[str]] = defaultdict(list)
    for label, uid in pairs:
        by_label[label].append(uid)
    found: set[tuple[str, str]] = set()
    for label, uids in by_label.items():
        rows = db.read(existing_uids(label), uids=sorted(uids))
        found |= {(label, uid) for uid in rows[0]["found"]}
    return found


def _importer_sources(db: Database, plan: LoadPlan) -> set[str]:
    return set(db.read(IMPORTER_SOURCES, importer=plan.importer)[0]["uids"])


def _skipped_counts(problems: list[RecordError]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for problem in problems:
        counts[problem.kind] += 1
    return dict(counts)


def _resolution_counts(plan: LoadPlan) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for decision in plan.resolutions:
        counts[f"{decision['props']['label']} {decision['props']['method']}"] += 1
    return dict(sorted(counts.items()))


# ------------------------------------------------------------------------------------------------ batches


def make_batches(plan: LoadPlan, batch_size: int, own: list[str]) -> list[Batch]:
    """The fixed order: sources, nodes by label, provenance by label, relationships by (type, ends)."""
    batches: list[Batch] = []
    nodes: dict[str, list[NodeRow]] = defaultdict(list)
    for row in plan.nodes:
        nodes[row.label].append(row)
    for label in sorted(nodes, key=lambda name: (name != "Source", name)):
        rows = sorted(nodes[label], key=lambda r: r.uid)
        batches += _chunks(label, False, merge_nodes(label), rows, batch_size)
    provenance: dict[str, list[ProvenanceRow]] = defaultdict(list)
    for prow in plan.provenance:
        provenance[prow.label].append(prow)
    for label in sorted(provenance):
        rows_p = sorted(provenance[label], key=lambda r: (r.uid, r.source))
        batches += _chunks("SOURCED_FROM", True, merge_provenance(label), rows_p, batch_size)
    rels: dict[tuple[str, str, str], list[RelationshipRow]] = defaultdict(list)
    for rel in plan.relationships:
        rels[rel.type, rel.source_label, rel.target_label].append(rel)
    for rel_type, a, b in sorted(rels):
        rows_r = sorted(rels[rel_type, a, b], key=lambda r: (r.source_uid, r.target_uid))
        query = merge_relationships(RelType(rel_type), a, b)
        batches += _chunks(rel_type, True, query, rows_r, batch_size)
    return batches


def _chunks(
    key: str,
    relationship: bool,
    query: LiteralString,
    rows: Sequence[NodeRow | ProvenanceRow | RelationshipRow],
    size: int,
) -> list[Batch]:
    return [Batch(key, relationship, query, rows[i : i + size]) for i in range(0, len(rows), size)]


def _run_batch(tx: AnyTransaction, batch: Batch, run: str, importer: str, own: list[str]) -> _Outcome:
    stamp = dt.datetime.now(dt.UTC)
    params = {
        "rows": [row.params() for row in batch.rows],
        "run": run,
        "importer": importer,
        "actor": f"import:{importer}",
        "stamp": stamp,
        "own": own,
    }
    result = tx.run(batch.query, params)
    outcome = _Outcome()
    if batch.relationship:
        record = result.single(strict=True)
        if record["curated"]:
            outcome.conflicts.append(
                f"{batch.key}: {record['curated']} curated relationships kept as they are"
            )
    else:
        for record in result:
            outcome.conflicts.extend(f"{batch.key}:{record['uid']}.{key}" for key in record["conflicts"])
    counters = result.consume().counters
    outcome.created = counters.relationships_created if batch.relationship else counters.nodes_created
    return outcome


@dataclass(frozen=True)
class _RunContext:
    run: str
    importer: str
    own: list[str]  # the importer's sources, whose quotes its rows replace
    fault: tuple[str, int] | None


def _batch_work(
    batch: Batch, index: int, context: _RunContext, report: ImportReport
) -> Callable[[ManagedTransaction], _Outcome]:
    return lambda tx: _write_batch(tx, batch, index, context, report)


def _write_batch(
    tx: ManagedTransaction, batch: Batch, index: int, context: _RunContext, report: ImportReport
) -> _Outcome:
    run, importer = context.run, context.importer
    outcome = _run_batch(tx, batch, run, importer, context.own)
    tentative = ImportReport(importer=importer)
    tentative.restore(report.counts())
    _apply(tentative, batch, outcome)
    tx.run(ADVANCE_RUN, uid=run, batches_done=index + 1, counts=json.dumps(tentative.counts())).consume()
    _maybe_fault(context.fault, "mid", index)
    return outcome


def _apply(report: ImportReport, batch: Batch, outcome: _Outcome) -> None:
    report.count(batch.key, outcome.created, len(batch.rows), batch.relationship)
    report.conflicts.extend(outcome.conflicts)


def _dry_run(
    tx: Transaction,
    plan: LoadPlan,
    batches: list[Batch],
    report: ImportReport,
    progress: Progress,
    own: list[str],
) -> ImportReport:
    run = f"{plan.importer}:dry-run"
    tx.run(CREATE_RUN, run_params(plan, run, {"dry_run": True}, len(batches), host="", pid=0)).consume()
    for batch in batches:
        _apply(report, batch, _run_batch(tx, batch, run, plan.importer, own))
        progress.advance(len(batch.rows))
    if plan.resolutions:
        tx.run(RECORD_RESOLUTIONS, rows=plan.resolutions, run=run, importer=plan.importer).consume()
    _sync(tx, plan, run, report, own)
    return report


# ------------------------------------------------------------------------------------------------ finish


def _sync(tx: AnyTransaction, plan: LoadPlan, run: str, report: ImportReport, own: list[str]) -> None:
    params = {"importer": plan.importer, "run": run, "own": own}
    removed: list[str] = []
    for query in (
        REMOVE_STALE_RELATIONSHIPS,
        REMOVE_STALE_PROVENANCE,
        REMOVE_STALE_NODES,
        REMOVE_STALE_SOURCES,
    ):
        removed += sorted(record["key"] for record in tx.run(query, params))
    withdrawn: list[str] = []
    for query in (WITHDRAW_FROM_RELATIONSHIPS, WITHDRAW_FROM_NODES):
        withdrawn += sorted(record["key"] for record in tx.run(query, params))
    report.removed, report.withdrawn = removed, withdrawn
    tx.run(PRUNE_OLD_RUN_LINKS, params).consume()


def _finish(tx: ManagedTransaction, plan: LoadPlan, run: str, report: ImportReport, own: list[str]) -> None:
    _sync(tx, plan, run, report, own)
    tx.run(
        FINISH_RUN,
        uid=run,
        status="completed",
        counts=json.dumps(report.counts()),
        errors=report.skipped[-1000:],
    ).consume()
    digests = {record["importer"]: record["digest"] for record in tx.run(LATEST_COMPLETED_DIGESTS)}
    version = "kb-" + hashlib.sha256(json.dumps(digests, sort_keys=True).encode()).hexdigest()[:12]
    tx.run(RECORD_KB_VERSION, version=version).consume()


# ------------------------------------------------------------------------------------------------ faults


def _fault() -> tuple[str, int] | None:
    value = os.environ.get(FAULT_ENV)
    if not value:
        return None
    where, _, index = value.partition(":")
    return where, int(index)


def _maybe_fault(fault: tuple[str, int] | None, where: str, index: int) -> None:
    if fault == (where, index):
        marker = os.environ.get(FAULT_MARKER_ENV)
        if marker:
            Path(marker).write_text(f"{where}:{index}\n")
        while True:  # until the test kills the process
            time.sleep(1)
