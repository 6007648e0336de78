"""kg's pages: the home page, embeddable graph views with their JSON feeds, the map, source pages, GraphiQL.

Every page is a template with no inline script (kg/views/templates) and every asset is served from
``/static`` (kg/views/static, the npm packages copied there at install), never from a CDN. Pages follow
GraphQL's read permission: open when ``KG_API_READS_OPEN`` is true, else an API key in the Authorization header
or, for an iframe, a view token in ``?token=`` (read-only, views only, expiring; ``kg api-key --view``).
"""

# No `from __future__ import annotations`: FastAPI must see the route-local `Token` dependency alias itself.

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from strawberry.fastapi import GraphQLRouter

from api.downloads import Caller, ServingState, kg_error_response
from api.security import request_database
from kg.core.database import Database
from kg.core.errors import KGError, Neo4jUnavailableError
from kg.core.settings import DEFAULT_VIEW_SECRET
from kg.core.viewtokens import verify_view_token
from kg.export import SelectionOptions
from kg.replication import ReplicationEngine
from kg.views import feeds, pages
from kg.views.i18n import choose_language, words
from schema import graph_model

ENTITY_VIEWS = ("city", "project", "field", "solution", "candidates")
MAP_MATCHES = 5  # lines drawn from a follower on the map


class KGGraphQLRouter(GraphQLRouter[Any, Any]):
    """strawberry's router with kg's own GraphiQL page: React and GraphiQL from /static, no inline script."""

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(pages.render("graphiql.html", "en", endpoint=str(request.url.path)))


def _access(state: ServingState, caller: Callable[[Request], Caller]) -> Callable[[Request], str]:
    """The request's view token ("" when it needs none); 401 when it may not read."""

    def check(request: Request) -> str:
        principal, invalid = caller(request)
        token = request.query_params.get("token", "")
        secret = state.settings.view_token_secret.get_secret_value()
        if token and (secret == DEFAULT_VIEW_SECRET or not verify_view_token(secret, token)):
            raise HTTPException(401, "this view token is not valid or has expired: ask for a new one")
        if invalid:
            raise HTTPException(401, "this API key is not valid")
        if not (state.settings.api_reads_open or principal is not None or token):
            raise HTTPException(
                401, "reading needs an API key (Authorization header) or a view token (?token=)"
            )
        return token

    return check


PAGE_PARAMETERS = ("token", "lang")  # the page's own, never part of the selection
LIST_PARAMETERS = ("labels", "types")


# A name or id in a view's path: bounded, so no page or error repeats a longer input.
Name = Annotated[str, Path(min_length=1, max_length=200)]


def _options(request: Request) -> SelectionOptions:
    """The export selection in a view's query string, without the page's own parameters."""
    query = request.query_params
    values: dict[str, Any] = {
        name: query.getlist(name) if name in LIST_PARAMETERS else query[name]
        for name in query
        if name not in PAGE_PARAMETERS
    }
    return SelectionOptions.parse(**values)


def views_router(state: ServingState, caller: Callable[[Request], Caller]) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    Token = Annotated[str, Depends(_access(state, caller))]  # noqa: N806 - a type alias, named as one
    max_nodes = state.settings.export_max_nodes

    def language(request: Request) -> str:
        return choose_language(request.query_params.get("lang"), request.headers.get("accept-language"))

    def database(request: Request | None = None) -> Database:
        if state.db is None:
            raise Neo4jUnavailableError("Neo4j is not available")
        return request_database(state.db, request)

    def answer(request: Request, work: Callable[[Database], Any]) -> Response:
        try:
            return JSONResponse(work(database(request)))
        except KGError as error:
            return kg_error_response(error)

    def engine(db: Database) -> ReplicationEngine:
        return ReplicationEngine(db, state.embedder)

    def page(request: Request, token: str, heading_key: str, subject: str, feed: str) -> HTMLResponse:
        lang = language(request)
        heading = words(lang)[heading_key]
        html = pages.render(
            "view.html",
            lang,
            token,
            title=f"{heading}: {subject}",
            heading=heading,
            subject=subject,
            feed=feed,
        )
        return HTMLResponse(html)

    @router.get("/")
    def home(request: Request, token: Token) -> Response:
        lang = language(request)
        try:
            db = database(request)
            home_feed = feeds.home_feed(db, sorted(graph_model().labels))
        except KGError as error:
            return kg_error_response(error)
        return HTMLResponse(pages.render("home.html", lang, token, title="kg", home=home_feed))

    @router.get("/views/map")
    def map_page(request: Request, token: Token) -> HTMLResponse:
        lang = language(request)
        return HTMLResponse(pages.render("map.html", lang, token, title=words(lang)["map"]))

    @router.get("/views/map/feed")
    def map_feed(request: Request, token: Token) -> Response:
        return answer(request, feeds.map_feed)

    @router.get("/views/map/matches/{follower}")
    def map_matches(request: Request, follower: Name, token: Token) -> Response:
        def top(db: Database) -> dict[str, Any]:
            result = engine(db).matches_for(follower, top=MAP_MATCHES)
            matches = [{"lighthouse": m.lighthouse.model_dump(), "score": m.score} for m in result.matches]
            return {"follower": result.follower.model_dump(), "matches": matches}

        return answer(request, top)

    @router.get("/views/graph")
    def graph_page(request: Request, token: Token) -> Response:
        try:
            subject = _options(request).selection().describe()
        except KGError as error:
            return kg_error_response(error)
        return page(request, token, "title.graph", subject, f"/views/graph/feed?{request.url.query}")

    @router.get("/views/graph/feed")
    def graph_feed(request: Request, token: Token) -> Response:
        try:
            options = _options(request)
        except KGError as error:
            return kg_error_response(error)
        return answer(request, lambda db: feeds.graph_options_feed(db, options, max_nodes, engine(db)))

    @router.get("/views/match/{follower}/{lighthouse}")
    def match_page(request: Request, follower: Name, lighthouse: Name, token: Token) -> Response:
        feed = f"/views/match/{quote(follower, safe='')}/{quote(lighthouse, safe='')}/feed"
        return page(request, token, "title.match", f"{follower} → {lighthouse}", feed)

    @router.get("/views/match/{follower}/{lighthouse}/feed")
    def match_feed(request: Request, follower: Name, lighthouse: Name, token: Token) -> Response:
        return answer(request, lambda db: feeds.match_feed(db, follower, lighthouse, max_nodes, engine(db)))

    @router.get("/views/{kind}/{target}")
    def entity_page(request: Request, kind: Name, target: Name, token: Token) -> Response:
        if kind not in ENTITY_VIEWS:
            raise HTTPException(
                404, f"no view {kind[:40]!r}: the views are {', '.join(ENTITY_VIEWS)}, match, graph, map"
            )
        return page(request, token, f"title.{kind}", target, f"/views/{kind}/{quote(target, safe='')}/feed")

    @router.get("/views/{kind}/{target}/feed")
    def entity_feed(request: Request, kind: Name, target: Name, token: Token) -> Response:
        if kind not in ENTITY_VIEWS:
            raise HTTPException(404, f"no view {kind[:40]!r}")
        return answer(request, lambda db: feeds.entity_feed(db, kind, target, max_nodes, engine(db)))

    @router.get("/sources/{uid}")
    def source_page(request: Request, uid: Name, token: Token) -> Response:
        lang = language(request)
        try:
            source = feeds.source_feed(database(request), uid)
        except KGError as error:
            return kg_error_response(error)
        title = f"{words(lang)['source']}: {source['source'].get('name', uid)}"
        return HTMLResponse(pages.render("source.html", lang, token, title=title, source=source))

    return router
