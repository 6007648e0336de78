"""`kg import ...`: load source data into the graph, list import runs.

Every import command takes the loading layer's options (``--dry-run``, ``--strict``, ``--batch-size``,
``--max-bytes``), shows a progress bar with records/s and ends with a summary table.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from importers import ImportReport, LoadOptions, registry
from importers.common_reporting import import_common_reporting
from importers.cordis import CordisFilters, import_cordis
from importers.inputs import DEFAULT_MAX_BYTES
from importers.kgjson import import_kgjson
from importers.loader import DEFAULT_BATCH_SIZE
from importers.mapped import import_mapped
from importers.programme import DATASET, import_programme
from importers.seed import (
    DATA_DIR,
    DEFAULT_DOCUMENTS_DIR,
    check_document,
    import_seed,
    plan,
    read_dataset,
    verify_quotes,
)
from kg.cli.common import connected, console, friendly_errors, load_settings, out
from kg.core.database import Database
from kg.core.settings import Settings
from kg.embeddings import SentenceEmbedder, model_is_installed
from kg.replication import refresh_challenge_embeddings
from queries.loading import LIST_RUNS

import_app = typer.Typer(
    help="Load source data into the graph. Re-running an import changes nothing but its run record; "
    "a new version of a source removes what it no longer states (curators' facts stay).",
    epilog="Examples: "
    "[bold]kg import all[/] (the seed, then the SCC-01 programme) · "
    "[bold]kg import seed --check[/] · "
    "[bold]kg import programme --dry-run[/] · "
    "[bold]kg import json graph.kg.json --strict[/] · "
    "[bold]kg import cordis cordis-h2020projects.zip --topic-prefix SCC[/] · "
    "[bold]kg import csv table.xlsx --mapping mapping.yaml[/] · "
    "[bold]kg import common-reporting report.xlsx[/] · "
    "[bold]kg import runs[/]",
    rich_markup_mode="rich",
    no_args_is_help=True,
)

BatchSize = Annotated[
    int, typer.Option(min=1, max=100_000, help="Rows per transaction; a crash loses at most one batch.")
]
Strict = Annotated[
    bool,
    typer.Option("--strict", help="Validate everything first; stop at the first bad record, write nothing."),
]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Report what would change; write nothing.")]
MaxBytes = Annotated[int, typer.Option(min=1, help="Refuse larger input files (bytes).")]


def _options(batch_size: int, strict: bool, dry_run: bool, max_bytes: int) -> LoadOptions:
    return LoadOptions(batch_size=batch_size, strict=strict, dry_run=dry_run, max_bytes=max_bytes)


class _RecordsPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} records/s" if speed else "", style="progress.data.speed")


class RichProgress:
    """The loader's progress (importers.loader.Progress) as a rich bar on stderr."""

    def __init__(self, bar: Progress) -> None:
        self._bar = bar
        self._task: Any = None

    def start(self, total: int, description: str) -> None:
        self._task = self._bar.add_task(description, total=total)

    def advance(self, rows: int) -> None:
        if self._task is not None:
            self._bar.advance(self._task, rows)


def _progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _RecordsPerSecond(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


@import_app.command("all")
@friendly_errors
def import_all(
    batch_size: BatchSize = DEFAULT_BATCH_SIZE,
    strict: Strict = False,
    dry_run: DryRun = False,
    max_bytes: MaxBytes = DEFAULT_MAX_BYTES,
) -> None:
    """Run the built-in importers in order: the seed knowledge base, then the SCC-01 programme (what
    `make run` does). Files you bring are loaded with their own command (e.g. `kg import json FILE`).
    With --dry-run each importer reports against the graph as it is now, not the earlier ones' would-be changes."""
    settings = load_settings()
    options = _options(batch_size, strict, dry_run, max_bytes)
    with connected(settings) as db:
        for importer in registry(settings.seed_documents, settings.alias_file).values():
            with _progress_bar() as bar:
                report = importer(db, options, RichProgress(bar))
            print_report(report)
        if not dry_run:
            refresh_embeddings(db, settings)


@import_app.command("seed")
@friendly_errors
def import_seed_command(
    data_dir: Annotated[
        Path | None, typer.Option(help="Folder of the curated YAML (default: importers/data/seed).")
    ] = None,
    documents: Annotated[
        Path | None, typer.Option(help="Folder of the source documents quotes are checked against.")
    ] = None,
    check: Annotated[bool, typer.Option("--check", help="Validate only; write nothing.")] = False,
    file: Annotated[
        Path | None,
        typer.Option(
            help="With --check: one document file on its own, listing every problem (for curators)."
        ),
    ] = None,
    batch_size: BatchSize = DEFAULT_BATCH_SIZE,
    strict: Strict = False,
    dry_run: DryRun = False,
    max_bytes: MaxBytes = DEFAULT_MAX_BYTES,
) -> None:
    """Load the seed knowledge base (five source documents) with provenance on every fact.

    Validates every file first (a malformed entry names file, line, entry and field) and checks each quote
    against its document, so a bad seed file writes nothing. Running it twice changes nothing.
    """
    settings = load_settings()
    documents_dir = documents or settings.seed_documents or DEFAULT_DOCUMENTS_DIR
    if file is not None and not check:
        raise typer.BadParameter("--file checks one document and writes nothing: use it with --check")
    if check and file is not None:
        problems = check_document(file, documents_dir)
        for problem in problems:
            console.print(f"[bold red]error:[/] {escape(problem)}", soft_wrap=True)
        if problems:
            raise typer.Exit(2)
        console.print(f"{file}: valid on its own.")
        return
    if check:
        dataset = read_dataset(data_dir or DATA_DIR, max_bytes)
        seed_plan = plan(dataset, verify_quotes(dataset, documents_dir), data_dir or DATA_DIR)
        sources = sum(1 for row in seed_plan.nodes if row.label == "Source")
        nodes = len(seed_plan.nodes) - sources
        rels = len(seed_plan.relationships)
        console.print(f"Seed dataset valid: {sources} documents, {nodes} nodes, {rels} relationships.")
        return
    options = _options(batch_size, strict, dry_run, max_bytes)
    with connected(settings) as db:
        with _progress_bar() as bar:
            report = import_seed(db, data_dir or DATA_DIR, documents_dir, options, RichProgress(bar))
        print_report(report)
        if not dry_run:
            refresh_embeddings(db, settings)


@import_app.command("programme")
@friendly_errors
def import_programme_command(
    file: Annotated[
        Path, typer.Option(help="The programme dataset (default: the vendored SCC-01 copy).")
    ] = DATASET,
    batch_size: BatchSize = DEFAULT_BATCH_SIZE,
    strict: Strict = False,
    dry_run: DryRun = False,
    max_bytes: MaxBytes = DEFAULT_MAX_BYTES,
) -> None:
    """Load the SCC-01 lighthouse programme: 18 projects' lighthouse, follower and observer cities, each role
    sourced by the pages that name it. Cities resolve to existing nodes (see `kg resolve --list`)."""
    settings = load_settings()
    options = _options(batch_size, strict, dry_run, max_bytes)
    with connected(settings) as db:
        with _progress_bar() as bar:
            report = import_programme(db, file, options, RichProgress(bar), settings.alias_file)
        print_report(report)


@import_app.command("json")
@friendly_errors
def import_json_command(
    file: Annotated[Path, typer.Argument(help="A kg-json file (schema/kg-json.schema.json).")],
    batch_size: BatchSize = DEFAULT_BATCH_SIZE,
    strict: Strict = False,
    dry_run: DryRun = False,
    max_bytes: MaxBytes = DEFAULT_MAX_BYTES,
) -> None:
    """Load a kg-json file: nodes and relationships with every property and their provenance, read as a stream.

    `kg export --format kg-json` writes one; loading it into an empty database reproduces the graph (the
    challenges' similarities are then recomputed from the embeddings, as after every import).

    Example: kg import json graph.kg.json --dry-run
    """
    settings = load_settings()
    options = _options(batch_size, strict, dry_run, max_bytes)
    with connected(settings) as db:
        with _progress_bar() as bar:
            report = import_kgjson(db, file, options, RichProgress(bar))
        print_report(report)
        if not dry_run:
            refresh_embeddings(db, settings)


@import_app.command("cordis")
@friendly_errors
def import_cordis_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="A CORDIS projects file: the single H2020 CSV, the zipped project.csv + organization.csv, or JSON."
        ),
    ],
    topic_prefix: Annotated[
        list[str] | None, typer.Option(help="Only projects with a topic starting so (repeatable), e.g. SCC.")
    ] = None,
    acronym: Annotated[list[str] | None, typer.Option(help="Only these acronyms (repeatable).")] = None,
    grant_id: Annotated[
        list[str] | None, typer.Option(help="Only these grant agreement numbers (repeatable).")
    ] = None,
    batch_size: BatchSize = DEFAULT_BATCH_SIZE,
    strict: Strict = False,
    dry_run: DryRun = False,
    max_bytes: MaxBytes = DEFAULT_MAX_BYTES,
) -> None:
    """Load CORDIS projects, their organisations and PARTNER_IN roles with contributions (by grant number onto existing projects).

    A project resolves by its grant agreement number onto an existing node (e.g. the programme's).

    Example: kg import cordis cordis-h2020projects.zip --topic-prefix SCC --topic-prefix LC-SC3-SCC
    """
    settings = load_settings()
    options = _options(batch_size, strict, dry_run, max_bytes)
    filters = CordisFilters(tuple(topic_prefix or ()), tuple(acronym or ()), tuple(grant_id or ()))
    with connected(settings) as db:
        with _progress_bar() as bar:
            report = import_cordis(db, file, options, filters, RichProgress(bar), settings.alias_file)
        print_report(report)


@import_app.command("csv")
@friendly_errors
def import_csv_command(
    file: Annotated[Path, typer.Argument(help="A CSV or XLSX table.")],
    mapping: Annotated[
        Path, typer.Option(help="The YAML mapping: which columns make which nodes and relationships.")
    ],
    batch_size: BatchSize = DEFAULT_BATCH_SIZE,
    strict: Strict = False,
    dry_run: DryRun = False,
    max_bytes: MaxBytes = DEFAULT_MAX_BYTES,
) -> None:
    """Load any table through a mapping (schema/table-mapping.schema.json; examples in importers/templates/mapped).

    Example: kg import csv members.csv --mapping importers/templates/mapped/network-members-example.yaml
    """
    settings = load_settings()
    options = _options(batch_size, strict, dry_run, max_bytes)
    with connected(settings) as db:
        with _progress_bar() as bar:
            report = import_mapped(db, file, mapping, options, RichProgress(bar), settings.alias_file)
        print_report(report)


@import_app.command("common-reporting")
@friendly_errors
def import_common_reporting_command(
    file: Annotated[
        Path,
        typer.Argument(help="A Common Reporting table, CSV or XLSX (importers/templates/common-reporting)."),
    ],
    batch_size: BatchSize = DEFAULT_BATCH_SIZE,
    strict: Strict = False,
    dry_run: DryRun = False,
    max_bytes: MaxBytes = DEFAULT_MAX_BYTES,
) -> None:
    """Load Common Reporting rows (one per solution per period): status timeline, barriers, actions, lessons.

    Example: kg import common-reporting importers/templates/common-reporting/common-reporting-example.xlsx --dry-run
    """
    settings = load_settings()
    options = _options(batch_size, strict, dry_run, max_bytes)
    with connected(settings) as db:
        with _progress_bar() as bar:
            embedder = (
                SentenceEmbedder.load(settings.model_dir) if model_is_installed(settings.model_dir) else None
            )
            report = import_common_reporting(
                db, file, options, RichProgress(bar), settings.alias_file, embedder
            )
        print_report(report)


@import_app.command("runs")
@friendly_errors
def import_runs(
    importer: Annotated[
        str | None, typer.Option(help="Only this importer's runs (seed, programme, ...).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many, newest first.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
) -> None:
    """List import runs, newest first: importer, source and its sha256, status, counts, errors."""
    with connected() as db:
        runs = db.read(LIST_RUNS, importer=importer, limit=limit)
    if as_json:
        out.print_json(json.dumps(runs, default=str))
        return
    table = Table(title="Import runs (newest first)")
    for column in ("run", "status", "source", "sha256", "started", "ended", "created", "matched", "errors"):
        table.add_column(column, overflow="fold")
    for run in runs:
        counts = json.loads(run["counts"] or "{}")
        created = sum(counts.get("nodes_created", {}).values()) + sum(
            counts.get("relationships_created", {}).values()
        )
        matched = sum(counts.get("nodes_matched", {}).values()) + sum(
            counts.get("relationships_matched", {}).values()
        )
        table.add_row(
            run["uid"],
            run["status"],
            run["source"],
            (run["sha256"] or "")[:12],
            str(run["started_at"])[:19],
            str(run["ended_at"] or "")[:19],
            str(created),
            str(matched),
            str(len(run["errors"] or [])),
        )
    out.print(table)


def refresh_embeddings(db: Database, settings: Settings) -> None:
    """Embed new or reworded challenges for semantic matching (skipped, with a hint, without the model)."""
    directory = settings.model_dir
    if not model_is_installed(directory):
        console.print("Semantic matching is off until the model is installed: run `kg model install`.")
        return
    with console.status("Embedding challenges..."):
        count = refresh_challenge_embeddings(db, SentenceEmbedder.load(directory))
    console.print(f"Embedded {count} new or reworded challenges.")


def print_report(report: ImportReport) -> None:
    """The summary: created / matched / removed / skipped per label and type, then what was kept or removed."""
    title = f"{report.importer}: " + (
        "dry run, nothing written" if report.dry_run else f"run {report.run_id}"
    )
    if report.resumed_from_batch:
        title += f" (resumed at batch {report.resumed_from_batch + 1})"
    table = Table(title=title)
    for column in ("label / type", "created", "matched", "removed", "skipped"):
        table.add_column(column, justify="left" if column == "label / type" else "right")
    removed = report.removed_counts()
    created = {**report.nodes_created, **report.relationships_created}
    matched = {**report.nodes_matched, **report.relationships_matched}
    keys = sorted(created.keys() | matched.keys() | removed.keys() | report.skipped_counts.keys())
    for key in keys:
        table.add_row(key, *(str(d.get(key, 0)) for d in (created, matched, removed, report.skipped_counts)))
    totals = (sum(d.values()) for d in (created, matched, removed, report.skipped_counts))
    table.add_row("total", *map(str, totals), style="bold")
    out.print(table)
    if report.resolutions:
        out.print(
            "Entity resolution: " + ", ".join(f"{k} {v}" for k, v in report.resolutions.items()),
            highlight=False,
        )
    for conflict in report.conflicts:
        console.print(f"kept a curator's edit instead of the import's value: {escape(conflict)}")
    for what, keys_ in (("Removed", report.removed), ("Withdrew this source from", report.withdrawn)):
        if keys_:
            console.print(f"{what} {len(keys_)} facts the source no longer states:")
            for key in keys_:
                console.print(f"  - {escape(key)}", highlight=False)
    if report.skipped:
        console.print(f"[yellow]Skipped {len(report.skipped)} bad records:[/]")
        for problem in report.skipped[:50]:
            console.print(f"  - {escape(problem)}", highlight=False, soft_wrap=True)
        if len(report.skipped) > 50:
            console.print(f"  ... and {len(report.skipped) - 50} more (kg import runs --json lists them all)")
