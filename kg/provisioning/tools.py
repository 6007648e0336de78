"""Helpers the providers share: ports, waiting for Bolt, finding Java and Docker, stored credentials."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, ServiceUnavailable

from kg.core.connection import Neo4jConnection
from kg.provisioning.base import ServerExitedError, ServerStartError, ToolMissingError

DEFAULT_USER = "neo4j"
DEFAULT_PASSWORD = "neo4j"  # what a fresh Neo4j server accepts once, before kg replaces it


def port_is_open(host: str, port: int, timeout_s: float = 0.5) -> bool:
    """True if something accepts TCP connections on host:port."""
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout_s):
        return True
    return False


def find_free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def bolt_answers(connection: Neo4jConnection, timeout_s: float = 3.0) -> bool:
    """True when the server accepts these credentials now (one attempt)."""
    try:
        with GraphDatabase.driver(
            connection.uri, auth=connection.auth, connection_timeout=timeout_s
        ) as driver:
            driver.verify_connectivity()
    except (ServiceUnavailable, AuthError, OSError):
        return False
    return True


def wait_for_bolt(
    connection: Neo4jConnection, timeout_s: float, alive: Callable[[], bool] | None = None
) -> None:
    """Block until the server accepts a query with these credentials, or raise ServerStartError."""
    deadline = time.monotonic() + timeout_s
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if alive is not None and not alive():
            raise ServerExitedError("the Neo4j process exited while starting")
        try:
            with GraphDatabase.driver(connection.uri, auth=connection.auth, connection_timeout=2.0) as driver:
                driver.verify_connectivity()
            return
        except (ServiceUnavailable, OSError) as error:
            last_error = error
        time.sleep(0.5)
    raise ServerStartError(f"Neo4j at {connection.uri} did not answer within {timeout_s:.0f}s: {last_error}")


def docker_engine_available(timeout_s: float = 5.0) -> bool:
    """True when a Docker engine answers (the docker CLI alone, without an engine, does not count)."""
    docker = shutil.which("docker")
    if docker is None:
        return False
    try:
        result = subprocess.run(
            [docker, "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            timeout=timeout_s,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0 and bool(result.stdout.strip())


def find_java() -> str | None:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    return shutil.which("java")


def java_major_version(java: str) -> int:
    result = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if match is None:
        raise ToolMissingError(
            f"could not read the Java version from `{java} -version`: {result.stderr.strip()}"
        )
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def read_credentials(path: Path) -> tuple[str, str] | None:
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return str(data["user"]), str(data["password"])


def write_credentials(path: Path, user: str, password: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"user": user, "password": password}, handle)
    temporary.replace(path)


def generate_password() -> str:
    return secrets.token_urlsafe(24)
