"""Backups of the local server in Neo4j's own dump format: ``neo4j-admin database dump`` and ``load``, run from
the same jars as the server (``org.neo4j.cli.AdminTool``).

The community edition dumps and loads only a stopped database, so both stop the server first and start it again
afterwards when it was running. (An external or Docker server is backed up as kg-json by ``kg db dump``.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kg.provisioning.base import Notify, ProvisioningError, quiet
from kg.provisioning.local import LocalNeo4jServer

ADMIN_TOOL = "org.neo4j.cli.AdminTool"
DATABASE = "neo4j"  # the community edition's one user database
ADMIN_TIMEOUT_S = 1800.0


@dataclass(frozen=True)
class BackupResult:
    path: Path
    bytes: int
    restarted: bool  # the server was running, was stopped for the dump or load, and runs again


def dump_local(server: LocalNeo4jServer, target: Path, notify: Notify = quiet) -> BackupResult:
    """Write the database to ``target`` (a ``.dump`` file); stops and restarts the server around it."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    with _stopped(server, notify) as was_running, tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        _admin(server, "database", "dump", DATABASE, f"--to-path={scratch}", "--overwrite-destination=true")
        shutil.move(Path(scratch) / f"{DATABASE}.dump", target)
    return BackupResult(target, target.stat().st_size, was_running)


def load_local(server: LocalNeo4jServer, source: Path, notify: Notify = quiet) -> BackupResult:
    """Replace the database with the dump ``source``; stops the server, loads, starts it again."""
    source = source.resolve()
    if not source.is_file():
        raise ProvisioningError(f"{source}: no such dump file")
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / f"{DATABASE}.dump").symlink_to(source)  # the tool reads <database>.dump in a folder
        with _stopped(server, notify, restart_always=True) as was_running:
            _admin(
                server, "database", "load", DATABASE, f"--from-path={scratch}", "--overwrite-destination=true"
            )
    return BackupResult(source, source.stat().st_size, was_running)


@contextmanager
def _stopped(server: LocalNeo4jServer, notify: Notify, restart_always: bool = False) -> Iterator[bool]:
    """Stop the server for the block (saying why) and start it again after: when it ran, or always."""
    was_running = server.running_pid() is not None
    if was_running:
        notify("The community edition dumps and loads only a stopped database: stopping Neo4j.")
        server.stop()
    try:
        yield was_running
    finally:
        if was_running or restart_always:
            notify("Starting Neo4j again.")
            server.start()


def _admin(server: LocalNeo4jServer, *arguments: str) -> None:
    java = server.check_tools()
    classpath = server.ensure_runtime()
    environment = {**os.environ, "NEO4J_HOME": str(server.home), "NEO4J_CONF": str(server.conf_dir)}
    command = [java, "-cp", classpath, ADMIN_TOOL, *arguments]
    try:
        finished = subprocess.run(
            command, env=environment, capture_output=True, text=True, timeout=ADMIN_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise ProvisioningError(f"neo4j-admin {' '.join(arguments[:2])} did not finish in time") from error
    if finished.returncode != 0:
        tail = (finished.stderr or finished.stdout).strip().splitlines()[-5:]
        raise ProvisioningError(f"neo4j-admin {' '.join(arguments[:2])} failed: " + " | ".join(tail))
