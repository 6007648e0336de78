"""api.security.RequestDeadline: a bound on the time until a response starts, not on a download's stream."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from api.security import RequestDeadline

TIMEOUT_S = 0.05


def _run(coroutine: Any) -> Any:
    """``asyncio.run`` on a thread of its own, whatever loop runs on this one (Playwright's sync API keeps one)."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


async def _serve(app: Any) -> tuple[int, bytes, dict[str, Any]]:
    """One GET through ``RequestDeadline(app)``: the status, the whole body and the request's state."""
    scope: dict[str, Any] = {"type": "http", "method": "GET", "path": "/", "headers": [], "state": {}}
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await RequestDeadline(app, TIMEOUT_S)(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body, scope["state"]


def test_an_answer_that_does_not_start_in_time_is_504_and_the_app_is_cancelled() -> None:
    cancelled = asyncio.Event()

    async def slow(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def run() -> tuple[int, bytes, dict[str, Any]]:
        answer = await _serve(slow)
        assert cancelled.is_set()
        return answer

    status, body, state = _run(run())
    assert status == 504
    assert json.loads(body)["errors"][0]["extensions"]["code"] == "TIMEOUT"
    assert state["limit"] == "deadline" and "deadline" in state


def test_a_download_that_started_streams_past_the_deadline() -> None:
    async def streaming(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for part in (b"one ", b"two ", b"three"):
            await asyncio.sleep(TIMEOUT_S)  # three times the deadline in all
            await send({"type": "http.response.body", "body": part, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    status, body, state = _run(_serve(streaming))
    assert (status, body) == (200, b"one two three")
    assert "limit" not in state


def test_a_quick_answer_is_passed_through_untouched() -> None:
    async def quick(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})

    assert _run(_serve(quick))[:2] == (201, b"done")
