"""The Rust core and its pure-Python twin, called directly, give the same answers.

Both are ``Policy(config)`` classes with one interface: ``handle(scope, send)`` returns the two
messages of a preflight the middleware answers itself, or the ``send`` to hand to the app;
``is_allowed_origin(origin_bytes)``; ``origin_regex_engine``. For configurations and requests drawn
as in ``test_differential``, both cores must return the same preflight messages, leave the same
scope, and their ``send`` callables must forward the same messages downstream for the same start,
body and trailer messages (each core gets fresh copies).

This module uses both cores itself; the ``implementation`` fixture of ``conftest.py`` still runs it
once per core name, which changes nothing here.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, Protocol

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastcors import _pure
from fastcors._config import CorsConfig, interpret_options
from tests.parity.test_differential import (
    SECONDARY,
    Message,
    Request,
    case_strategy,
    config_strategy,
    origin_value,
    preflight_strategy,
    start_message,
)

pytest.importorskip("fastcors._fastcors")

from fastcors import _fastcors  # only once the extension is known to be there
from tests.asgi import run_to_completion

DEFAULTS: dict[str, Any] = {
    "allow_origins": (),
    "allow_methods": ("GET",),
    "allow_headers": (),
    "allow_credentials": False,
    "allow_origin_regex": None,
    "allow_private_network": False,
    "expose_headers": (),
    "max_age": 600,
}


class Core(Protocol):
    @property
    def origin_regex_engine(self) -> str | None: ...

    def is_allowed_origin(self, origin: bytes) -> bool: ...

    def handle(self, scope: Any, send: Any) -> Any: ...


def config_of(options: dict[str, Any]) -> CorsConfig:
    config, _ = interpret_options(**{**DEFAULTS, **options})
    return config


def both_cores(options: dict[str, Any]) -> tuple[Core, Core]:
    config = config_of(options)
    return _fastcors.Policy(config), _pure.Policy(config)


@dataclass
class Answer:
    kind: str = ""
    preflight: Any = None
    forwarded: list[Message] = field(default_factory=list)
    messages_after_send: list[Message] = field(default_factory=list)
    scope_after: Any = None
    error: tuple[type[BaseException], tuple[Any, ...]] | None = None


async def wait_for(awaitable: Awaitable[Any]) -> None:
    await awaitable


def answer(core: Core, request: Request, app_messages: list[Message]) -> Answer:
    """What one core does with one request, and with the app's messages when the app runs."""
    result = Answer()
    scope = request.scope()

    async def downstream(message: Message) -> None:
        result.forwarded.append(copy.deepcopy(message))

    try:
        handled = core.handle(scope, downstream)
        if isinstance(handled, tuple):
            result.kind = "preflight"
            result.preflight = copy.deepcopy(handled)
        else:
            result.kind = "send"
            for planned in app_messages:
                message = copy.deepcopy(planned)
                run_to_completion(wait_for(handled(message)))
                result.messages_after_send.append(copy.deepcopy(message))
    except Exception as error:
        result.error = (type(error), error.args)
    result.scope_after = copy.deepcopy(scope)
    return result


@st.composite
def app_messages(draw: st.DrawFn) -> list[Message]:
    start = draw(start_message())
    if draw(st.booleans()) and "headers" in start:
        start["headers"] = [list(pair) for pair in start["headers"]]
    messages = [start, {"type": "http.response.body", "body": b"a", "more_body": True}]
    messages.append({"type": "http.response.body", "body": b"b"})
    if draw(st.booleans()):
        messages.append(
            {"type": "http.response.trailers", "headers": [(b"vary", b"x")], "more_trailers": False}
        )
    if draw(st.integers(0, 5)) == 0:
        # Not valid ASGI, but each core must edit a second start as it edits the first.
        messages.append(draw(start_message()))
    return messages


@SECONDARY
@given(case=case_strategy(), messages=app_messages())
def test_cores_answer_every_request_alike(
    case: tuple[dict[str, Any], Request], messages: list[Message]
) -> None:
    options, request = case
    rust, python = both_cores(options)
    assert answer(rust, request, messages) == answer(python, request, messages)


@SECONDARY
@given(case=preflight_strategy())
def test_cores_answer_every_preflight_alike(case: tuple[dict[str, Any], Request]) -> None:
    options, request = case
    rust, python = both_cores(options)
    rust_answer = answer(rust, request, [])
    assert rust_answer == answer(python, request, [])
    assert rust_answer.kind == "preflight"


@SECONDARY
@given(options=config_strategy, origins=st.lists(origin_value, min_size=1, max_size=8))
def test_cores_allow_the_same_origins(options: dict[str, Any], origins: list[bytes]) -> None:
    rust, python = both_cores(options)
    assert [rust.is_allowed_origin(origin) for origin in origins] == [
        python.is_allowed_origin(origin) for origin in origins
    ]
    assert (rust.origin_regex_engine is None) == (python.origin_regex_engine is None)
    assert rust.origin_regex_engine in (None, "rust", "python")
    assert python.origin_regex_engine in (None, "python")
