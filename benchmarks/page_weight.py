"""Page weight and time to first render of the home page and a city view, in Debian's headless Chromium.

    python -m benchmarks.page_weight [--samples 5]

On a throwaway Neo4j with the seed imported, the real app served by uvicorn on 127.0.0.1. Each sample is a new
browser context (a cold cache): the bytes the page and its assets weigh (resource timing, uncompressed on
loopback), the first contentful paint, and the time until the page's script says it has drawn its data.
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from typing import Any

import uvicorn
from playwright.sync_api import Browser, sync_playwright

from api.app import create_app
from benchmarks.common import throwaway_neo4j
from importers.seed import import_seed
from kg.core.settings import Settings
from kg.provisioning.tools import find_free_port
from kg.replication import refresh_challenge_embeddings

CHROMIUM = "/usr/bin/chromium"
# As the machine notes say: without the background-networking flags Chromium reaches for Google's hosts.
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGES = {
    "home": ("/", "#kg-map[data-ready='true']"),
    "city view": ("/views/city/lyon", "#kg-view[data-ready='true']"),
}
MEASURE = """() => {
  const entries = performance.getEntriesByType("resource").concat(performance.getEntriesByType("navigation"));
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  return {bytes: entries.reduce((sum, e) => sum + (e.decodedBodySize || 0), 0), requests: entries.length,
          fcp: paint ? paint.startTime : null};
}"""


def sample(browser: Browser, url: str, ready: str) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(ready, timeout=60_000)
    drawn_ms = (time.perf_counter() - start) * 1000
    figures: dict[str, Any] = page.evaluate(MEASURE)
    context.close()
    return {**figures, "drawn": drawn_ms}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=5)
    args = parser.parse_args()
    with throwaway_neo4j() as bench:
        import_seed(bench.db)
        refresh_challenge_embeddings(bench.db, bench.embedder)
        os.environ.update(bench.connection.environment())  # the app below reads its settings from there
        port = find_free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(Settings()), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            print(
                f"{'page':<10} {'weight':>10} {'requests':>9} {'first paint':>12} {'data drawn':>11}  (medians of {args.samples})"
            )
            for name, (path, ready) in PAGES.items():
                sample(browser, f"http://127.0.0.1:{port}{path}", ready)  # warm the server, not the browser
                runs = [sample(browser, f"http://127.0.0.1:{port}{path}", ready) for _ in range(args.samples)]
                weight = statistics.median(r["bytes"] for r in runs) / 1024
                requests = statistics.median(r["requests"] for r in runs)
                fcp = statistics.median(r["fcp"] for r in runs if r["fcp"] is not None)
                drawn = statistics.median(r["drawn"] for r in runs)
                print(f"{name:<10} {weight:>7,.0f} kB {requests:>9.0f} {fcp:>9,.0f} ms {drawn:>8,.0f} ms")
            browser.close()
        server.should_exit = True
        thread.join(timeout=10)


if __name__ == "__main__":
    main()
