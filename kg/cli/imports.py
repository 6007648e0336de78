"""`kg import ...`: load source data into the graph."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from importers import ImportReport, registry
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

import_app = typer.Typer(help="Load source data into the graph (idempotent: re-running changes nothing).")


@import_app.command("all")
@friendly_errors
def import_all() -> None:
    """Run every registered importer in order (what `make run` does)."""
    settings = load_settings()
    with connected(settings) as db:
        for name, importer in registry(settings.seed_documents).items():
            with console.status(f"Importing {name}..."):
                report = importer(db)
            _print_report(report)
        _refresh_embeddings(db, settings)


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
) -> None:
    """Load the seed knowledge base (five source documents) with provenance on every fact.

    Validates every file first (a malformed entry names file, line, entry and field), checks each quote
    against its document, then loads everything in one transaction. Running it twice changes nothing.
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
        dataset = read_dataset(data_dir or DATA_DIR)
        seed_plan = plan(dataset, verify_quotes(dataset, documents_dir))
        nodes = sum(len(rows) for rows in seed_plan.nodes.values())
        rels = sum(len(rows) for rows in seed_plan.relationships.values())
        console.print(
            f"Seed dataset valid: {len(seed_plan.sources)} documents, {nodes} nodes, {rels} relationships."
        )
        return
    with connected(settings) as db:
        with console.status("Importing the seed knowledge base..."):
            report = import_seed(db, data_dir or DATA_DIR, documents_dir)
        _print_report(report)
        _refresh_embeddings(db, settings)


def _refresh_embeddings(db: Database, settings: Settings) -> None:
    """Embed new or reworded challenges for semantic matching (skipped, with a hint, without the model)."""
    directory = settings.model_dir
    if not model_is_installed(directory):
        console.print("Semantic matching is off until the model is installed: run `kg model install`.")
        return
    with console.status("Embedding challenges..."):
        count = refresh_challenge_embeddings(db, SentenceEmbedder.load(directory))
    console.print(f"Embedded {count} new or reworded challenges.")


def _print_report(report: ImportReport) -> None:
    _print_import_report(report.importer, report.nodes_created, report.nodes_matched, "nodes")
    _print_import_report(
        report.importer, report.relationships_created, report.relationships_matched, "relationships"
    )
    for conflict in report.conflicts:
        console.print(f"kept a curator's edit instead of the import's value: {escape(conflict)}")
    if report.removed:
        console.print(f"Removed {len(report.removed)} facts the sources no longer state:")
        for key in report.removed:
            console.print(f"  - {escape(key)}", highlight=False)
    if report.facts_per_source:
        table = Table(title=f"{report.importer}: facts per document")
        table.add_column("source")
        table.add_column("nodes + relationships", justify="right")
        for source, facts in sorted(report.facts_per_source.items()):
            table.add_row(source, str(facts))
        out.print(table)


def _print_import_report(name: str, created: dict[str, int], matched: dict[str, int], what: str) -> None:
    table = Table(title=f"{name}: {what}")
    table.add_column("label / type")
    table.add_column("created", justify="right")
    table.add_column("matched", justify="right")
    for key in sorted(created.keys() | matched.keys()):
        table.add_row(key, str(created.get(key, 0)), str(matched.get(key, 0)))
    table.add_row("total", str(sum(created.values())), str(sum(matched.values())), style="bold")
    out.print(table)
