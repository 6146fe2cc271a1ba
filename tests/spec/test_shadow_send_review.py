"""The shadowed send (``ShadowedCorsSend``), ``finish_allowed_start``, the candidate's answers
and the preflight's comparison, at their edges: each test is named for the rule it holds the
cores to. On both cores.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
import weakref
from typing import Any

import pytest

from fastcors import CORSMiddleware, ShadowDifference
from fastcors._types import Message, Receive, Scope, Send
from tests.asgi import ok_app, run_recording

LIVE = "https://live.example"
CANDIDATE = "https://candidate.example"
OTHER = "https://other.example"


def get(origin: str, path: str = "/") -> Scope:
    return {"type": "http", "method": "GET", "path": path, "headers": [(b"origin", origin.encode())]}


def preflight(origin: str, path: str = "/") -> Scope:
    headers = [(b"origin", origin.encode()), (b"access-control-request-method", b"GET")]
    return {"type": "http", "method": "OPTIONS", "path": path, "headers": headers}


def served(middleware: Any, scope: Scope) -> tuple[list[Message], str | None]:
    """The messages sent, and the repr of what the request raised (``None``: nothing), a
    ``BaseException`` such as ``CancelledError`` included."""
    try:
        sent, error = run_recording(middleware, scope)
    except BaseException as raised:  # what `run_recording` lets through: sent messages unknown
        return [], repr(raised)
    return sent, None if error is None else repr(error)


# --- A shadow never fails a request ------------------------------------------------------------


async def cancelling_candidate_func(origin: str) -> bool:
    raise asyncio.CancelledError("the candidate's own")


def shadowed_by_candidate(candidate_func: Any, events: list[ShadowDifference]) -> Any:
    """A middleware allowing ``LIVE``, under a shadow whose ``allow_origin_func`` is
    ``candidate_func``, its differences appended to ``events``."""
    return CORSMiddleware(
        ok_app(),
        allow_origins=[LIVE],
        shadow={"allow_origin_func": candidate_func},
        on_shadow_difference=events.append,
    )


@pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio tells a task's cancellation from 3.11")
def test_a_candidates_async_function_raising_cancelled_error_fails_no_request() -> None:
    """The candidate's coroutine raises ``CancelledError`` of its own (nothing cancelled the
    request's task): served alone, the candidate would fail the request, so it is a difference
    to report, as it is when a plain function raises it; the request, already answered, must
    not fail with it after its response."""
    events: list[ShadowDifference] = []
    middleware = shadowed_by_candidate(cancelling_candidate_func, events)
    alone = CORSMiddleware(ok_app(), allow_origins=[LIVE])
    assert served(middleware, get(OTHER)) == served(alone, get(OTHER))
    assert [(event.live.allowed, event.shadow.error) for event in events] == [
        (False, "CancelledError: the candidate's own")
    ]


@pytest.mark.skipif(sys.version_info >= (3, 11), reason="asyncio tells a task's cancellation from 3.11")
def test_before_3_11_a_candidates_cancelled_error_is_taken_for_the_requests_cancellation() -> None:
    """Before CPython 3.11, asyncio cannot tell the candidate's own ``CancelledError`` from a
    cancellation of the request's task, which must go on: the request, answered already, ends
    with it, and nothing is reported."""
    events: list[ShadowDifference] = []
    _, error = served(shadowed_by_candidate(cancelling_candidate_func, events), get(OTHER))
    assert error is not None
    assert error.startswith("CancelledError")
    assert events == []


def test_a_request_cancelled_while_its_shadow_awaits_the_candidates_verdict_is_cancelled() -> None:
    """A genuine cancellation of the request's task, while the comparison awaited after the
    response (``served_then_compared``) waits for the candidate's verdict, goes on: it is not the
    candidate's answer."""

    async def candidate_func(origin: str) -> bool:
        await asyncio.Event().wait()  # until cancelled
        return True

    events: list[ShadowDifference] = []
    middleware = shadowed_by_candidate(candidate_func, events)

    async def serve_then_cancel() -> tuple[str, int]:
        sent: list[Message] = []

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Message) -> None:
            sent.append(message)

        task = asyncio.ensure_future(middleware(get(OTHER), receive, send))
        while len(sent) < 2 and not task.done():  # the response is sent; the comparison waits
            await asyncio.sleep(0)
        await asyncio.sleep(0)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            return "cancelled", len(sent)
        return "completed", len(sent)

    assert asyncio.run(serve_then_cancel()) == ("cancelled", 2)
    assert events == []


# --- Both cores behave identically -------------------------------------------------------------


def test_a_request_is_compared_on_the_response_start_that_goes_out_after_one_the_core_refused() -> None:
    """The app's first response start has headers the core refuses (a value not bytes); it
    catches the error and sends a valid one, which goes out. Served alone, the candidate allows
    the origin there: one difference, on both cores (the compiled core compares it; the pure
    core, having given up its one comparison on the refused start, did not)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        with contextlib.suppress(TypeError):
            await send({"type": "http.response.start", "status": 200, "headers": [(b"vary", None)]})
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    events: list[ShadowDifference] = []
    middleware = CORSMiddleware(
        app, allow_origins=[LIVE], shadow={"allow_origins": [OTHER]}, on_shadow_difference=events.append
    )
    _, error = served(middleware, get(OTHER))
    assert error is None
    assert [(event.live.allowed, event.shadow.allowed) for event in events] == [(False, True)]
    assert middleware.stats()["shadow_differences"] == 1


def test_the_500_of_cors_on_errors_is_sent_whatever_sequence_the_app_left_as_the_request_headers() -> None:
    """The app replaced ``scope["headers"]`` with a tuple (an ASGI iterable) before failing;
    ``allow_origin_func`` allows the origin: the browser gets the 500 with the CORS headers and
    the app's own error goes on, on both cores (the compiled ``finish_allowed_start`` takes only a
    list, and its ``TypeError`` replaced the app's error, without a 500)."""

    async def failing_app(scope: Scope, receive: Receive, send: Send) -> None:
        scope["headers"] = tuple(scope["headers"])
        raise RuntimeError("the app failed")

    for shadow in (None, {"allow_origins": [CANDIDATE]}):
        middleware = CORSMiddleware(
            failing_app,
            allow_origins=[LIVE],
            allow_origin_func=lambda origin: origin == OTHER,
            cors_on_errors=True,
            shadow=shadow,
        )
        sent, error = served(middleware, get(OTHER))
        assert error == repr(RuntimeError("the app failed")), f"shadow={shadow}"
        assert [message["type"] for message in sent] == ["http.response.start", "http.response.body"]
        assert (b"access-control-allow-origin", OTHER.encode()) in sent[0]["headers"]


class PathlessScope(dict[str, Any]):
    """A scope whose ``path`` cannot be read (an error other than ``KeyError``)."""

    def __getitem__(self, key: str) -> Any:
        if key == "path":
            raise LookupError("no path here")
        return dict.__getitem__(self, key)


@pytest.mark.parametrize("request_", [get, preflight], ids=["simple", "preflight"])
def test_a_request_whose_path_cannot_be_read_is_compared_as_one_without_a_path(
    request_: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """The candidate's routes are walked for the path the request arrived with; a path that
    cannot be read is none (the root route's), for a simple request and a preflight alike, on
    both cores (the compiled core's preflight read the scope again, failed, and logged the
    request as not compared)."""
    events: list[ShadowDifference] = []
    middleware = CORSMiddleware(
        ok_app(),
        allow_origins=[LIVE],
        shadow={"routes": {"/": {"allow_origins": [OTHER]}}},
        on_shadow_difference=events.append,
    )
    with caplog.at_level(logging.DEBUG, "fastcors.shadow"):
        _, error = served(middleware, PathlessScope(request_(OTHER)))
    assert error is None
    assert [(event.live.allowed, event.shadow.allowed) for event in events] == [(False, True)]
    assert not [record for record in caplog.records if "could not compare" in record.getMessage()]


# --- The shadowed send adds no leak ------------------------------------------------------------


def test_a_reference_cycle_through_the_shadowed_send_is_collected() -> None:
    """A cycle through what the shadowed send holds as a ``CorsSend`` (the server's ``send``) and
    through what it holds of its own (the path the request arrived with) is found by the
    collector: the subclass's traverse visits both."""

    class Path(str):
        """A path that can hold a reference."""

        send: Any = None

    class ServerSend:
        app_send: Any = None

        async def __call__(self, message: Message) -> None:
            pass

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        scope["path"].send = send  # the shadowed send -> its path -> the shadowed send
        scope["state"]["server_send"].app_send = send  # the shadowed send -> the server's send -> it
        await send({"type": "http.response.start", "status": 200, "headers": []})

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    middleware = CORSMiddleware(app, allow_origins=[LIVE], shadow={"allow_origins": [CANDIDATE]})
    path, server_send = Path("/"), ServerSend()
    scope = {**get(LIVE, path), "state": {"server_send": server_send}}

    async def serve(scope: Scope, send: Send) -> None:
        await middleware(scope, receive, send)

    asyncio.run(serve(scope, server_send))
    held: list[weakref.ref[Any]] = [weakref.ref(path), weakref.ref(server_send)]
    del path, server_send, scope
    gc.collect()
    assert [reference() for reference in held] == [None, None]
