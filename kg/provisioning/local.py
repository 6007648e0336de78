"""The local Neo4j 5.26 community server: jars from Maven Central, run with the machine's Java 17.

Maven resolves ``org.neo4j:neo4j`` and ``org.neo4j.app:neo4j-server`` from the pom in ``kg/resources``; kg writes a
``neo4j.conf`` (loopback only, bounded memory) and runs ``CommunityEntryPoint`` with the JVM options of the
official distribution. Conf, data, logs and the password generated on first start live under ``KG_HOME/neo4j``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import time
from importlib import resources
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, ServiceUnavailable

from kg.core.connection import Neo4jConnection
from kg.core.locks import file_lock
from kg.core.settings import NEO4J_VERSION, Provisioner, Settings
from kg.provisioning.base import (
    Notify,
    PortInUseError,
    ProvisioningError,
    ServerExitedError,
    ServerStartError,
    ServerStatus,
    StartResult,
    ToolMissingError,
    quiet,
)
from kg.provisioning.tools import (
    DEFAULT_PASSWORD,
    DEFAULT_USER,
    find_java,
    generate_password,
    java_major_version,
    port_is_open,
    read_credentials,
    wait_for_bolt,
    write_credentials,
)

ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
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


class LocalNeo4jServer:
    """A Neo4j community server run from Maven Central jars with the machine's Java (a ``Provider``).

    Example:
        >>> server = LocalNeo4jServer(home=Path(".kg/neo4j"), runtime_dir=Path(".kg/runtime"), bolt_port=7687)
        >>> connection = server.start().connection  # doctest: +SKIP
    """

    kind = Provisioner.LOCAL

    def __init__(
        self,
        home: Path,
        runtime_dir: Path,
        bolt_port: int,
        heap_size: str = "1g",
        pagecache_size: str = "512m",
        start_timeout_s: float = 120.0,
        maven_repo_local: Path | None = None,
        notify: Notify = quiet,
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
    def from_settings(cls, settings: Settings, notify: Notify = quiet) -> LocalNeo4jServer:
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
        # Servers sharing a runtime folder (test workers, two `kg db start`) resolve it once: Maven's local
        # repository is not safe for two concurrent writers.
        with file_lock(self.runtime_dir / ".resolve.lock"):
            return self._resolve_runtime()

    def _resolve_runtime(self) -> str:
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
            # Cypher may not read the server's files (LOAD CSV FROM 'file:///...'): kg never needs it.
            "dbms.security.allow_csv_import_from_file_urls=false",
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

    def _lock(self) -> contextlib.AbstractContextManager[None]:
        return file_lock(self.home / "run" / "kg.lock")

    def status(self) -> ServerStatus:
        pid = self.running_pid()
        answering = pid is not None and port_is_open("127.0.0.1", self.bolt_port)
        return ServerStatus(
            provider=self.kind,
            running=pid is not None,
            uri=self.uri,
            bolt_answering=answering,
            pid=pid,
            home=self.home,
        )

    def connection(self) -> Neo4jConnection:
        """The connection of this server from its stored credentials (does not start it)."""
        credentials = read_credentials(self.credentials_file)
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
            process = self._spawn(java, classpath)
            try:
                connection = self._await_ready(process)
            except Exception:
                self._terminate(process.pid, timeout_s=15)
                raise
            return StartResult(connection, process.pid, already_running=False)

    def _clear_stale_pid_file(self) -> None:
        stale = self._read_pid()
        if stale is not None or self.pid_file.exists():
            self.notify(
                f"Removed a stale pid file ({self.pid_file}): process {stale} is not a running kg Neo4j."
            )
            self.pid_file.unlink(missing_ok=True)

    def _spawn(self, java: str, classpath: str) -> subprocess.Popen[bytes]:
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
        return process

    def _await_ready(self, process: subprocess.Popen[bytes]) -> Neo4jConnection:
        # Our own child: its exit status says whether it runs, and how it ended (running_pid() must read /proc
        # for a pid file; here there is no need to guess from a command line).
        def alive() -> bool:
            return process.poll() is None

        deadline = time.monotonic() + self.start_timeout_s
        while not port_is_open("127.0.0.1", self.bolt_port):
            if not alive():
                raise ServerExitedError(
                    f"Neo4j exited during start-up ({_exit_status(process.returncode)}). "
                    f"Last log lines:\n{self._log_tail()}"
                )
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
        stored = read_credentials(self.credentials_file)
        if stored is None:
            stored = (DEFAULT_USER, generate_password())
            write_credentials(self.credentials_file, *stored)
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


def _exit_status(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit status {code}"
