"""The pages and feeds over HTTP: the same selections as the export, the security headers, the read permission
with API keys in headers and view tokens in URLs, and clear errors."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from kg.core.apikeys import Role, new_key
from kg.core.database import Database
from kg.core.settings import DEFAULT_VIEW_SECRET
from kg.core.viewtokens import make_view_token
from kg.export import Selection, select

KEY, ENTRY = new_key("dashboard-bot", Role.READER)
SECRET = "s" * 40
PAGES = [
    "/",
    "/views/city/lyon",
    "/views/project/smarter-together",
    "/views/map",
    "/sources/smarter-together-d211",
]


def test_a_feed_is_the_export_selection(seeded_app: TestClient, session_db: Database) -> None:
    feed = seeded_app.get("/views/project/smarter-together/feed").json()
    expected = select(session_db, Selection.of("project", "smarter-together"))
    assert {n["id"] for n in feed["nodes"]} == {n.id for n in expected.nodes}
    assert len(feed["edges"]) == len(expected.edges)
    roles = {e["caption"] for e in feed["edges"] if e["type"] == "PARTICIPATES_IN"}
    assert {"lighthouse", "follower"} <= roles


def test_the_match_feed_carries_the_engine_answer(seeded_app: TestClient) -> None:
    extra = seeded_app.get("/views/match/sofia/munich/feed").json()["extra"]
    assert extra["reason"] and 0 < extra["score"] <= 1
    assert {f["name"] for f in extra["factors"]} >= {"challenges", "channel"}


def test_the_map_feed_lists_every_city_with_or_without_coordinates(
    seeded_app: TestClient, session_db: Database
) -> None:
    cities = seeded_app.get("/views/map/feed").json()["cities"]
    assert len(cities) == session_db.read("MATCH (c:City) RETURN count(c) AS n")[0]["n"]
    lisbon = next(c for c in cities if c["uid"] == "lisbon")
    assert lisbon["role"] == "lighthouse" and lisbon["longitude"] < -9


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_its_security_headers(seeded_app: TestClient, path: str) -> None:
    response = seeded_app.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert (
        "script-src 'self'" in policy and "frame-ancestors 'self'" in policy and "unsafe-inline" not in policy
    )
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in response.text  # only <script src="/static/...">


def test_unknown_things_are_clear_errors(seeded_app: TestClient) -> None:
    assert seeded_app.get("/views/planet/earth").status_code == 404
    missing = seeded_app.get("/views/city/atlantis/feed")
    assert missing.status_code == 404 and "atlantis" in missing.json()["errors"][0]["message"]
    assert seeded_app.get("/sources/no-such-source").status_code == 404


def test_closed_views_take_a_key_or_a_view_token(app_for: Callable[..., TestClient]) -> None:
    closed_app = app_for(
        KG_API_READS_OPEN="false",
        KG_API_KEYS=f'["{ENTRY}"]',
        KG_VIEW_TOKEN_SECRET=SECRET,
        KG_VIEW_FRAME_ANCESTORS='["https://dashboard.example.org"]',
    )
    feed = "/views/city/lyon/feed"
    assert closed_app.get(feed).status_code == 401
    assert closed_app.get(feed, headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
    token = make_view_token(SECRET, ttl_s=300)
    assert closed_app.get(feed, params={"token": token}).status_code == 200
    page = closed_app.get("/views/city/lyon", params={"token": token})
    assert page.status_code == 200 and f'data-token="{token}"' in page.text
    expired = make_view_token(SECRET, ttl_s=-1)
    assert closed_app.get(feed, params={"token": expired}).status_code == 401
    foreign = make_view_token("another secret of forty characters......", ttl_s=300)
    assert closed_app.get(feed, params={"token": foreign}).status_code == 401
    # A view token reads views only: never GraphQL, never the export.
    graphql = closed_app.post("/graphql", params={"token": token}, json={"query": "{ kbVersion }"}).json()
    assert graphql["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert closed_app.get("/export/graphml", params={"city": "lyon", "token": token}).status_code in (
        401,
        422,
    )
    policy = page.headers["content-security-policy"]
    assert "frame-ancestors https://dashboard.example.org" in policy
    # The page's own parameters (token, lang) are not part of a graph view's selection.
    for path in ("/views/graph", "/views/graph/feed"):
        graph = closed_app.get(path, params={"around": "Lyon", "lang": "de", "token": token})
        assert graph.status_code == 200, (path, graph.text[:200])
    unknown = closed_app.get("/views/graph/feed", params={"around": "Lyon", "hopz": "2", "token": token})
    assert unknown.status_code == 400 and "hopz" in unknown.json()["errors"][0]["message"]


def test_tokens_signed_with_the_public_default_secret_are_refused(app_for: Callable[..., TestClient]) -> None:
    closed_app = app_for(KG_API_READS_OPEN="false", KG_API_KEYS=f'["{ENTRY}"]')
    forged = make_view_token(DEFAULT_VIEW_SECRET, ttl_s=300)
    assert closed_app.get("/views/city/lyon/feed", params={"token": forged}).status_code == 401
