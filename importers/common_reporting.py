"""Common Reporting: the questionnaire SMARTER TOGETHER runs per implementation project at each reporting
period (D.2.1.1): general information and partners, implementation status, process drivers, process barriers,
corrective actions, risks and lessons learned. One row per solution per period; the template and a filled-in
example are in ``importers/templates/common-reporting/`` (CSV and XLSX; the example is never loaded by
``kg import all``).

What a row becomes, each fact citing the row's ``source`` (and ``quote`` where given) and its line:

- the ``Solution`` (uid from ``solution``), ``IMPLEMENTED_IN`` its city and ``PART_OF`` its project (both
  resolved through ``importers.entities``); its ``status`` is the latest period's;
- a ``StatusReport`` per period (``Solution -[HAS_REPORT]->``, uid ``<solution>-<period_end>`` so a timeline
  reads in date order): period, date, status and its wording, corrective actions and risks as stated, and
  ``REPORTS`` to each barrier;
- barriers become ``Challenge`` nodes canonicalised against existing ones by folded name or alias, written
  ``category: name`` where the category is known; an unknown one is made new, and when the embedding model is
  installed and an existing challenge is worded alike (cosine >= 0.8) the merge is only *proposed*: a pending
  ``semantic`` decision in the review queue (``kg resolve --list``);
- drivers become ``Driver`` nodes (``DRIVEN_BY``); a corrective action ``barrier => action => outcome`` becomes
  ``ADDRESSES`` from the solution to that barrier with the outcome and the action as its note; lessons become
  ``BestPractice`` nodes (kind lesson, ``LEARNED_FROM`` the solution); partners are ``PARTNER_IN`` the project.

List cells separate their items with `` | ``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from importers.building import PlanBuilder, page_uid
from importers.entities import Incoming, Resolver, fold, slug
from importers.errors import RecordError
from importers.inputs import check_input
from importers.loader import LoadOptions, Progress, load
from importers.report import ImportReport
from importers.rows import LoadPlan, NodeRow, RelationshipRow
from importers.tables import TableRecord, decode_fields, parse_csv, parse_xlsx
from kg.core.database import Database
from kg.embeddings import SentenceEmbedder
from queries.loading import KNOWN_CHALLENGES
from schema.vocabularies import ChallengeCategory, Outcome, ResolutionMethod, ResolutionStatus, SolutionStatus

IMPORTER_PREFIX = "common-reporting"
SHEET = "Common Reporting"
REQUIRED = {
    "project",
    "city",
    "country",
    "solution",
    "solution_name",
    "period",
    "period_end",
    "status",
    "source",
}
CATEGORIES = {c.value for c in ChallengeCategory}


def items(value: str) -> list[str]:
    return [part.strip() for part in value.split("|") if part.strip()]


def categorised(text: str) -> tuple[str | None, str]:
    """'financial: high upfront investment' -> ('financial', 'high upfront investment')."""
    head, sep, tail = text.partition(":")
    if sep and head.strip().lower() in CATEGORIES:
        return head.strip().lower(), tail.strip()
    return None, text.strip()


SEMANTIC_PROPOSAL = 0.8  # cosine at or above which a new barrier is proposed for a merge


@dataclass
class _Reporting(PlanBuilder):
    challenges: dict[str, str] = field(default_factory=dict)  # folded name or alias -> uid
    embedder: SentenceEmbedder | None = None
    embedded: list[tuple[str, str]] = field(default_factory=list)  # (uid, name) of the rows of ``vectors``
    vectors: Any = None  # numpy (n, d), L2-normalised
    proposals: list[dict[str, Any]] = field(default_factory=list)
    facts: dict[str, RelationshipRow] = field(default_factory=dict)
    latest: dict[str, dt.date] = field(default_factory=dict)  # solution -> latest period_end seen

    def error(
        self, record: TableRecord, column: str, message: str, kind: str = "StatusReport"
    ) -> RecordError:
        return RecordError(str(self.path), f"line {record.line}", column, message, kind)

    def source_of(self, record: TableRecord) -> str:
        value = record.values["source"]
        if value.startswith(("http://", "https://")):
            uid, props = page_uid(value), {"name": value, "title": value, "kind": "web-page", "url": value}
        else:
            uid = slug(Path(value).stem)
            props = {
                "name": value,
                "title": value,
                "kind": "document",
                "document_type": "report",
                "file_name": value,
            }
        self.sources.setdefault(uid, NodeRow("Source", uid, props, where=f"{self.path}: line {record.line}"))
        return uid

    def fact(
        self,
        rel_type: str,
        ends: tuple[str, str, str, str],
        props: dict[str, Any],
        source: str,
        record: TableRecord,
    ) -> None:
        """One relationship per (type, ends): later periods add their source, quote and line."""
        quote = record.values.get("quote", "")
        line = f"{source}#{self.path.name} line {record.line}"
        key = f"{rel_type} {ends[0]}:{ends[1]} -> {ends[2]}:{ends[3]}"
        current = self.facts.get(key)
        if current is None:
            row = RelationshipRow(
                rel_type, *ends, props, (source,), (quote,), 1.0, (line,), f"{self.path}: line {record.line}"
            )
        else:  # the latest period's values win (rows are read in date order)
            merged = {**current.props, **props}
            ids, quotes = current.source_ids, current.quotes
            if source not in ids:
                ids, quotes = (*ids, source), (*quotes, quote)
            row = RelationshipRow(
                rel_type, *ends, merged, ids, quotes, 1.0, (*current.records, line), current.where
            )
        self.facts[key] = row

    def challenge(self, text: str, source: str, record: TableRecord) -> str:
        category, name = categorised(text)
        uid = self.challenges.get(fold(name))
        if uid is None:
            uid = self.challenges[fold(name)] = slug(name)[:80].strip("-")
            props: dict[str, Any] = {"name": name, **({"category": category} if category else {})}
            self.nodes[("Challenge", uid)] = NodeRow(
                "Challenge", uid, props, where=f"{self.path}: line {record.line}"
            )
            self._propose(name, uid)
        elif ("Challenge", uid) not in self.nodes:
            self.nodes[("Challenge", uid)] = NodeRow(
                "Challenge", uid, {}, (name,), where=f"{self.path}: line {record.line}"
            )
        self.cite("Challenge", uid, source, self._evidence(record))
        return uid

    def _propose(self, name: str, uid: str) -> None:
        """A new barrier worded like an existing challenge: a pending decision, never a merge."""
        if self.embedder is None or self.vectors is None or not self.embedded:
            return
        scores = self.vectors @ self.embedder.embed([name])[0]
        best = int(np.argmax(scores))
        if float(scores[best]) < SEMANTIC_PROPOSAL:
            return
        target, target_name = self.embedded[best]
        incoming = Incoming("Challenge", name)
        self.proposals.append(
            {
                "uid": incoming.key,
                "status": ResolutionStatus.PENDING.value,
                "props": {
                    "label": "Challenge",
                    "name": name,
                    "country": None,
                    "method": ResolutionMethod.SEMANTIC.value,
                    "target": target,
                    "created": uid,
                    "confidence": round(float(scores[best]), 3),
                    "note": f"made apart as {uid}; worded like {target_name!r} (cosine {float(scores[best]):.2f}): same barrier?",
                },
            }
        )

    def simple(self, label: str, name: str, props: dict[str, Any], source: str, record: TableRecord) -> str:
        uid = slug(name)[:80].strip("-")
        self.nodes.setdefault(
            (label, uid),
            NodeRow(label, uid, {"name": name, **props}, where=f"{self.path}: line {record.line}"),
        )
        self.cite(label, uid, source, self._evidence(record))
        return uid

    @staticmethod
    def _evidence(record: TableRecord) -> dict[str, Any]:
        quote = record.values.get("quote", "")
        return {"record": f"line {record.line}", "confidence": 1.0, **({"quote": quote} if quote else {})}


def _validated(
    builder: _Reporting, record: TableRecord
) -> tuple[dt.date, SolutionStatus, list[tuple[str, str, Outcome]]]:
    values = record.values
    try:
        period_end = dt.date.fromisoformat(values["period_end"])
    except ValueError as error:
        raise builder.error(
            record, "period_end", f"{values['period_end']!r} is not a date (YYYY-MM-DD)"
        ) from error
    try:
        status = SolutionStatus(values["status"])
    except ValueError as error:
        choices = ", ".join(s.value for s in SolutionStatus)
        raise builder.error(record, "status", f"{values['status']!r} is not one of {choices}") from error
    for column in ("solution", "solution_name", "city", "project", "period"):
        if not values.get(column):
            raise builder.error(record, column, "empty")
    actions = []
    for item in items(values.get("corrective_actions", "")):
        parts = [part.strip() for part in item.split("=>")]
        if len(parts) != 3 or parts[2] not in {o.value for o in Outcome}:
            raise builder.error(
                record,
                "corrective_actions",
                f"{item!r}: write 'barrier => action => solved|mitigated|attempted|proposed'",
            )
        actions.append((parts[0], parts[1], Outcome(parts[2])))
    return period_end, status, actions


def _row(builder: _Reporting, record: TableRecord) -> None:
    period_end, status, actions = _validated(
        builder, record
    )  # the whole row is checked before anything is added
    values = record.values
    source = builder.source_of(record)
    where = f"{builder.path}: line {record.line}"
    evidence = _Reporting._evidence(record)
    country = values["country"].upper()
    project = builder.node(
        builder.resolver.resolve(Incoming("Project", values["project"])),
        {"acronym": values["project"]},
        [],
        where,
    )
    city = builder.node(
        builder.resolver.resolve(Incoming("City", values["city"], country)), {"country": country}, [], where
    )
    builder.cite("Project", project, source, evidence)
    builder.cite("City", city, source, evidence)
    solution = slug(values["solution"])
    solution_props: dict[str, Any] = {"name": values["solution_name"]}
    if period_end >= builder.latest.get(solution, dt.date.min):  # the latest period states the current status
        builder.latest[solution] = period_end
        solution_props |= {
            "status": status.value,
            "status_label": values.get("status_label") or None,
            "as_of": period_end,
        }
    current = builder.nodes.get(("Solution", solution))
    merged = {
        **(current.props if current else {}),
        **{k: v for k, v in solution_props.items() if v is not None},
    }
    builder.nodes[("Solution", solution)] = NodeRow("Solution", solution, merged, where=where)
    builder.cite("Solution", solution, source, evidence)
    builder.fact("IMPLEMENTED_IN", ("Solution", solution, "City", city), {}, source, record)
    builder.fact("PART_OF", ("Solution", solution, "Project", project), {}, source, record)

    report = f"{solution}-{period_end.isoformat()}"
    report_props: dict[str, Any] = {
        "name": f"{values['solution_name']}: {values['period']}",
        "period": values["period"],
        "period_end": period_end,
        "status": status.value,
        "actions": [f"{barrier} => {action} => {outcome.value}" for barrier, action, outcome in actions],
        "risks": items(values.get("risks", "")),
    }
    if values.get("status_label"):
        report_props["status_label"] = values["status_label"]
    builder.nodes[("StatusReport", report)] = NodeRow("StatusReport", report, report_props, where=where)
    builder.cite("StatusReport", report, source, evidence)
    builder.fact("HAS_REPORT", ("Solution", solution, "StatusReport", report), {}, source, record)
    for barrier in items(values.get("barriers", "")):
        builder.fact(
            "REPORTS",
            ("StatusReport", report, "Challenge", builder.challenge(barrier, source, record)),
            {},
            source,
            record,
        )
    for barrier, action, outcome in actions:
        challenge = builder.challenge(barrier, source, record)
        builder.fact(
            "ADDRESSES",
            ("Solution", solution, "Challenge", challenge),
            {"outcome": outcome.value, "note": action},
            source,
            record,
        )
    for text in items(values.get("drivers", "")):
        category, name = categorised(text)
        driver = builder.simple("Driver", name, {"category": category} if category else {}, source, record)
        builder.fact("DRIVEN_BY", ("Solution", solution, "Driver", driver), {}, source, record)
    for lesson in items(values.get("lessons", "")):
        practice = builder.simple("BestPractice", lesson, {"kind": "lesson"}, source, record)
        builder.fact("LEARNED_FROM", ("BestPractice", practice, "Solution", solution), {}, source, record)
    for partner in items(values.get("partners", "")):
        organisation = builder.node(
            builder.resolver.resolve(Incoming("Organisation", partner, country)),
            {"country": country},
            [],
            where,
        )
        builder.cite("Organisation", organisation, source, evidence)
        builder.fact(
            "PARTNER_IN",
            ("Organisation", organisation, "Project", project),
            {"role": "partner"},
            source,
            record,
        )


def common_reporting_plan(
    db: Database,
    path: Path,
    options: LoadOptions | None = None,
    alias_file: Path | None = None,
    embedder: SentenceEmbedder | None = None,
) -> LoadPlan:
    """Parse and validate a Common Reporting table (CSV or XLSX) into rows; with ``embedder``, new barriers worded
    like existing challenges are proposed for review."""
    options = options or LoadOptions()
    vectors: list[list[float]] = []
    checked = check_input(path, options.max_bytes)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        _, records, errors = parse_xlsx(path, None, REQUIRED)
    else:
        _, records, errors = parse_csv(path, decode_fields(path, path.read_bytes()), REQUIRED)
    builder = _Reporting(path, Resolver.from_db(db, alias_file), embedder=embedder)
    for row in db.read(KNOWN_CHALLENGES):
        for name in (row["name"], *row["aliases"]):
            builder.challenges.setdefault(fold(name), row["uid"])
        if row["embedding"] is not None:
            builder.embedded.append((row["uid"], row["name"]))
            vectors.append(row["embedding"])
    if vectors:
        matrix = np.asarray(vectors, dtype=np.float32)
        builder.vectors = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
    in_date_order = sorted(records, key=lambda r: (r.values.get("period_end", ""), r.line))
    builder.take(in_date_order, lambda record: _row(builder, record), options.strict, errors)
    builder.relationships = list(builder.facts.values())
    plan = builder.plan(f"{IMPORTER_PREFIX}:{path.name}", checked.sha256)
    plan.resolutions += builder.proposals
    return plan


def import_common_reporting(
    db: Database,
    path: Path,
    options: LoadOptions | None = None,
    progress: Progress | None = None,
    alias_file: Path | None = None,
    embedder: SentenceEmbedder | None = None,
) -> ImportReport:
    """Load a Common Reporting table: solutions, their timeline of status reports, barriers, actions, lessons."""
    return load(db, common_reporting_plan(db, path, options, alias_file, embedder), options, progress)
