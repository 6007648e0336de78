"""What stands between the internet and Neo4j: GraphQL limits, error masking, body size and time limits.

Every limit here rejects a request before any Cypher is sent: the GraphQL limits are validation rules
(validation runs before execution), the body limit is ASGI middleware in front of the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    get_named_type,
)
from graphql.validation import ASTValidationRule, NoSchemaIntrospectionCustomRule
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)

from kg.core.database import Database
from kg.core.errors import QueryTimeoutError
from kg.core.settings import Environment, Settings
from queries.graph_read import DEFAULT_PAGE, MAX_PAGE

log = logging.getLogger("kg.api")
QUERY_CACHE_SIZE = 256  # distinct query texts whose parse and validation are kept (per worker)

# Errors kg raises on purpose carry one of these codes and reach the client as they are.
PUBLIC_CODES = frozenset(
    {
        "BAD_USER_INPUT",
        "NOT_FOUND",
        "UNAUTHENTICATED",
        "FORBIDDEN",
        "SERVICE_UNAVAILABLE",
        "CONFLICT",
        "TIMEOUT",
    }
)


# ------------------------------------------------------------------------------------------------ limits

MAX_FRAGMENTS = 50  # fragment definitions per document
MAX_SPREADS = 20  # fragment spreads in one selection set

# Root fields whose answer is computed (the replication engine, embeddings, search, export), not read row by row:
# their cost is this work on top of their rows, so a few of them in one request count as expensive.
FIELD_WORK = {
    "replicationMatches": 200,
    "replicationCandidates": 200,
    "sharedChallenges": 100,
    "barrierMatches": 1_000,
    "gaps": 1_000,
    "unreplicatedSolutions": 1_000,
    "allReplicationMatches": 5_000,
    "allReplicationCandidates": 5_000,
    "exportGraph": 5_000,
    "search": 100,
    "aggregates": 200,
}


@dataclass(frozen=True)
class Shape:
    """What a selection set asks for: nesting depth, aliased fields, and cost per parent item."""

    depth: int = 0
    aliases: int = 0
    cost: int = 0

    def __add__(self, other: Shape) -> Shape:  # siblings: the deepest, and the sums
        return Shape(max(self.depth, other.depth), self.aliases + other.aliases, self.cost + other.cost)


class LimitExceededError(Exception):
    """A limit that makes the rest of the walk pointless (a cycle, a bad page size, too many spreads)."""

    def __init__(self, message: str, limit: str) -> None:
        super().__init__(message)
        self.limit = limit  # the name a client and /metrics see: fragments, spreads, cycle, page


class _Walk:
    """One pass over an operation that visits each fragment's body once (memoised by name), so the work is linear
    in the document however the fragments spread each other; cost is linear in the parent's page size, so a
    fragment's cost at multiplier 1 scales. Walking stops past ``max_depth``: deeper is refused anyway."""

    def __init__(
        self,
        fragments: dict[str, FragmentDefinitionNode],
        max_depth: int,
        schema: GraphQLSchema | None = None,
    ) -> None:
        self.fragments = fragments
        self.max_depth = max_depth
        self.schema = schema  # with it, a field that takes `first` and omits it costs its default page
        self.memo: dict[str, Shape] = {}
        self.visiting: set[str] = set()
        self.visits = 0  # selection sets walked: tests count it to show the work is bounded

    def selection_set(
        self, node: SelectionSetNode | None, level: int = 0, parent: GraphQLNamedType | None = None
    ) -> Shape:
        if node is None:
            return Shape()
        self.visits += 1
        spreads = sum(isinstance(s, FragmentSpreadNode) for s in node.selections)
        if spreads > MAX_SPREADS:
            raise LimitExceededError(
                f"{spreads} fragment spreads in one selection; the limit is {MAX_SPREADS}", "spreads"
            )
        shape = Shape()
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                shape += self.field(selection, level, parent)
            elif isinstance(selection, InlineFragmentNode):
                shape += self.selection_set(selection.selection_set, level, self._type(selection, parent))
            elif isinstance(selection, FragmentSpreadNode):
                shape += self.fragment(selection.name.value)
        return shape

    def field(self, node: FieldNode, level: int, parent: GraphQLNamedType | None = None) -> Shape:
        definition = _field_definition(parent, node.name.value)
        page = _page(node, definition)
        aliased = int(node.alias is not None)
        if node.selection_set is None or node.name.value.startswith("__"):
            return Shape(0, aliased, 1)  # introspection is read from the schema, not the graph
        if level >= self.max_depth:  # already too deep: stop walking, report a depth over the limit
            return Shape(self.max_depth + 1, aliased, 1)
        child_type = get_named_type(definition.type) if definition is not None else None
        child = self.selection_set(node.selection_set, level + 1, child_type)
        work = FIELD_WORK.get(node.name.value, 0) if level == 0 else 0
        return Shape(child.depth + 1, aliased + child.aliases, 1 + work + page * child.cost)

    def fragment(self, name: str) -> Shape:
        if name in self.visiting:
            raise LimitExceededError(f"fragment {name[:40]!r} spreads itself", "cycle")
        if name not in self.memo:
            definition = self.fragments.get(name)
            self.visiting.add(name)
            self.memo[name] = self.selection_set(
                definition.selection_set if definition else None, 0, self._type(definition, None)
            )
            self.visiting.discard(name)
        return self.memo[name]

    def _type(
        self, node: InlineFragmentNode | FragmentDefinitionNode | None, parent: GraphQLNamedType | None
    ) -> GraphQLNamedType | None:
        condition = getattr(node, "type_condition", None)
        if condition is None or self.schema is None:
            return parent
        return self.schema.get_type(condition.name.value)


def _field_definition(parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    fields = getattr(parent, "fields", None)
    return fields.get(name) if fields else None


def _page(field: FieldNode, definition: GraphQLField | None = None) -> int:
    """The page size a field's ``first`` asks for (its default when omitted, 1 for a field without one); a
    literal outside 1-100 is refused
    here, before any cost is computed; a variable counts as the largest page (its value is checked at run time)."""
    for argument in field.arguments or ():
        if argument.name.value != "first":
            continue
        if isinstance(argument.value, IntValueNode):
            value = int(argument.value.value)
            if not 1 <= value <= MAX_PAGE:
                raise LimitExceededError(
                    f"{field.name.value[:40]}(first: {value}): first must be between 1 and {MAX_PAGE}", "page"
                )
            return value
        return MAX_PAGE
    if definition is not None and "first" in definition.args:  # omitted: the server's default page
        default = definition.args["first"].default_value
        return default if isinstance(default, int) and default > 0 else DEFAULT_PAGE
    return 1


def operation_shapes(
    document: DocumentNode, schema: GraphQLSchema, max_depth: int
) -> list[tuple[OperationDefinitionNode, Shape]]:
    """The shape of every operation in ``document``, in one linear pass (``_Walk``); cycles, bad page sizes, too
    many fragments or spreads raise ``LimitExceededError`` first."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    if len(fragments) > MAX_FRAGMENTS:
        raise LimitExceededError(f"{len(fragments)} fragments; the limit is {MAX_FRAGMENTS}", "fragments")
    walk = _Walk(fragments, max_depth, schema)
    roots = {"query": schema.query_type, "mutation": schema.mutation_type}
    shapes = []
    for operation in document.definitions:
        if isinstance(operation, OperationDefinitionNode):
            root = roots.get(operation.operation.value)
            shapes.append((operation, walk.selection_set(operation.selection_set, 0, root)))
    for fragment in fragments:  # unused fragments are walked too (and memoised)
        walk.fragment(fragment)
    return shapes


def limits_rule(max_depth: int, max_aliases: int, max_cost: int) -> type[ValidationRule]:
    """Depth, aliases and cost of every operation (``operation_shapes``). Runs before any resolver, so a refusal
    sends no Cypher; the error names the limit in ``extensions.limit``."""

    class QueryLimits(ValidationRule):
        def enter_document(self, node: DocumentNode, *_: Any) -> Any:
            try:
                shapes = operation_shapes(node, self.context.schema, max_depth)
            except LimitExceededError as breach:
                return self._refuse(str(breach), breach.limit, node)
            for operation, shape in shapes:
                if shape.depth > max_depth:
                    message = f"query depth {shape.depth} exceeds maximum operation depth {max_depth}"
                    return self._refuse(message, "depth", operation)
                if shape.aliases > max_aliases:
                    message = f"{shape.aliases} aliases exceed the limit of {max_aliases} aliases"
                    return self._refuse(message, "aliases", operation)
                if shape.cost > max_cost:
                    message = (
                        f"query cost {shape.cost} exceeds the limit of {max_cost}; "
                        "ask for fewer fields or smaller pages"
                    )
                    return self._refuse(message, "cost", operation)
            return self.BREAK

        def _refuse(self, message: str, limit: str, node: Any) -> Any:
            extensions = {"code": "BAD_USER_INPUT", "limit": limit}
            self.report_error(GraphQLError(message, node, extensions=extensions))
            return self.BREAK

    return QueryLimits


# ------------------------------------------------------------------------------------------------ masking


def _is_public(error: GraphQLError) -> bool:
    if error.original_error is None or isinstance(error.original_error, GraphQLError):
        return True  # syntax, validation and variable errors describe the query, not the server
    return (error.extensions or {}).get("code") in PUBLIC_CODES


SUGGESTION = re.compile(r" Did you mean .*\?$")
MAX_ECHO = 200  # characters of a caller's input an error message repeats
QUOTED = re.compile("('[^']{N,}'|\"[^\"]{N,}\")".replace("N", str(MAX_ECHO + 1)))  # longer quoted inputs
MAX_MESSAGE = 600


def short_message(message: str) -> str:
    """An error message that repeats at most ``MAX_ECHO`` characters of any quoted input (graphql-core quotes
    a bad variable's whole value) and is at most ``MAX_MESSAGE`` long: an error never mirrors a large input."""
    cut = QUOTED.sub(lambda m: m.group()[: MAX_ECHO + 1] + "..." + m.group()[0], message)
    return cut if len(cut) <= MAX_MESSAGE else cut[: MAX_MESSAGE - 3] + "..."


class MaskUnexpectedErrors(MaskErrors):
    """No Cypher, parameters or stack traces reach clients; the server log keeps them under a request id. With
    ``hide_suggestions`` (production, where introspection is off) "Did you mean ...?" hints are cut too: they
    would tell an outsider the schema field by field."""

    def __init__(self, hide_suggestions: bool = False) -> None:
        super().__init__(should_mask_error=lambda error: not _is_public(error))
        self.hide_suggestions = hide_suggestions

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [self._public_form(error) for error in super()._process_errors(errors)]

    def _public_form(self, error: GraphQLError) -> GraphQLError:
        message = short_message(error.message)
        if self.hide_suggestions:
            message = SUGGESTION.sub("", message)
        if message == error.message:
            return error
        return GraphQLError(message, nodes=error.nodes, path=error.path, extensions=error.extensions)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request = getattr(self.execution_context.context, "request", None)
        request_id = getattr(getattr(request, "state", None), "request_id", "-")
        log.error("request %s: %s", request_id, error.message, exc_info=error.original_error)
        return GraphQLError(
            "Unexpected error.",
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )


def schema_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Factories: strawberry creates each extension anew for every request (no state leaks between requests)."""
    rules: list[type[ASTValidationRule]] = [
        limits_rule(settings.api_max_depth, settings.api_max_aliases, settings.api_max_cost)
    ]
    if settings.env is Environment.PRODUCTION:
        rules.append(NoSchemaIntrospectionCustomRule)
    # Parsing and validating a small query cost more than answering it from Neo4j (issue 15's profile: ~6 of
    # 14 ms in-process for node(id:)). Both depend on the text alone (the limits rule counts a variable as the
    # largest page), so their results are cached per text, in bounded LRU caches; a text over the token limit
    # raises while parsing and is never cached.
    return [
        lambda: MaxTokensLimiter(max_token_count=settings.api_max_tokens),
        lambda: ParserCache(maxsize=QUERY_CACHE_SIZE),
        lambda: AddValidationRules(rules),
        lambda: ValidationCache(maxsize=QUERY_CACHE_SIZE),
        lambda: MaskUnexpectedErrors(hide_suggestions=settings.env is Environment.PRODUCTION),
    ]


# ------------------------------------------------------------------------------------------------ HTTP


class BodySizeLimit:
    """Read a request's whole body first (at most ``max_bytes``, declared or chunked: over it is 413), then hand
    the app a replay of it. A GraphQL POST body must be one JSON object in UTF-8, else 400: malformed input is
    the caller's mistake, answered in GraphQL's error shape with a request id, never a 500."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _reject(scope, send, 413, f"request body over {self.max_bytes} bytes", "PAYLOAD_TOO_LARGE")
            return
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left before its body ended: nothing to answer
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_bytes:
                await _reject(
                    scope, send, 413, f"request body over {self.max_bytes} bytes", "PAYLOAD_TOO_LARGE"
                )
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        problem = _graphql_body_problem(scope, body)
        if problem is not None:
            await _reject(scope, send, 400, problem, "BAD_REQUEST")
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _graphql_body_problem(scope: Scope, body: bytes) -> str | None:
    """Why a POST /graphql JSON body cannot be a GraphQL request (None when it can). Bounded work: the body is
    at most the size limit, and JSON nesting or huge integers fail as errors, not crashes."""
    if scope.get("method") != "POST" or not str(scope.get("path", "")).startswith("/graphql"):
        return None
    content_type = dict(scope.get("headers") or []).get(b"content-type", b"").split(b";")[0].strip()
    if content_type != b"application/json":
        return None  # strawberry answers other content types itself (400 or multipart)
    try:
        document = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        return "the request body is not UTF-8"
    except (ValueError, RecursionError) as error:  # ValueError: bad JSON or an integer over 4,300 digits
        return f"the request body is not valid JSON: {str(error)[:120]}"
    if not isinstance(document, dict):
        return f"a GraphQL request is a JSON object with a 'query', not {type(document).__name__}"
    return None


async def _reject(scope: Scope, send: Send, status: int, message: str, code: str) -> None:
    request_id = request_id_of(scope)
    scope["state"]["limit"] = "body_size" if status == 413 else "body_format"
    body = json.dumps(
        {"errors": [{"message": message, "extensions": {"code": code, "requestId": request_id}}]}
    ).encode()
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def request_id_of(scope: Scope) -> str:
    """The request's id: the client's ``X-Request-ID`` when it is 1-64 plain characters (never arbitrary text
    reflected), else a new one; kept in the request's state so every layer and the response agree."""
    state = scope.setdefault("state", {})
    if "request_id" not in state:
        asked = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        state["request_id"] = asked if REQUEST_ID.match(asked) else uuid.uuid4().hex
    return str(state["request_id"])


MIN_TRANSACTION_S = (
    0.05  # Neo4j needs a positive timeout; a request this close to its deadline is nearly over
)


class DeadlinePassedError(QueryTimeoutError):
    """The request's own deadline passed before its next database call: answered as a timeout (504 ``TIMEOUT``),
    as ``RequestDeadline`` answers one that passes while the app works."""


def remaining_s(request: Request | None, default: float) -> float:
    """Seconds left before the request's deadline (``default`` outside a request): every transaction a request
    starts is given this as its timeout, so a 504 also ends the query and frees the worker thread."""
    deadline: float | None = getattr(getattr(request, "state", None), "deadline", None)
    if deadline is None:
        return default
    return max(MIN_TRANSACTION_S, min(default, deadline - time.monotonic()))


def request_database(db: Database, request: Request | None) -> Database:
    """The handle one request's database work runs on: its transactions end by the request's deadline and its
    statements are counted for the request's log line. Past the deadline no new work starts."""
    state = getattr(request, "state", None)
    deadline: float | None = getattr(state, "deadline", None)
    if deadline is not None and deadline - time.monotonic() < MIN_TRANSACTION_S:
        raise DeadlinePassedError("the request's deadline has passed; nothing more is sent to Neo4j")
    handle = db.with_timeout(remaining_s(request, db.timeout_s))
    counter = getattr(state, "statements", None)
    return handle.counted(counter) if counter is not None else handle


class RequestDeadline:
    """A bound on each request until its response starts (``api.observability.RequestObserver`` gave it its id):
    past it the app is cancelled and the answer is 504 ``TIMEOUT``; database calls end by the same deadline
    (``remaining_s``). A download that has started streams on. Plain ASGI: starlette's ``BaseHTTPMiddleware``
    (a task group and memory streams per request) cost more than a point lookup in Neo4j (issue 15)."""

    def __init__(self, app: ASGIApp, timeout_s: float) -> None:
        self.app = app
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["deadline"] = time.monotonic() + self.timeout_s
        started = asyncio.Event()

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.set()
            await send(message)

        answering = asyncio.ensure_future(self.app(scope, receive, sending))
        waiting = asyncio.ensure_future(started.wait())
        try:
            await asyncio.wait(
                {answering, waiting}, timeout=self.timeout_s, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            waiting.cancel()
        if answering.done() or started.is_set():
            await answering  # the app's own outcome, its exception included
            return
        answering.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await answering
        request_id = request_id_of(scope)
        log.warning("request %s timed out after %.0fs", request_id, self.timeout_s)
        state["limit"] = "deadline"
        timed_out = {
            "message": "operation timed out",
            "extensions": {"code": "TIMEOUT", "requestId": request_id},
        }
        await JSONResponse({"errors": [timed_out]}, status_code=504)(scope, receive, send)


def content_security_policy(frame_ancestors: list[str]) -> str:
    """Scripts, styles, images, fonts and connections from the app only; no inline script; framing as allowed."""
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'self'",
            f"frame-ancestors {' '.join(frame_ancestors) or chr(39) + 'none' + chr(39)}",
        ]
    )


class SecurityHeaders:
    """ASGI middleware: the Content-Security-Policy, nosniff, no-referrer and Cache-Control on every response,
    the body guard's 400 and 413 included (it sits outside them)."""

    def __init__(self, app: ASGIApp, frame_ancestors: list[str]) -> None:
        self.app = app
        self.policy = content_security_policy(frame_ancestors).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _SECURITY]
                headers += [
                    (b"content-security-policy", self.policy),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                ]
                if not any(k.lower() == b"cache-control" for k, _ in headers):  # /static sets its own
                    headers.append((b"cache-control", b"public, max-age=3600" if static else b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


_SECURITY = frozenset({b"content-security-policy", b"x-content-type-options", b"referrer-policy"})
