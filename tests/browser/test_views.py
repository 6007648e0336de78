"""The pages in real headless Chromium: node counts against independent Cypher, expanding a neighbour, the
map's geography, GraphiQL offline, an XSS name kept inert, German headings, the table beside the canvas."""

from __future__ import annotations

import httpx
from neo4j import Driver
from playwright.sync_api import Page, expect

from kg.core.database import Database
from tests.browser.conftest import XSS_NAME
from tests.integration.test_export import CITY, PROJECT, gids, with_sources

READY = "[data-ready='true']"


def open_view(page: Page, url: str) -> int:
    page.goto(url)
    page.wait_for_selector(f"#kg-view{READY}", timeout=30_000)
    return int(page.get_attribute("#kg-view", "data-nodes") or 0)


def expected(driver: Driver, query: str, uid: str) -> set[str]:
    return with_sources(driver, gids(driver, query, uid=uid))


def test_a_city_view_shows_the_nodes_cypher_counts(page: Page, live_url: str, session_db: Database) -> None:
    shown = open_view(page, f"{live_url}/views/city/lyon")
    nodes = expected(session_db.driver, CITY, "lyon")
    assert shown == len(nodes)
    assert set(page.evaluate("window.kgView.cy.nodes().map((n) => n.id())")) == nodes
    expect(page.locator("#kg-count")).to_contain_text(f"{len(nodes)} nodes")


def test_a_project_view_and_its_table_list_the_same_nodes(
    page: Page, live_url: str, session_db: Database
) -> None:
    shown = open_view(page, f"{live_url}/views/project/smarter-together")
    nodes = expected(session_db.driver, PROJECT, "smarter-together")
    assert shown == len(nodes)
    table = set(page.eval_on_selector_all("#kg-node-rows tr", "rows => rows.map((r) => r.dataset.id)"))
    canvas = set(page.evaluate("window.kgView.cy.nodes().map((n) => n.id())"))
    assert table == canvas == nodes


def test_a_click_expands_a_neighbour(page: Page, live_url: str) -> None:
    before = open_view(page, f"{live_url}/views/city/lyon")
    # The force-directed layout starts at random: the project may sit under Lyon. Drag it (as a user would)
    # to the canvas's top-left corner, which the layout's padding leaves empty, then click it there.
    position = page.evaluate(
        "(() => { const n = window.kgView.cy.getElementById('Project:smarter-together');"
        " n.renderedPosition({x: 10, y: 10});"
        " const box = document.getElementById('kg-canvas').getBoundingClientRect();"
        " const p = n.renderedPosition(); return [box.left + p.x, box.top + p.y]; })()"
    )
    page.mouse.click(position[0], position[1])
    page.wait_for_selector("#kg-view[data-expanded='Project:smarter-together']", timeout=30_000)
    after = int(page.get_attribute("#kg-view", "data-nodes") or 0)
    assert after > before
    expect(page.locator("#kg-details h3")).to_have_text("SMARTER TOGETHER")


def test_the_match_view_gives_factors_reason_and_passages(page: Page, live_url: str) -> None:
    open_view(page, f"{live_url}/views/match/sofia/munich")
    expect(page.locator(".kg-reason")).not_to_be_empty()
    assert page.locator(".kg-factors tr").count() >= 3
    link = page.locator("#kg-fact-rows a").first
    href = link.get_attribute("href") or ""
    assert href.startswith("/sources/")
    link.click()
    page.wait_for_selector(".kg-passages li")
    assert page.locator(".kg-passages q").count() >= 1


def test_the_map_puts_cities_where_they_are(page: Page, live_url: str) -> None:
    page.goto(f"{live_url}/views/map?follower=sofia")
    page.wait_for_selector(f"#kg-map{READY}", timeout=30_000)

    def at(uid: str) -> tuple[float, float]:
        box = page.locator(f"circle[data-uid='{uid}']").bounding_box()
        assert box is not None, uid
        return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    lisbon, lyon, munich, vienna, sofia = (at(uid) for uid in ("lisbon", "lyon", "munich", "vienna", "sofia"))
    assert lisbon[0] < lyon[0] < munich[0] < vienna[0]
    assert sofia[0] > vienna[0] and sofia[1] > vienna[1]
    page.wait_for_selector("#kg-map[data-matches]")
    assert page.locator(".kg-lines line").count() >= 1
    assert page.locator("#kg-match-list li").count() >= 1


def test_graphiql_loads_offline_and_runs_a_query(page: Page, live_url: str) -> None:
    page.goto(f"{live_url}/graphql")
    page.wait_for_selector(".graphiql-container", timeout=30_000)
    page.locator(".graphiql-query-editor .CodeMirror").first.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("{ kbVersion }")
    page.locator(".graphiql-execute-button").click()
    expect(page.locator(".result-window")).to_contain_text('"kbVersion": "kb-', timeout=30_000)


def test_a_hostile_name_stays_text_everywhere(page: Page, live_url: str) -> None:
    open_view(page, f"{live_url}/views/project/smarter-together")
    assert page.locator("img[src='x']").count() == 0
    rows = page.locator("#kg-node-rows td", has_text=XSS_NAME)
    assert rows.count() == 1
    page.fill("#kg-search", "img src")
    expect(page.locator("#kg-search-hits li").first).to_contain_text(XSS_NAME)
    page.evaluate("window.kgView.select('City:xss-town')")
    expect(page.locator("#kg-details h3")).to_have_text(XSS_NAME)
    page.goto(f"{live_url}/")
    page.wait_for_selector(f"#kg-map{READY}", timeout=30_000)
    expect(page.locator(".kg-city-list", has_text=XSS_NAME)).to_have_count(1)
    assert page.locator("img[src='x']").count() == 0


def test_german_headings_and_the_home_page(page: Page, live_url: str, session_db: Database) -> None:
    page.goto(f"{live_url}/?lang=de")
    expect(page.locator("h2").first).to_have_text("Die Wissensbasis")
    cities = session_db.read("MATCH (c:City) RETURN count(c) AS n")[0]["n"]
    expect(page.locator("tr[data-label='City'] td")).to_have_text(str(cities))
    version = session_db.read("MATCH (m:KGMeta {key: 'kb'}) RETURN m.version AS v")[0]["v"]
    expect(page.locator("#kg-kb-version")).to_have_text(version)
    open_view(page, f"{live_url}/views/city/lyon?lang=de")
    expect(page.locator("h1")).to_contain_text("Stadt")
    expect(page.locator("#kg-legend")).to_contain_text("Projekt")


def test_every_page_sends_its_content_security_policy(live_url: str) -> None:
    for path in ("/", "/views/city/lyon", "/views/map", "/graphql", "/sources/smarter-together-d211"):
        response = httpx.get(f"{live_url}{path}", headers={"accept": "text/html"})
        assert response.status_code == 200, path
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors" in policy, path
        assert (
            "<script>" not in response.text
            and "unpkg.com" not in response.text
            and "cdn" not in response.text
        )


def test_an_embedding_dashboard_hears_the_selected_node(page: Page, dashboard_url: str) -> None:
    page.goto(dashboard_url)
    frame = page.frame_locator("#kg")
    frame.locator(f"#kg-view{READY}").wait_for(timeout=30_000)
    frame.locator("#kg-node-rows tr[data-id='City:lyon']").press("Enter")
    page.wait_for_function("window.kgMessages.length > 0")
    message = page.evaluate("window.kgMessages[0]")
    assert message == {"type": "kg:node-selected", "id": "City:lyon", "label": "City", "name": "Lyon"}
