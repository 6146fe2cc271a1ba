"""The public surface: the one-import migration, the implementation switch, the ASGI contract."""

from __future__ import annotations

import asyncio
import inspect
import os
import subprocess
import sys
from importlib.metadata import version

import pytest
import uvicorn
from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware

import fastcors
from fastcors import CORSMiddleware
from fastcors._types import Message
from tests.asgi import http_scope, ok_app, run


def test_constructor_matches_starlettes_names_order_and_defaults() -> None:
    ours = list(inspect.signature(CORSMiddleware.__init__).parameters.values())
    theirs = list(inspect.signature(StarletteCORSMiddleware.__init__).parameters.values())
    assert [(p.name, p.default, p.kind) for p in ours[: len(theirs)]] == [
        (p.name, p.default, p.kind) for p in theirs
    ]


def test_fastcors_own_options_are_keyword_only_and_off_by_default() -> None:
    parameters = list(inspect.signature(CORSMiddleware.__init__).parameters.values())
    extra = parameters[len(inspect.signature(StarletteCORSMiddleware.__init__).parameters) :]
    assert extra
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in extra)
    assert all(p.default in (False, None, ()) for p in extra)


def test_positional_arguments_land_where_they_do_in_starlette() -> None:
    args = (["https://a.org"], ["GET", "PUT"], ["X-A"], True, r"https://.*\.b\.org", True, ["X-E"], 7)
    ours = CORSMiddleware(ok_app(), *args)
    theirs = StarletteCORSMiddleware(ok_app(), *args)
    assert ours.preflight_headers == theirs.preflight_headers
    assert ours.simple_headers == theirs.simple_headers
    assert ours.allow_private_network is theirs.allow_private_network is True


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"allow_origins": ["*"], "allow_credentials": True, "expose_headers": ["X-A", "X-B"]},
        {"allow_origins": "https://a.org", "allow_methods": "*", "allow_headers": ["*", "X-Z"]},
        {"allow_origin_regex": "https://.*", "max_age": 3, "allow_headers": ["content-type", "Content-Type"]},
    ],
)
@pytest.mark.filterwarnings("ignore::fastcors.CORSConfigWarning")
def test_starlettes_attributes_are_exposed_with_the_same_values(options: dict[str, object]) -> None:
    ours = CORSMiddleware(ok_app(), **options)  # type: ignore[arg-type]
    theirs = StarletteCORSMiddleware(ok_app(), **options)  # type: ignore[arg-type]
    for name in (
        "allow_origins",
        "allow_methods",
        "allow_headers",
        "allow_all_origins",
        "allow_all_headers",
        "allow_credentials",
        "preflight_explicit_allow_origin",
        "allow_origin_regex",
        "allow_private_network",
        "simple_headers",
        "preflight_headers",
    ):
        assert getattr(ours, name) == getattr(theirs, name), name


def test_the_live_core_is_named(implementation: str) -> None:
    assert fastcors.IMPLEMENTATION in ("rust", "python")
    if not fastcors._core.NO_EXTENSIONS and implementation == "rust":
        assert fastcors.IMPLEMENTATION == "rust"


def test_no_extensions_environment_variable_selects_the_pure_python_core() -> None:
    code = "import fastcors, fastcors._core as core; print(fastcors.IMPLEMENTATION, core.Policy.__module__)"
    env = {**os.environ, "FASTCORS_NO_EXTENSIONS": "1"}
    output = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert output.stdout.split() == ["python", "fastcors._pure.policy"]


def test_without_extensions_a_request_is_served_by_the_pure_python_classes_alone() -> None:
    code = """
import asyncio, fastcors, fastcors._fastcors as native
from fastcors._pure import Middleware
assert fastcors.CORSMiddleware.__mro__[1] is Middleware, fastcors.CORSMiddleware.__mro__
sent = []
async def app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
async def send(message):
    sent.append(message)
cors = fastcors.CORSMiddleware(app, allow_origins=["https://a.org"])
scope = {"type": "http", "method": "GET", "headers": [(b"origin", b"https://a.org")]}
asyncio.run(cors(scope, None, send))
print(sent[0]["headers"])
"""
    env = {**os.environ, "FASTCORS_NO_EXTENSIONS": "1"}
    output = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert output.stdout.strip() == str(
        [(b"access-control-allow-origin", b"https://a.org"), (b"vary", b"Origin")]
    )


def test_servers_call_the_middleware_by_position_or_by_name() -> None:
    cors = CORSMiddleware(ok_app(), allow_origins=["*"])
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    async def by_name() -> None:
        await cors(scope=http_scope(), receive=receive, send=send)
        await cors(http_scope(), receive=receive, send=send)

    asyncio.run(by_name())
    assert [message["type"] for message in sent] == ["http.response.start", "http.response.body"] * 2
    with pytest.raises(TypeError):
        cors(http_scope(), receive)  # type: ignore[call-arg]


def test_version_comes_from_the_package_metadata() -> None:
    assert fastcors.__version__ == version("fastcors")


def test_uvicorn_detects_an_asgi3_app_when_fastcors_is_outermost() -> None:
    config = uvicorn.Config(CORSMiddleware(ok_app(), allow_origins=["*"]))
    config.load()
    assert config.interface == "asgi3"


def test_the_middleware_is_a_coroutine_function_for_framework_introspection() -> None:
    assert inspect.iscoroutinefunction(CORSMiddleware(ok_app()).__call__)


@pytest.mark.parametrize("scope_type", ["websocket", "lifespan"])
def test_non_http_scopes_reach_the_app_untouched(scope_type: str) -> None:
    seen = []

    async def app(scope: object, receive: object, send: object) -> None:
        seen.append((scope, receive, send))

    async def receive() -> None: ...

    async def send(message: object) -> None: ...

    scope = {"type": scope_type, "headers": [(b"origin", b"https://a.org")]}
    cors = CORSMiddleware(app, allow_origins=["*"])

    async def serve() -> None:
        await cors(scope, receive, send)  # type: ignore[arg-type]

    asyncio.run(serve())
    assert seen == [(scope, receive, send)]
    assert seen[0][0] is scope


def test_origin_regex_engine_is_none_without_a_regex() -> None:
    assert CORSMiddleware(ok_app(), allow_origins=["*"]).origin_regex_engine is None


def test_policies_are_immutable(implementation: str) -> None:
    policy = CORSMiddleware(ok_app())._policy
    with pytest.raises(AttributeError):
        policy.origin_regex_engine = "rust"  # type: ignore[misc]


def test_a_tuple_of_request_headers_becomes_a_list_in_the_scope_the_app_sees() -> None:
    seen = []

    async def app(scope: dict[str, object], receive: object, send: object) -> None:
        seen.append(scope["headers"])

    scope = http_scope(headers=[(b"origin", b"https://a.org")])
    scope["headers"] = tuple(scope["headers"])
    run(CORSMiddleware(app, allow_origins=["*"]), scope)  # type: ignore[arg-type]
    assert seen == [[(b"origin", b"https://a.org")]]
