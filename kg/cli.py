"""The ``kg`` command: provision Neo4j, migrate, import, serve."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from neo4j import Driver
from rich.table import Table

import kg
from importers import ImportReport
from kg.cli_common import console, friendly_errors, load_settings, out
from kg.cli_match import gaps, match, model_app, shared_challenges, unreplicated
from kg.db import connected_driver
from kg.errors import KGError
from kg.server import (
    DockerNeo4jServer,
    LocalNeo4jServer,
    choose_provisioner,
    current_connection,
    provision,
)
from kg.settings import Provisioner

app = typer.Typer(
    help="kg: a graph knowledge base of European smart cities for replicating lighthouse solutions.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
db_app = typer.Typer(
    help=(
        "Provision and manage the Neo4j server. Uses NEO4J_URI if set, else Docker if an engine answers, "
        "else a local Neo4j community server built from Maven Central (needs Java 17+ and Maven)."
    ),
    no_args_is_help=True,
)
import_app = typer.Typer(help="Load source data into the graph (idempotent: re-running changes nothing).")
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(model_app, name="model")
app.command("match")(match)
app.command("gaps")(gaps)
app.command("shared-challenges")(shared_challenges)
app.command("unreplicated")(unreplicated)


def _version_callback(value: bool) -> None:
    if value:
        out.print(f"kg {kg.__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """kg: which lighthouse city already solved the barrier your city faces, how, and with what evidence."""


# ------------------------------------------------------------------------------------------------------ db


@db_app.command("start")
@friendly_errors
def db_start() -> None:
    """Start (or reuse) the Neo4j server and wait until Bolt answers; prints the URI. Idempotent."""
    settings = load_settings()
    provisioner = choose_provisioner(settings)
    if provisioner is Provisioner.LOCAL:
        server = LocalNeo4jServer.from_settings(settings, notify=lambda message: console.print(message))
        with console.status("Starting Neo4j (local community server)..."):
            result = server.start()
        state = "already running" if result.already_running else "started"
        console.print(f"Neo4j {state} (pid {result.pid}, home {server.home}).")
        out.print(result.connection.uri)
        return
    with console.status(f"Waiting for Neo4j ({provisioner.value})..."):
        connection = provision(settings)
    out.print(connection.uri)


@db_app.command("stop")
@friendly_errors
def db_stop() -> None:
    """Stop the Neo4j server kg started (an external server is left alone)."""
    settings = load_settings()
    provisioner = choose_provisioner(settings)
    if provisioner is Provisioner.EXTERNAL:
        console.print("NEO4J_URI points at an external server; kg does not stop it.")
        return
    if provisioner is Provisioner.DOCKER:
        DockerNeo4jServer.from_settings(settings).stop()
        console.print("Stopped the neo4j container.")
        return
    server = LocalNeo4jServer.from_settings(settings, notify=lambda message: console.print(message))
    with console.status("Stopping Neo4j..."):
        stopped = server.stop()
    console.print("Neo4j stopped." if stopped else "Neo4j was not running.")


@db_app.command("status")
@friendly_errors
def db_status() -> None:
    """Say which server kg uses and whether it answers. Exit code 0 if it answers, 3 if not."""
    settings = load_settings()
    provisioner = choose_provisioner(settings)
    answering = False
    if provisioner is Provisioner.LOCAL:
        status = LocalNeo4jServer.from_settings(settings).status()
        answering = status.bolt_answering
        state = f"running (pid {status.pid})" if status.running else "stopped"
        out.print(
            f"local Neo4j server: {state}; Bolt {'answers' if answering else 'does not answer'} at {status.uri}"
        )
        out.print(f"home: {status.home}")
    else:
        connection = current_connection(settings)
        try:
            with connected_driver(connection):
                answering = True
        except KGError as error:
            console.print(str(error))
        out.print(f"{provisioner.value} Neo4j at {connection.uri}: {'up' if answering else 'down'}")
    if not answering:
        raise typer.Exit(3)


@db_app.command("env")
@friendly_errors
def db_env() -> None:
    """Print `export NEO4J_URI=... NEO4J_USER=... NEO4J_PASSWORD=...` for the server kg uses.

    Example: eval "$(kg db env)"
    """
    out.print(current_connection(load_settings()).export_lines(), highlight=False, soft_wrap=True)


@db_app.command("install")
@friendly_errors
def db_install() -> None:
    """Resolve the local Neo4j runtime with Maven (no-op when cached). `kg db start` does this too."""
    settings = load_settings()
    server = LocalNeo4jServer.from_settings(settings, notify=lambda message: console.print(message))
    with console.status("Resolving the Neo4j runtime..."):
        classpath = server.ensure_runtime()
    console.print(f"Neo4j runtime ready: {len(classpath.split(':'))} jars.")


@db_app.command("migrate")
@friendly_errors
def db_migrate() -> None:
    """Create every missing constraint and index (idempotent) and record the schema version."""
    from schema import apply_schema

    connection = current_connection(load_settings())
    with connected_driver(connection) as driver:
        report = apply_schema(driver, connection.database)
    console.print(
        f"Schema version {report.version}: {len(report.created)} created, {len(report.existing)} already present."
    )
    for name in report.created:
        console.print(f"  + {name}")


@db_app.command("reset")
@friendly_errors
def db_reset(
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm: delete every node, relationship and index.")
    ] = False,
) -> None:
    """Delete everything in the database (nodes, relationships, constraints, indexes). Needs --yes."""
    from queries.admin import wipe_database

    if not yes:
        console.print("Refusing to wipe the database without --yes.")
        raise typer.Exit(2)
    connection = current_connection(load_settings())
    with connected_driver(connection) as driver:
        deleted = wipe_database(driver, connection.database)
    console.print(f"Wiped {connection.uri}: {deleted} nodes deleted, constraints and indexes dropped.")


# ------------------------------------------------------------------------------------------------------ import


@import_app.command("all")
@friendly_errors
def import_all() -> None:
    """Run every registered importer in order (what `make run` does)."""
    from importers import registry

    settings = load_settings()
    connection = current_connection(settings)
    with connected_driver(connection) as driver:
        for name, importer in registry(settings.seed_documents).items():
            with console.status(f"Importing {name}..."):
                report = importer(driver, connection.database)
            _print_report(report)
        _refresh_embeddings(driver, connection.database)


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
) -> None:
    """Load the seed knowledge base (five source documents) with provenance on every fact.

    Validates every file first (a malformed entry names file, line, entry and field), checks each quote
    against its document, then loads everything in one transaction. Running it twice changes nothing.
    """
    from importers.seed import DATA_DIR, DEFAULT_DOCUMENTS_DIR, import_seed, plan, read_dataset, verify_quotes

    settings = load_settings()
    documents_dir = documents or settings.seed_documents or DEFAULT_DOCUMENTS_DIR
    if check:
        dataset = read_dataset(data_dir or DATA_DIR)
        seed_plan = plan(dataset, verify_quotes(dataset, documents_dir))
        nodes = sum(len(rows) for rows in seed_plan.nodes.values())
        rels = sum(len(rows) for rows in seed_plan.relationships.values())
        console.print(
            f"Seed dataset valid: {len(seed_plan.sources)} documents, {nodes} nodes, {rels} relationships."
        )
        return
    connection = current_connection(settings)
    with connected_driver(connection) as driver:
        with console.status("Importing the seed knowledge base..."):
            report = import_seed(driver, connection.database, data_dir or DATA_DIR, documents_dir)
        _print_report(report)
        _refresh_embeddings(driver, connection.database)


def _refresh_embeddings(driver: Driver, database: str | None) -> None:
    """Embed new or reworded challenges for semantic matching (skipped, with a hint, without the model)."""
    from kg.embeddings import SentenceEmbedder, model_is_installed
    from kg.replication import refresh_challenge_embeddings

    directory = load_settings().model_dir
    if not model_is_installed(directory):
        console.print("Semantic matching is off until the model is installed: run `kg model install`.")
        return
    with console.status("Embedding challenges..."):
        count = refresh_challenge_embeddings(driver, SentenceEmbedder.load(directory), database)
    console.print(f"Embedded {count} new or reworded challenges.")


def _print_report(report: ImportReport) -> None:
    _print_import_report(report.importer, report.nodes_created, report.nodes_matched, "nodes")
    _print_import_report(
        report.importer, report.relationships_created, report.relationships_matched, "relationships"
    )
    for conflict in report.conflicts:
        console.print(f"kept a curator's edit instead of the import's value: {conflict}")
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


# ------------------------------------------------------------------------------------------------------ keys


@app.command("api-key")
@friendly_errors
def api_key(
    name: Annotated[str, typer.Option(help="Who or what uses the key (recorded on every change it makes).")],
    role: Annotated[str, typer.Option(help="reader, curator or admin.")] = "reader",
) -> None:
    """Create an API key: prints the key once, and the KG_API_KEYS entry (a hash) to add to the settings."""
    from kg.apikeys import Role, new_key

    try:
        chosen = Role[role.upper()]
    except KeyError as error:
        raise KGError(f"unknown role {role!r}: reader, curator or admin") from error
    if ":" in name or not name.strip():
        raise KGError("a key name cannot be empty or contain ':'")
    key, entry = new_key(name, chosen)
    console.print("The key (shown once; send it as 'Authorization: Bearer <key>'):")
    out.print(key, highlight=False)
    console.print("Add this entry to KG_API_KEYS (a JSON list), e.g. KG_API_KEYS='[\"...\"]':")
    out.print(entry, highlight=False)


# ------------------------------------------------------------------------------------------------------ serve


@app.command("serve")
@friendly_errors
def serve(
    host: Annotated[
        str | None, typer.Option(help="Interface to bind (default KG_API_HOST, 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default KG_API_PORT, 8000).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes; the API is stateless.")] = 1,
) -> None:
    """Serve the HTTP API (GET /healthz) with uvicorn."""
    import uvicorn

    settings = load_settings()
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host or settings.api_host,
        port=port or settings.api_port,
        workers=workers,
    )
