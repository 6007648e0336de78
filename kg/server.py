"""Neo4j provisioning: an external server, a Docker container, or a local community server from Maven Central.

The order (``Provisioner.AUTO``): ``NEO4J_URI`` if set, else Docker when an engine answers, else a local
Neo4j 5.26 community server whose jars Maven resolves from the pom in ``kg/resources`` and which runs with the
machine's Java 17. The local server's conf, data, logs and generated password live under ``KG_HOME/neo4j``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, ServiceUnavailable

from kg.errors import PortInUseError, ProvisioningError, ServerStartError, ToolMissingError
from kg.settings import NEO4J_VERSION, Provisioner, Settings

ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
DEFAULT_USER = "neo4j"
DEFAULT_PASSWORD = "neo4j"  # what a fresh Neo4j server accepts once, before kg replaces it
MIN_JAVA_MAJOR = 17

# The JVM options the official Neo4j 5.26 distribution passes (server.jvm.additional in its default
# neo4j.conf). CommunityEntryPoint does not read them itself, so we hand them to java directly.
DISTRIBUTION_JVM_OPTIONS: tuple[str, ...] = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+AlwaysPreTouch",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.tls.ephemeralDHKeySize=2048",
    "-Djdk.tls.rejectClientInitiatedRenegotiation=true",
    "-XX:FlightRecorderOptions=stackdepth=256",
    "-XX:+UnlockDiagnosticVMOptions",
    "-XX:+DebugNonSafepoints",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Dlog4j2.disable.jmx=true",
    "-Dlog4j.layout.jsonTemplate.maxStringLength=32768",
)

INSTALL_HELP = (
    "kg needs a Neo4j server and found no way to provide one. Either point it at an existing server "
    "(export NEO4J_URI=neo4j://host:7687 NEO4J_USER=neo4j NEO4J_PASSWORD=...; Aura URIs neo4j+s://... work too), "
    "or start a Docker engine (kg then runs the neo4j service of docker-compose.yml), or install Java 17+ and "
    "Maven 3 (Debian/Ubuntu: apt-get install openjdk-17-jre-headless maven), from which kg builds a local "
    "Neo4j {version} community server out of Maven Central artifacts. Missing here: {missing}."
)

Notify = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True)
class Neo4jConnection:
    """Where and how to reach a Neo4j server."""

    uri: str
    user: str
    password: str = field(repr=False)
    database: str | None = None
    provisioner: Provisioner = Provisioner.EXTERNAL

    @property
    def auth(self) -> tuple[str, str]:
        return (self.user, self.password)

    def export_lines(self) -> str:
        """Shell lines that point another process at this server."""
        lines = [
            f"export NEO4J_URI={_shell_quote(self.uri)}",
            f"export NEO4J_USER={_shell_quote(self.user)}",
            f"export NEO4J_PASSWORD={_shell_quote(self.password)}",
        ]
        if self.database:
            lines.append(f"export NEO4J_DATABASE={_shell_quote(self.database)}")
        return "\n".join(lines)


def _shell_quote(value: str) -> str:
    return "'" + value.replace("'", "'\"'\"'") + "'"


# --------------------------------------------------------------------------------------------------------------
# Helpers shared by the provisioners


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


def wait_for_bolt(
    connection: Neo4jConnection, timeout_s: float, alive: Callable[[], bool] | None = None
) -> None:
    """Block until the server accepts a query with these credentials, or raise ServerStartError."""
    deadline = time.monotonic() + timeout_s
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if alive is not None and not alive():
            raise ServerStartError("the Neo4j process exited while starting")
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


def _read_credentials(path: Path) -> tuple[str, str] | None:
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return str(data["user"]), str(data["password"])


def _write_credentials(path: Path, user: str, password: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"user": user, "password": password}, handle)
    temporary.replace(path)


def generate_password() -> str:
    return secrets.token_urlsafe(24)


# --------------------------------------------------------------------------------------------------------------
# The local community server


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    pid: int | None
    uri: str
    bolt_answering: bool
    home: Path


@dataclass(frozen=True)
class StartResult:
    connection: Neo4jConnection
    pid: int
    already_running: bool


class LocalNeo4jServer:
    """A Neo4j community server run from Maven Central jars with the machine's Java.

    Example:
        >>> server = LocalNeo4jServer(home=Path(".kg/neo4j"), runtime_dir=Path(".kg/runtime"), bolt_port=7687)
        >>> connection = server.start().connection  # doctest: +SKIP
    """

    def __init__(
        self,
        home: Path,
        runtime_dir: Path,
        bolt_port: int,
        heap_size: str = "1g",
        pagecache_size: str = "512m",
        start_timeout_s: float = 120.0,
        maven_repo_local: Path | None = None,
        notify: Notify = _quiet,
    ) -> None:
        self.home = home.resolve()
        self.runtime_dir = runtime_dir.resolve()
        self.bolt_port = bolt_port
        self.heap_size = heap_size
        self.pagecache_size = pagecache_size
        self.start_timeout_s = start_timeout_s
        self.maven_repo_local = maven_repo_local.resolve() if maven_repo_local else None
        self.notify = notify

    @classmethod
    def from_settings(cls, settings: Settings, notify: Notify = _quiet) -> LocalNeo4jServer:
        return cls(
            home=settings.neo4j_home,
            runtime_dir=settings.runtime_dir,
            bolt_port=settings.bolt_port,
            heap_size=settings.heap_size,
            pagecache_size=settings.pagecache_size,
            start_timeout_s=settings.start_timeout_s,
            maven_repo_local=settings.maven_repo_local,
            notify=notify,
        )

    # -- paths ------------------------------------------------------------------------------------------------
    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def conf_dir(self) -> Path:
        return self.home / "conf"

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @property
    def pid_file(self) -> Path:
        return self.home / "run" / "neo4j.pid"

    @property
    def credentials_file(self) -> Path:
        return self.home / "credentials.json"

    # -- runtime (jars) ---------------------------------------------------------------------------------------
    def check_tools(self) -> str:
        """Return the java executable, or raise ToolMissingError naming what to install."""
        missing = []
        java = find_java()
        if java is None:
            missing.append("java (17 or newer)")
        elif java_major_version(java) < MIN_JAVA_MAJOR:
            missing.append(f"Java 17 or newer (found Java {java_major_version(java)} at {java})")
        if not self._classpath_is_cached() and shutil.which("mvn") is None:
            missing.append("mvn (Apache Maven 3)")
        if missing or java is None:
            raise ToolMissingError(INSTALL_HELP.format(version=NEO4J_VERSION, missing=", ".join(missing)))
        return java

    def _pom_text(self) -> str:
        return resources.files("kg.resources").joinpath("neo4j-runtime.pom.xml").read_text(encoding="utf-8")

    def _classpath_file(self) -> Path:
        digest = hashlib.sha256(self._pom_text().encode()).hexdigest()[:16]
        return self.runtime_dir / f"classpath-{digest}.txt"

    def _classpath_is_cached(self) -> bool:
        cached = self._classpath_file()
        if not cached.is_file():
            return False
        return all(
            Path(jar).is_file() for jar in cached.read_text(encoding="utf-8").strip().split(os.pathsep)
        )

    def ensure_runtime(self) -> str:
        """Resolve the Neo4j jars with Maven (first run downloads ~120 MB) and return the classpath."""
        self.check_tools()
        classpath_file = self._classpath_file()
        if self._classpath_is_cached():
            return classpath_file.read_text(encoding="utf-8").strip()
        mvn = shutil.which("mvn")
        if mvn is None:
            raise ToolMissingError(INSTALL_HELP.format(version=NEO4J_VERSION, missing="mvn (Apache Maven 3)"))
        self.runtime_dir.mkdir(parents=True, exist_ok=True)
        pom = self.runtime_dir / "pom.xml"
        pom.write_text(self._pom_text(), encoding="utf-8")
        command = [mvn, "-B", "-q", "-f", str(pom), "dependency:build-classpath"]
        command += [f"-Dmdep.outputFile={classpath_file}", f"-Dmdep.pathSeparator={os.pathsep}"]
        if self.maven_repo_local is not None:
            command.append(f"-Dmaven.repo.local={self.maven_repo_local}")
        self.notify(
            f"Resolving Neo4j {NEO4J_VERSION} with Maven (downloads from Maven Central on first use only)..."
        )
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0 or not classpath_file.is_file():
            tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
            raise ProvisioningError(
                f"Maven could not resolve the Neo4j runtime ({' '.join(command)}):\n{tail}"
            )
        return classpath_file.read_text(encoding="utf-8").strip()

    # -- configuration ----------------------------------------------------------------------------------------
    def config_text(self) -> str:
        lines = [
            "# Written by kg (kg/server.py); regenerated on every start, edit the settings instead.",
            "server.default_listen_address=127.0.0.1",
            "server.default_advertised_address=127.0.0.1",
            "server.bolt.enabled=true",
            f"server.bolt.listen_address=127.0.0.1:{self.bolt_port}",
            "server.bolt.tls_level=DISABLED",
            "server.http.enabled=false",
            "server.https.enabled=false",
            f"server.directories.data={self.home / 'data'}",
            f"server.directories.logs={self.logs_dir}",
            f"server.directories.run={self.home / 'run'}",
            f"server.directories.plugins={self.home / 'plugins'}",
            f"server.directories.import={self.home / 'import'}",
            f"server.memory.heap.initial_size={self.heap_size}",
            f"server.memory.heap.max_size={self.heap_size}",
            f"server.memory.pagecache.size={self.pagecache_size}",
            "dbms.security.auth_enabled=true",
            "dbms.usage_report.enabled=false",
            "db.tx_log.rotation.retention_policy=2 days 512M",
        ]
        lines += [f"server.jvm.additional={option}" for option in DISTRIBUTION_JVM_OPTIONS]
        return "\n".join(lines) + "\n"

    def _write_config(self) -> None:
        for sub in ("conf", "data", "logs", "run", "plugins", "import"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        (self.conf_dir / "neo4j.conf").write_text(self.config_text(), encoding="utf-8")

    def java_command(self, java: str, classpath: str) -> list[str]:
        memory = [f"-Xms{self.heap_size}", f"-Xmx{self.heap_size}"]
        return [
            java,
            *memory,
            *DISTRIBUTION_JVM_OPTIONS,
            "-cp",
            classpath,
            ENTRY_POINT,
            f"--home-dir={self.home}",
            f"--config-dir={self.conf_dir}",
        ]

    # -- process ----------------------------------------------------------------------------------------------
    def _read_pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text(encoding="utf-8").strip())
        except (FileNotFoundError, ValueError):
            return None

    def _is_our_process(self, pid: int) -> bool:
        """Alive (not a zombie) and a CommunityEntryPoint for this home."""
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)  # reap it if it is our exited child
        try:
            stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            return False
        if stat.rsplit(")", 1)[-1].split()[0] in {"Z", "X"}:
            return False
        return ENTRY_POINT in cmdline and f"--home-dir={self.home}" in cmdline

    def running_pid(self) -> int | None:
        pid = self._read_pid()
        return pid if pid is not None and self._is_our_process(pid) else None

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        lock_path = self.home / "run" / "kg.lock"
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with lock_path.open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def status(self) -> ServerStatus:
        pid = self.running_pid()
        answering = pid is not None and port_is_open("127.0.0.1", self.bolt_port)
        return ServerStatus(
            running=pid is not None, pid=pid, uri=self.uri, bolt_answering=answering, home=self.home
        )

    def connection(self) -> Neo4jConnection:
        """The connection of this server from its stored credentials (does not start it)."""
        credentials = _read_credentials(self.credentials_file)
        if credentials is None:
            raise ProvisioningError(
                f"no credentials in {self.credentials_file}: start the server with `kg db start`"
            )
        return Neo4jConnection(self.uri, credentials[0], credentials[1], None, Provisioner.LOCAL)

    def start(self) -> StartResult:
        """Start the server unless it already runs; wait until Bolt answers; set the password on first start."""
        self.home.mkdir(parents=True, exist_ok=True)
        with self._lock():
            running = self.running_pid()
            if running is not None:
                connection = self.connection()
                wait_for_bolt(connection, self.start_timeout_s, alive=lambda: self._is_our_process(running))
                return StartResult(connection, running, already_running=True)
            self._clear_stale_pid_file()
            if port_is_open("127.0.0.1", self.bolt_port):
                raise PortInUseError(
                    f"port {self.bolt_port} on 127.0.0.1 is already in use by another process (not the kg Neo4j "
                    f"server of {self.home}). Stop that process or choose another port: "
                    f"export KG_NEO4J_BOLT_PORT=7688"
                )
            classpath = self.ensure_runtime()
            java = self.check_tools()
            self._write_config()
            pid = self._spawn(java, classpath)
            try:
                connection = self._await_ready(pid)
            except Exception:
                self._terminate(pid, timeout_s=15)
                raise
            return StartResult(connection, pid, already_running=False)

    def _clear_stale_pid_file(self) -> None:
        stale = self._read_pid()
        if stale is not None or self.pid_file.exists():
            self.notify(
                f"Removed a stale pid file ({self.pid_file}): process {stale} is not a running kg Neo4j."
            )
            self.pid_file.unlink(missing_ok=True)

    def _spawn(self, java: str, classpath: str) -> int:
        console = (self.logs_dir / "console.log").open("ab")
        with console:
            process = subprocess.Popen(
                self.java_command(java, classpath),
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                cwd=self.home,
                start_new_session=True,  # outlives `kg db start`; not killed by the terminal's Ctrl-C
            )
        self.pid_file.write_text(str(process.pid), encoding="utf-8")
        return process.pid

    def _await_ready(self, pid: int) -> Neo4jConnection:
        def alive() -> bool:
            return self._is_our_process(pid)

        deadline = time.monotonic() + self.start_timeout_s
        while not port_is_open("127.0.0.1", self.bolt_port):
            if not alive():
                raise ServerStartError(f"Neo4j exited during start-up. Last log lines:\n{self._log_tail()}")
            if time.monotonic() > deadline:
                raise ServerStartError(
                    f"Neo4j did not open Bolt on port {self.bolt_port} within {self.start_timeout_s:.0f}s. "
                    f"Last log lines:\n{self._log_tail()}"
                )
            time.sleep(0.25)
        connection = self._ensure_password()
        wait_for_bolt(connection, max(deadline - time.monotonic(), 5.0), alive=alive)
        return connection

    def _ensure_password(self) -> Neo4jConnection:
        """Replace the initial password of a fresh server with a generated one kept in credentials.json."""
        stored = _read_credentials(self.credentials_file)
        if stored is None:
            stored = (DEFAULT_USER, generate_password())
            _write_credentials(self.credentials_file, *stored)
        connection = Neo4jConnection(self.uri, stored[0], stored[1], None, Provisioner.LOCAL)
        if self._auth_works(connection.auth):
            return connection
        if not self._auth_works((DEFAULT_USER, DEFAULT_PASSWORD)):
            raise ServerStartError(
                f"the stored password in {self.credentials_file} is not accepted by the server in {self.home}. "
                f"If the credentials were lost, stop the server and delete {self.home} to start afresh (data is lost)."
            )
        # Bolt answers before the system database finishes its first start: retry briefly.
        deadline = time.monotonic() + 30
        while True:
            try:
                with GraphDatabase.driver(self.uri, auth=(DEFAULT_USER, DEFAULT_PASSWORD)) as driver:
                    driver.execute_query(
                        "ALTER CURRENT USER SET PASSWORD FROM $old TO $new",
                        old=DEFAULT_PASSWORD,
                        new=stored[1],
                        database_="system",
                    )
                self.notify("Generated the Neo4j password (kept in " + str(self.credentials_file) + ").")
                return connection
            except ServiceUnavailable:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def _auth_works(self, auth: tuple[str, str]) -> bool:
        deadline = time.monotonic() + 30
        while True:
            try:
                with GraphDatabase.driver(self.uri, auth=auth, connection_timeout=2.0) as driver:
                    driver.verify_connectivity()
                return True
            except AuthError:
                return False
            except ServiceUnavailable:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def _log_tail(self, lines: int = 20) -> str:
        parts = []
        for name in ("console.log", "neo4j.log"):
            path = self.logs_dir / name
            if path.is_file():
                tail = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
                parts.append(f"--- {path}\n" + "\n".join(tail))
        return "\n".join(parts) or "(no log written)"

    def stop(self, timeout_s: float = 60.0) -> bool:
        """Stop the server; True if one was running."""
        with self._lock():
            pid = self.running_pid()
            if pid is None:
                self.pid_file.unlink(missing_ok=True)
                return False
            self._terminate(pid, timeout_s)
            return True

    def _terminate(self, pid: int, timeout_s: float) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)  # Neo4j's shutdown hook checkpoints and closes the store
        deadline = time.monotonic() + timeout_s
        while self._is_our_process(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if self._is_our_process(pid):
            self.notify(f"Neo4j (pid {pid}) did not stop within {timeout_s:.0f}s; killing it.")
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            while self._is_our_process(pid):
                time.sleep(0.1)
        self.pid_file.unlink(missing_ok=True)


# --------------------------------------------------------------------------------------------------------------
# Docker (docker-compose.yml's neo4j service)


class DockerNeo4jServer:
    """The ``neo4j`` service of docker-compose.yml, with a generated password kept under KG_HOME."""

    def __init__(
        self, home: Path, compose_file: Path, bolt_port: int = 7687, start_timeout_s: float = 120
    ) -> None:
        self.home = home.resolve()
        self.compose_file = compose_file.resolve()
        self.bolt_port = bolt_port
        self.start_timeout_s = start_timeout_s

    @classmethod
    def from_settings(cls, settings: Settings) -> DockerNeo4jServer:
        return cls(settings.home / "docker", Path("docker-compose.yml"), 7687, settings.start_timeout_s)

    @property
    def credentials_file(self) -> Path:
        return self.home / "credentials.json"

    def compose_command(self, *args: str) -> list[str]:
        docker = shutil.which("docker") or "docker"
        return [docker, "compose", "-f", str(self.compose_file), *args]

    def connection(self) -> Neo4jConnection:
        stored = _read_credentials(self.credentials_file)
        if stored is None:
            stored = (DEFAULT_USER, generate_password())
            _write_credentials(self.credentials_file, *stored)
        return Neo4jConnection(
            f"bolt://127.0.0.1:{self.bolt_port}", stored[0], stored[1], None, Provisioner.DOCKER
        )

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        environment = {**os.environ, "NEO4J_PASSWORD": self.connection().password}
        return subprocess.run(
            self.compose_command(*args), env=environment, capture_output=True, text=True, check=False
        )

    def start(self) -> StartResult:
        connection = self.connection()
        result = self._run("up", "-d", "--wait", "neo4j")
        if result.returncode != 0:
            raise ServerStartError(f"`docker compose up neo4j` failed:\n{result.stderr.strip()}")
        wait_for_bolt(connection, self.start_timeout_s)
        return StartResult(connection, pid=0, already_running=False)

    def stop(self) -> bool:
        return self._run("stop", "neo4j").returncode == 0

    def is_running(self) -> bool:
        result = self._run("ps", "--status", "running", "--quiet", "neo4j")
        return result.returncode == 0 and bool(result.stdout.strip())


# --------------------------------------------------------------------------------------------------------------
# Choosing


def choose_provisioner(settings: Settings) -> Provisioner:
    if settings.provisioner is not Provisioner.AUTO:
        return settings.provisioner
    if settings.neo4j_uri:
        return Provisioner.EXTERNAL
    if docker_engine_available():
        return Provisioner.DOCKER
    return Provisioner.LOCAL


def external_connection(settings: Settings) -> Neo4jConnection:
    if not settings.neo4j_uri:
        raise ProvisioningError(
            "KG_NEO4J_PROVISIONER=external needs NEO4J_URI (and NEO4J_USER, NEO4J_PASSWORD)."
        )
    password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else ""
    return Neo4jConnection(
        settings.neo4j_uri, settings.neo4j_user, password, settings.neo4j_database, Provisioner.EXTERNAL
    )


def current_connection(settings: Settings) -> Neo4jConnection:
    """The connection kg should use now, without starting anything."""
    provisioner = choose_provisioner(settings)
    if provisioner is Provisioner.EXTERNAL:
        return external_connection(settings)
    if provisioner is Provisioner.DOCKER:
        return DockerNeo4jServer.from_settings(settings).connection()
    return LocalNeo4jServer.from_settings(settings).connection()


def provision(settings: Settings, notify: Notify = _quiet) -> Neo4jConnection:
    """Make a Neo4j server available (start it if needed) and return how to reach it."""
    provisioner = choose_provisioner(settings)
    if provisioner is Provisioner.EXTERNAL:
        connection = external_connection(settings)
        wait_for_bolt(connection, timeout_s=min(settings.start_timeout_s, 30.0))
        return connection
    if provisioner is Provisioner.DOCKER:
        return DockerNeo4jServer.from_settings(settings).start().connection
    return LocalNeo4jServer.from_settings(settings, notify).start().connection
