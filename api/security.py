"""What stands between the internet and Neo4j: GraphQL limits, error masking, body size and time limits.

Every limit here rejects a request before any Cypher is sent: the GraphQL limits are validation rules
(validation runs before execution), the body limit is ASGI middleware in front of the app.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from graphql.validation import ASTValidationRule, NoSchemaIntrospectionCustomRule
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from kg.core.settings import Environment, Settings
from queries.graph_read import DEFAULT_PAGE, MAX_PAGE

log = logging.getLogger("kg.api")

# Errors kg raises on purpose carry one of these codes and reach the client as they are.
PUBLIC_CODES = frozenset(
    {"BAD_USER_INPUT", "NOT_FOUND", "UNAUTHENTICATED", "FORBIDDEN", "SERVICE_UNAVAILABLE", "CONFLICT"}
)


# ------------------------------------------------------------------------------------------------ cost


def _first(field: FieldNode, default: int) -> int:
    for argument in field.arguments or ():
        if argument.name.value == "first":
            # A variable is unknown at validation time: assume the largest page.
            return int(argument.value.value) if isinstance(argument.value, IntValueNode) else MAX_PAGE
    return default


def query_cost(
    selection_set: SelectionSetNode | None, context: ValidationContext, multiplier: int = 1, depth: int = 0
) -> int:
    """Fields the query may return: each field counts once per parent item; lists multiply by their page size."""
    if selection_set is None or depth > 50:
        return 0
    cost = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            has_page = any(
                a.name.value == "first" for a in selection.arguments or ()
            ) or selection.name.value in ("edges",)
            page = _first(selection, DEFAULT_PAGE) if has_page and selection.name.value != "edges" else 1
            cost += multiplier + query_cost(selection.selection_set, context, multiplier * page, depth + 1)
        elif isinstance(selection, InlineFragmentNode):
            cost += query_cost(selection.selection_set, context, multiplier, depth + 1)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = context.get_fragment(selection.name.value)
            cost += query_cost(fragment.selection_set if fragment else None, context, multiplier, depth + 1)
    return cost


def cost_limit_rule(max_cost: int) -> type[ValidationRule]:
    class QueryCostLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            cost = query_cost(node.selection_set, self.context)
            if cost > max_cost:
                self.report_error(
                    GraphQLError(
                        f"query cost {cost} exceeds the limit of {max_cost}; ask for fewer fields or smaller pages",
                        node,
                        extensions={"code": "BAD_USER_INPUT"},
                    )
                )

    return QueryCostLimit


# ------------------------------------------------------------------------------------------------ masking


def _is_public(error: GraphQLError) -> bool:
    if error.original_error is None:
        return True  # syntax and validation errors describe the query, not the server
    return (error.extensions or {}).get("code") in PUBLIC_CODES


class MaskUnexpectedErrors(MaskErrors):
    """No Cypher, parameters or stack traces reach clients; the server log keeps them under a request id."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda error: not _is_public(error))

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
    rules: list[type[ASTValidationRule]] = [cost_limit_rule(settings.api_max_cost)]
    if settings.env is Environment.PRODUCTION:
        rules.append(NoSchemaIntrospectionCustomRule)
    return [
        lambda: QueryDepthLimiter(max_depth=settings.api_max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=settings.api_max_aliases),
        lambda: MaxTokensLimiter(max_token_count=settings.api_max_tokens),
        lambda: AddValidationRules(rules),
        MaskUnexpectedErrors,
    ]


# ------------------------------------------------------------------------------------------------ HTTP


def _error_body(message: str, code: str) -> bytes:
    return json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()


class BodySizeLimit:
    """Refuse request bodies over ``max_bytes`` (declared or streamed) with 413, before the app reads them."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise _BodyTooLargeError
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLargeError:
            await self._reject(send)

    async def _reject(self, send: Send) -> None:
        body = _error_body(f"request body over {self.max_bytes} bytes", "PAYLOAD_TOO_LARGE")
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _BodyTooLargeError(Exception):
    pass


def request_id_and_timeout(
    timeout_s: float,
) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    """HTTP middleware: a request id on every request and response, and a bound on the whole request."""

    async def middleware(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        request.state.request_id = request_id
        try:
            response = await asyncio.wait_for(call_next(request), timeout=timeout_s)
        except TimeoutError:
            log.warning("request %s timed out after %.0fs", request_id, timeout_s)
            response = JSONResponse(
                {
                    "errors": [
                        {
                            "message": "operation timed out",
                            "extensions": {"code": "TIMEOUT", "requestId": request_id},
                        }
                    ]
                },
                status_code=504,
            )
        response.headers["x-request-id"] = request_id
        return response

    return middleware


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


def security_headers(
    frame_ancestors: list[str],
) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    """HTTP middleware: the Content-Security-Policy, nosniff and no-referrer on every response."""
    policy = content_security_policy(frame_ancestors)

    async def middleware(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = policy
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    return middleware
