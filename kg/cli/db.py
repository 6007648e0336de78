"""`kg db ...`: provision and manage the Neo4j server."""

from __future__ import annotations

from typing import Annotated

import typer

from kg.cli.backup import db_dump, db_load
from kg.cli.common import connected, console, friendly_errors, load_settings, out
from kg.core.settings import Provisioner
from kg.provisioning import LocalNeo4jServer, current_connection, provider_for, provision
from queries.admin import wipe_database
from schema import apply_schema

db_app = typer.Typer(
    help=(
        "Provision and manage the Neo4j server. Uses NEO4J_URI if set, else the provider the first "
        "`kg db start` chose (remembered in KG_HOME/provider.json), else Docker if an engine answers, else a "
        "local Neo4j community server built from Maven Central (needs Java 17+ and Maven)."
    ),
    no_args_is_help=True,
)


def _notify(message: str) -> None:
    console.print(message)


@db_app.command("start")
@friendly_errors
def db_start() -> None:
    """Start (or reuse) the Neo4j server and wait until Bolt answers; prints the URI. Idempotent."""
    settings = load_settings()
    kind = provider_for(settings).kind
    with console.status(f"Starting Neo4j ({kind.value})..."):
        result = provision(settings, notify=_notify)
    if kind is Provisioner.LOCAL:
        state = "already running" if result.already_running else "started"
        console.print(f"Neo4j {state} (pid {result.pid}, home {settings.neo4j_home}).")
    out.print(result.connection.uri)


@db_app.command("stop")
@friendly_errors
def db_stop() -> None:
    """Stop the Neo4j server kg started (an external server is left alone)."""
    provider = provider_for(load_settings(), notify=_notify)
    if provider.kind is Provisioner.EXTERNAL:
        console.print("NEO4J_URI points at an external server; kg does not stop it.")
        return
    with console.status("Stopping Neo4j..."):
        stopped = provider.stop()
    console.print(f"Neo4j ({provider.kind.value}) stopped." if stopped else "Neo4j was not running.")


@db_app.command("status")
@friendly_errors
def db_status() -> None:
    """Say which server kg uses and whether it answers. Exit code 0 if it answers, 3 if not."""
    status = provider_for(load_settings()).status()
    state = "running" + (f" (pid {status.pid})" if status.pid else "") if status.running else "stopped"
    answers = "answers" if status.bolt_answering else "does not answer"
    out.print(f"{status.provider.value} Neo4j server: {state}; Bolt {answers} at {status.uri}")
    if status.home is not None:
        out.print(f"home: {status.home}")
    if not status.bolt_answering:
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
    server = LocalNeo4jServer.from_settings(load_settings(), notify=_notify)
    with console.status("Resolving the Neo4j runtime..."):
        classpath = server.ensure_runtime()
    console.print(f"Neo4j runtime ready: {len(classpath.split(':'))} jars.")


@db_app.command("migrate")
@friendly_errors
def db_migrate() -> None:
    """Create every missing constraint and index (idempotent) and record the schema version."""
    with connected() as db:
        report = apply_schema(db)
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
    if not yes:
        console.print("Refusing to wipe the database without --yes.")
        raise typer.Exit(2)
    with connected() as db:
        deleted = wipe_database(db)
        console.print(f"Wiped {db.uri}: {deleted} nodes deleted, constraints and indexes dropped.")


db_app.command("dump")(db_dump)
db_app.command("load")(db_load)
