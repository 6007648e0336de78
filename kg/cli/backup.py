"""`kg db dump` / `kg db load`: back the database up and restore it.

The local server is dumped in Neo4j's own format (neo4j-admin, from the server's jars; the community edition
needs the server stopped, so kg stops it, dumps and starts it again, and says so). An external or Docker server is
dumped as kg-json: every node, relationship, property, provenance and embedding, through kg's export, and loaded
back through kg's loader (the challenges' similarities are recomputed, as after every import).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from importers.kgjson import import_kgjson
from kg.cli.common import connected, console, friendly_errors, load_settings
from kg.cli.imports import print_report, refresh_embeddings
from kg.core.errors import ConflictError, InvalidInputError
from kg.core.settings import Settings
from kg.export import SelectionRequest, select, to_networkx, write
from kg.provisioning import LocalNeo4jServer, provider_for
from kg.provisioning.backup import dump_local, load_local
from queries.admin import wipe_database
from queries.system import count_all_nodes
from schema import apply_schema

DUMP_SUFFIX = ".dump"
KGJSON_SUFFIX = ".kg.json"


def _default_target(settings: Settings, suffix: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return settings.home.resolve() / "backups" / f"kg-{stamp}{suffix}"


@friendly_errors
def db_dump(
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="The backup file (default: KG_HOME/backups/kg-<UTC time>.dump; .kg.json off the local server).",
        ),
    ] = None,
) -> None:
    """Back the database up: a Neo4j dump of the local server (stopped for the dump, then started again), kg-json
    of an external or Docker server. `kg db load FILE` restores either.

    Examples:
      kg db dump                          # .kg/backups/kg-20261201T120000Z.dump
      kg db dump -o before-cordis.dump
    """
    settings = load_settings()
    provider = provider_for(settings)
    if isinstance(provider, LocalNeo4jServer):
        target = output or _default_target(settings, DUMP_SUFFIX)
        result = dump_local(provider, target, notify=console.print)
        console.print(f"Dumped the database to {result.path} ({result.bytes:,} bytes, Neo4j dump format).")
        return
    target = output or _default_target(settings, KGJSON_SUFFIX)
    console.print(
        f"The {provider.kind.value} server is backed up as kg-json (neo4j-admin needs a local server)."
    )
    with connected(settings) as db, console.status("Reading the whole graph..."):
        selection = SelectionRequest.parse(with_embeddings=True).selection()
        graph = to_networkx(select(db, selection, settings.export_max_nodes))
    target.parent.mkdir(parents=True, exist_ok=True)
    with console.status(f"Writing {target}..."):
        write(graph, "kg-json", target)
    console.print(
        f"Dumped {graph.number_of_nodes():,} nodes and {graph.number_of_edges():,} relationships to {target} "
        f"({target.stat().st_size:,} bytes, kg-json)."
    )


@friendly_errors
def db_load(
    file: Annotated[Path, typer.Argument(help="A backup: a .dump (local server) or a .kg.json file.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that holds data (its contents are lost).")
    ] = False,
) -> None:
    """Restore a backup made by `kg db dump`, replacing the database. A database that holds data is replaced only
    with --force.

    Examples:
      kg db load .kg/backups/kg-20261201T120000Z.dump --force
      kg db load backup.kg.json           # into an empty database
    """
    settings = load_settings()
    if not file.is_file():
        raise InvalidInputError(f"{file}: no such backup file")
    with connected(settings) as db:
        nodes = count_all_nodes(db)
    if nodes and not force:
        raise ConflictError(f"the database holds {nodes:,} nodes; add --force to replace them with {file}")
    if file.name.endswith(DUMP_SUFFIX):
        _load_dump(settings, file)
    elif file.name.endswith(KGJSON_SUFFIX) or file.suffix == ".json":
        _load_kgjson(settings, file)
    else:
        raise InvalidInputError(f"{file}: a backup is a {DUMP_SUFFIX} or a {KGJSON_SUFFIX} file")


def _load_dump(settings: Settings, file: Path) -> None:
    provider = provider_for(settings)
    if not isinstance(provider, LocalNeo4jServer):
        raise InvalidInputError(
            f"{file} is a Neo4j dump: kg loads dumps into its local server only; for a {provider.kind.value} "
            f"server use neo4j-admin (or Aura's import), or restore a {KGJSON_SUFFIX} backup"
        )
    load_local(provider, file, notify=console.print)
    with connected(settings) as db:
        console.print(f"Loaded {file}: {count_all_nodes(db):,} nodes.")


def _load_kgjson(settings: Settings, file: Path) -> None:
    with connected(settings) as db:
        with console.status("Emptying the database..."):
            wipe_database(db)
            apply_schema(db)
        report = import_kgjson(db, file)
        print_report(report)
        refresh_embeddings(db, settings)


__all__ = ["db_dump", "db_load"]
