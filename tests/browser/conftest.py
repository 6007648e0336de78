"""Browser tests: the real app served by uvicorn on 127.0.0.1, driven in Debian's headless Chromium by
Playwright's Python API (its own browser download is never used). Every request the page makes is watched: one
that would leave 127.0.0.1 is aborted and fails the test, as does any console error (a CSP refusal included).
Each test saves a screenshot under tests/browser/screenshots/ (git-ignored)."""

from __future__ import annotations

import functools
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Dialog,
    Page,
    Playwright,
    Request,
    Route,
    sync_playwright,
)

from api.app import create_app
from benchmarks.page_weight import ARGS as CHROMIUM_ARGS  # the flags that keep Chromium off the network
from kg.core.connection import Neo4jConnection
from kg.core.database import Database
from kg.core.settings import Settings
from kg.embeddings import SentenceEmbedder
from kg.provisioning.tools import find_free_port
from tests.conftest import point_at
from tests.seeding import seeded

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
XSS_NAME = "<img src=x onerror=alert(1)>"


DASHBOARD_PAGE = """<!doctype html><html><body><h1>A city dashboard</h1>
<iframe id="kg" src="{src}" width="1000" height="800"></iframe>
<script>window.kgMessages = []; window.addEventListener("message", (e) => window.kgMessages.push(e.data));</script>
</body></html>"""


@pytest.fixture(scope="module")
def dashboard_port() -> int:
    return find_free_port()


@pytest.fixture(scope="module")
def live_url(
    dashboard_port: int,
    session_db: Database,
    neo4j_connection: Neo4jConnection,
    embedder: SentenceEmbedder,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """The seed (with one hostile name) behind the real app, served over real HTTP on a free loopback port."""
    seeded(session_db, "seed", "embeddings", embedder=embedder)
    session_db.write(
        "MATCH (p:Project {uid: 'smarter-together'}) "
        "CREATE (c:City {uid: 'xss-town', name: $name, aliases: [], latitude: 48.0, longitude: 2.0})"
        "-[:PARTICIPATES_IN {role: 'follower', source_ids: ['smarter-together-d211'], quotes: [$name]}]->(p)",
        name=XSS_NAME,
    )
    with pytest.MonkeyPatch.context() as patch:
        point_at(patch, neo4j_connection, tmp_path_factory.mktemp("browser"))
        patch.setenv("KG_MODEL_DIR", str(embedder.model_directory))
        patch.setenv("KG_VIEW_FRAME_ANCESTORS", f'["\'self\'", "http://127.0.0.1:{dashboard_port}"]')
        app = create_app(Settings())
        port = find_free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while not server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the app did not start within 30 s")
            time.sleep(0.05)
        assert httpx.get(f"{url}/healthz").status_code == 200
        yield url
        server.should_exit = True
        thread.join(timeout=10)


# Module-scoped, not session: Playwright's sync API runs an event loop on the main thread while it is open, and
# tests that follow in the same process (any order, any worker) call asyncio.run().
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists() or shutil.which("chromium") is None:
        pytest.fail("Debian's chromium is not installed: `make test` installs it (apt-get install chromium)")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


class Watch:
    """What a page asked for outside the app, and what its console complained about."""

    def __init__(self) -> None:
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []

    def route(self, route: Route, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob") or parts.hostname in LOCAL_HOSTS:
            route.continue_()
            return
        self.outside.append(request.url)
        route.abort()

    def dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    watch = Watch()
    context.route("**/*", watch.route)
    opened = context.new_page()
    opened.on("console", watch.console)
    opened.on("pageerror", lambda error: watch.errors.append(str(error)))
    opened.on("dialog", watch.dialog)
    yield opened
    SCREENSHOTS.mkdir(exist_ok=True)
    opened.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert watch.outside == [], f"requests that left 127.0.0.1: {watch.outside}"
    assert watch.dialogs == [], f"a script ran: {watch.dialogs}"
    assert watch.errors == [], f"console errors: {watch.errors}"


@pytest.fixture(scope="module")
def dashboard_url(
    live_url: str, dashboard_port: int, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Another site (another port) that embeds a view in an iframe and listens to its postMessage events."""
    root = tmp_path_factory.mktemp("dashboard")
    (root / "index.html").write_text(
        DASHBOARD_PAGE.format(src=f"{live_url}/views/city/lyon"), encoding="utf-8"
    )
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", dashboard_port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{dashboard_port}/index.html"
    server.shutdown()
